"""The shared name lookup (neurona/_lookup.py)."""

import pytest

from neurona import _lookup


class Thing:
    def __init__(self, size=1):
        self.size = size

    def get_config(self):
        return {"size": self.size}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


TABLE = {"big_thing": Thing, "small_thing": Thing}


def test_key_ignores_case_and_underscores():
    assert _lookup.key("Big_Thing") == _lookup.key("bigthing") == "bigthing"


def test_find_and_custom_objects():
    assert _lookup.find("thing", "BigThing", TABLE) is Thing
    marker = object()
    assert _lookup.find("thing", "mine", TABLE, custom_objects={"mine": marker}) is marker
    assert _lookup.find("thing", "huge", TABLE, aliases={"huge": Thing}) is Thing


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError) as err:
        _lookup.find("thing", "big_thnig", TABLE)
    assert str(err.value) == ("Unknown thing 'big_thnig'. Did you mean 'big_thing'? "
                              "Valid names: big_thing, small_thing")
    with pytest.raises(ValueError, match=r"^Unknown thing 'zzz'\. Valid names"):
        _lookup.find("thing", "zzz", TABLE)


def test_get_serialize_deserialize_instance():
    made = _lookup.get_instance("big_thing", "thing", Thing, TABLE, example="big_thing")
    assert isinstance(made, Thing)
    assert _lookup.get_instance(None, "thing", Thing, TABLE, example="big_thing") is None
    config = _lookup.serialize_instance(Thing(3), "thing", Thing)
    assert config == {"class_name": "Thing", "config": {"size": 3}}
    again = _lookup.deserialize_instance({"class_name": "big_thing", "config": {"size": 3}},
                                         "thing", TABLE)
    assert again.size == 3
    with pytest.raises(ValueError, match="Could not interpret thing identifier 5"):
        _lookup.get_instance(5, "thing", Thing, TABLE, example="big_thing")
    with pytest.raises(ValueError, match="Cannot build thing 'big_thing' from config"):
        _lookup.deserialize_instance({"class_name": "big_thing", "config": {"nope": 1}},
                                     "thing", TABLE)
