"""The JSON schema documents what the parser accepts; the examples use only documented keys.

(jsonschema is not a dependency; this is a structural check of keys and enums.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jigai.engine import default_data, parse_retrofit
from jigai.engine.building import ElementKind, Faces

from .conftest import EXAMPLES

SCHEMA = json.loads(
    (Path(EXAMPLES).parent / "schema" / "building.schema.json").read_text(encoding="utf-8")
)
DEFS = SCHEMA["$defs"]


def _keys_documented(obj: dict, props: dict, where: str):
    extra = set(obj) - set(props)
    assert not extra, f"{where}: undocumented keys {extra}"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_examples_use_documented_keys_and_parse(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    _keys_documented(doc, SCHEMA["properties"], path.name)
    for side in ("before", "after"):
        if side not in doc:
            continue
        b = doc[side]
        d = DEFS["block"] if b["format"] == "block" else DEFS["detailed"]
        _keys_documented(b, d["properties"], f"{path.name}:{side}")
        for e in b.get("elements", []):
            _keys_documented(e, DEFS["element"]["properties"], f"{path.name}:{e['id']}")
    kinds = {alt["properties"]["measure"]["const"] for alt in DEFS["measure"]["oneOf"]}
    for m in doc.get("measures", []):
        assert m["measure"] in kinds
    parse_retrofit(doc, default_data())


def test_schema_enums_match_code():
    el = DEFS["element"]["properties"]
    assert set(el["kind"]["enum"]) == {k.value for k in ElementKind}
    assert set(el["faces"]["enum"]) == {f.value for f in Faces}
