"""Built-in objects by name: the lookup that activations, initializers, regularizers, constraints,
losses, metrics and optimizers share.

A name is found whatever its case and underscores (``'glorot_uniform'``, ``'GlorotUniform'`` and
``'glorotuniform'`` are one initializer). An unknown name gets a ValueError that lists the valid
names and suggests the closest one.

The ``*_instance`` functions are ``get``, ``serialize`` and ``deserialize`` for the kinds whose
built-ins are classes with ``get_config``/``from_config`` (initializers, regularizers,
constraints).
"""

from __future__ import annotations

import difflib


def key(name: str) -> str:
    """What a name is looked up by: ``'LeakyReLU'``, ``'leaky_relu'`` and ``'leakyrelu'`` all
    give ``'leakyrelu'``."""
    return name.replace("_", "").lower()


def closest(name: str, candidates) -> str | None:
    """The candidate spelled most like ``name`` (case ignored), as ``candidates`` spells it; None
    when none is close."""
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
    return by_lower[close[0]] if close else None


def unknown_name_error(kind: str, name: str, valid_names, *, candidates=None,
                       note: str = "") -> ValueError:
    """``Unknown <kind> '<name>'. Did you mean '<closest>'? Valid names: <valid_names><note>``.

    The suggestion is the closest of ``candidates`` (default: ``valid_names``); the sentence is
    left out when none is close.
    """
    valid_names = list(valid_names)
    near = closest(name, valid_names if candidates is None else candidates)
    hint = f" Did you mean {near!r}?" if near else ""
    return ValueError(f"Unknown {kind} {name!r}.{hint} Valid names: {', '.join(valid_names)}{note}")


def find(kind: str, name: str, table: dict, custom_objects: dict | None = None,
         aliases: dict | None = None):
    """The entry of ``table`` (or ``aliases``) that ``name`` names, case and underscores ignored.

    ``custom_objects`` are looked up first, by the exact name. ``aliases`` are other accepted
    spellings; the error lists only the names of ``table``.

    Raises:
        ValueError: for an unknown name (see :func:`unknown_name_error`).
    """
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    wanted = key(name)
    for candidate, value in [*table.items(), *(aliases or {}).items()]:
        if key(candidate) == wanted:
            return value
    raise unknown_name_error(kind, name, sorted(table))


def get_instance(identifier, kind: str, base: type, table: dict, *, example: str,
                 aliases: dict | None = None):
    """An object of ``base`` from None, a name, a class, an instance, a callable or a config dict.

    A name or a class gives a new instance with the default arguments; an instance or another
    callable is returned unchanged; None stays None. ``example`` is a valid name, for the error.
    """
    if identifier is None or isinstance(identifier, base):
        return identifier
    if isinstance(identifier, str):
        return find(kind, identifier, table, aliases=aliases)()
    if isinstance(identifier, dict):
        return deserialize_instance(identifier, kind, table, aliases=aliases)
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    article = "an" if base.__name__[0] in "AEIOU" else "a"
    raise ValueError(
        f"Could not interpret {kind} identifier {identifier!r} (type "
        f"{type(identifier).__name__}): expected None, a name such as {example!r}, {article} "
        f"{base.__name__}, a callable or a config dict"
    )


def serialize_instance(obj, kind: str, base: type) -> dict | None:
    """``{"class_name": ..., "config": ...}`` of ``obj`` (None for None)."""
    if obj is None:
        return None
    if not hasattr(obj, "get_config"):
        raise ValueError(
            f"Cannot serialize {kind} {obj!r}: it has no get_config(); subclass "
            f"{base.__module__}.{base.__name__}"
        )
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def deserialize_instance(config, kind: str, table: dict, custom_objects: dict | None = None,
                         aliases: dict | None = None):
    """The object a name or a ``{"class_name": ..., "config": {...}}`` dict describes."""
    if isinstance(config, str):
        return find(kind, config, table, custom_objects, aliases)()
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(
            f"Cannot deserialize {kind} from {config!r}: expected a name or a dict "
            '{"class_name": ..., "config": {...}}'
        )
    cls = find(kind, config["class_name"], table, custom_objects, aliases)
    kwargs = config.get("config") or {}
    try:
        return cls.from_config(kwargs)
    except TypeError as err:
        raise ValueError(
            f"Cannot build {kind} {config['class_name']!r} from config {kwargs!r}: {err}"
        ) from None
