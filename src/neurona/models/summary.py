"""``model.summary()``: the Keras-style table of layers, output shapes and parameters."""

from __future__ import annotations

import html

__all__ = ["summary_text", "summary_html"]


def _rows(model):
    rows = []
    for layer in model.layers:
        try:
            shape = layer.output_shape
        except AttributeError:
            shape = "?"
        params = layer.count_params() if layer.built else 0
        rows.append((f"{layer.name} ({type(layer).__name__})", str(shape), f"{params:,}"))
    return rows


def _totals(model):
    trainable = sum(t.size for t in model.trainable_weights)
    total = sum(t.size for t in model.weights)
    size = sum(t.data.nbytes for t in model.weights)
    return total, trainable, total - trainable, size


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n:.2f} GB"


def summary_text(model, line_length: int = 80) -> str:
    """The summary as plain text (what ``model.summary()`` prints)."""
    if not model.built:
        return (f'Model: "{model.name}" is not built yet: give the first layer an input_shape, '
                "start with nr.Input(shape=...), or call the model on data, then summary() can "
                "show output shapes and parameter counts.")
    header = ("Layer (type)", "Output Shape", "Param #")
    rows = _rows(model)
    # columns fit their longest cell (plus a gap), within line_length when the cells allow
    need = [max(len(r[i]) for r in [header, *rows]) + 2 for i in range(3)]
    widths = [max(need[0], int(line_length * 0.45)), max(need[1], int(line_length * 0.33))]
    widths.append(max(need[2], line_length - sum(widths)))
    line_length = sum(widths)
    rule = "─" * line_length

    def fmt(cells):
        return "".join(c.ljust(w) if i < 2 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    total, trainable, frozen, size = _totals(model)
    lines = [f'Model: "{model.name}"', rule, fmt(header), "═" * line_length]
    for i, row in enumerate(rows):
        lines.append(fmt(row))
        lines.append(rule if i < len(rows) - 1 else "═" * line_length)
    if not rows:
        lines.append("═" * line_length)
    lines += [
        f" Total params: {total:,} ({_bytes(size)})",
        f" Trainable params: {trainable:,}",
        f" Non-trainable params: {frozen:,}",
    ]
    return "\n".join(lines)


def summary_html(model) -> str:
    """The summary as an HTML table, for notebooks."""
    if not model.built:
        return f"<pre>{html.escape(summary_text(model))}</pre>"
    total, trainable, frozen, size = _totals(model)
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in _rows(model)
    )
    return (
        f"<div><b>Model: {html.escape(model.name)}</b><table>"
        "<thead><tr><th>Layer (type)</th><th>Output Shape</th><th>Param #</th></tr></thead>"
        f"<tbody>{cells}</tbody></table>"
        f"<p>Total params: {total:,} ({_bytes(size)}) · Trainable: {trainable:,} · "
        f"Non-trainable: {frozen:,}</p></div>"
    )
