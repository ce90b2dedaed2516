"""The sampling and acceptance rules of GB 50411-2019, read from ``data/gb50411_2019.yaml``.

The file holds every figure with its clause (lot sizes, entry re-test frequencies, the
reduction for certified products, on-site test counts, physical ranges, pass/fail limits);
this module only reads and applies it. Property, test and element names are translated
here, their figures never live in code."""

from __future__ import annotations

import hashlib
import math
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigai.core.errors import BusinessError

PROPERTY_LABELS = {
    "lambda": gettext_lazy("thermal conductivity λ"),
    "density": gettext_lazy("density"),
    "compressive_strength": gettext_lazy("compressive strength"),
    "tensile_strength": gettext_lazy("tensile strength perpendicular to the face"),
    "water_absorption": gettext_lazy("water absorption"),
    "burning_class": gettext_lazy("burning class (GB 8624)"),
    "k_value": gettext_lazy("heat transfer coefficient K"),
    "airtightness_grade": gettext_lazy("air-tightness grade (GB/T 7106)"),
    "watertightness_grade": gettext_lazy("water-tightness grade (GB/T 7106)"),
    "wind_pressure_grade": gettext_lazy("wind-pressure grade (GB/T 7106)"),
    "fire_integrity": gettext_lazy("fire integrity [h]"),
}
TEST_LABELS = {
    "bond_pull_off": gettext_lazy("bond pull-off of the insulation system"),
    "anchor_pull_out": gettext_lazy("anchor pull-out"),
    "core_drilling": gettext_lazy("core drilling of the wall build-up"),
    "window_airtightness": gettext_lazy("window air-tightness on site"),
}
FIRE_LABELS = {
    "fire_class": gettext_lazy("fire check: combustion class against the building height"),
    "fire_bands": gettext_lazy("fire check: barrier bands at every floor"),
    "fire_render": gettext_lazy("fire check: protective render thickness"),
    "fire_windows": gettext_lazy("fire check: fire integrity of the windows"),
}
SITE_LABELS = {**TEST_LABELS, **FIRE_LABELS}
FIELD_LABELS = {
    "strength": gettext_lazy("bond strength [MPa]"),
    "failure_in_insulation": gettext_lazy("failure within the insulation"),
    "force": gettext_lazy("pull-out force [kN]"),
    "material": gettext_lazy("insulation found"),
    "thickness": gettext_lazy("insulation thickness [mm]"),
    "buildup": gettext_lazy("build-up found"),
    "grade": gettext_lazy("air-tightness grade on site"),
    "burning_class": gettext_lazy("burning class (GB 8624)"),
    "floors_with_band": gettext_lazy("floors with a barrier band"),
    "first_floor_mm": gettext_lazy("render on the first floor [mm]"),
    "upper_mm": gettext_lazy("render above the first floor [mm]"),
    "fire_integrity": gettext_lazy("fire integrity [h]"),
}
MATERIAL_LABELS = {
    "eps": gettext_lazy("moulded polystyrene board (EPS)"),
    "graphite_eps": gettext_lazy("graphite polystyrene board"),
    "xps": gettext_lazy("extruded polystyrene board (XPS)"),
    "polyurethane": gettext_lazy("rigid polyurethane foam board (PU)"),
    "rock_wool": gettext_lazy("rock wool board"),
    "foam_glass": gettext_lazy("foam glass board"),
    "window": gettext_lazy("external window"),
}
BURNING_RANK = {"A": 0, "A1": 0, "A2": 0, "B1": 1, "B2": 2, "B3": 3}


@dataclass(frozen=True)
class RuleFile:
    doc: dict
    digest: str

    def element(self, key: str) -> dict:
        return self.doc["elements"][key]

    def element_of_group(self, group: str) -> str | None:
        for key, element in self.doc["elements"].items():
            if group in element["measure_groups"]:
                return key
        return None

    def material(self, key: str) -> dict:
        return self.doc["materials"][key]

    @property
    def factor(self) -> int:
        return int(self.doc["certified_reduction"]["factor"])


@cache
def rules() -> RuleFile:
    """The rule file, checked once: every property, test and material it names has a
    translated label here, and every element has its lot and entry re-test rule."""
    raw = resources.files("jigai.quality").joinpath("data/gb50411_2019.yaml").read_bytes()
    doc = yaml.safe_load(raw)
    if set(doc["properties"]) != set(PROPERTY_LABELS):
        raise ValueError("rule file properties differ from quality.rules.PROPERTY_LABELS")
    if set(doc["tests"]) != set(TEST_LABELS) or set(doc["materials"]) != set(MATERIAL_LABELS):
        raise ValueError("rule file tests or materials differ from quality.rules labels")
    if set(doc["site_tests"]) != set(SITE_LABELS) or any(
        set(t["fields"]) - set(FIELD_LABELS) for t in doc["site_tests"].values()
    ):
        raise ValueError("rule file site_tests differ from quality.rules labels")
    limit_keys = {"value", "source", "verify", "unit", "min", "max"}
    for key, material in doc["materials"].items():
        for name, limit in material.items():
            if isinstance(limit, dict) and not set(limit) <= limit_keys:  # an unquoted comma
                raise ValueError(f"rule file: materials.{key}.{name} has keys {sorted(limit)}")
    for key, element in doc["elements"].items():
        for part in ("lot", "entry_retest", "onsite_per_lot", "onsite_per_unit_project"):
            if part not in element:
                raise ValueError(f"rule file: element {key} has no {part}")
    return RuleFile(doc, hashlib.sha256(raw).hexdigest())


def lots(size: int, quantity: float) -> list[float]:
    """``quantity`` cut into lots of at most ``size``: full lots, then the remainder."""
    n = math.ceil(quantity / size - 1e-9) if quantity > 0 else 0
    return [min(size, round(quantity - i * size, 2)) for i in range(n)]


def entry_count(element: str, quantity: float, *, kinds: int = 1, certified: bool = False):
    """Entry re-tests an element's product needs, and the quantity each one covers (None
    when the rule is once per kind)."""
    rule = rules().element(element)["entry_retest"]
    if "per_kind" in rule:
        return kinds * int(rule["per_kind"]), None
    per = int(rule["per"]) * (rules().factor if certified else 1)
    return (math.ceil(quantity / per - 1e-9) if quantity > 0 else 0), per


def normalise_maker(text: str) -> str:
    """A maker's name as stored: full-width forms folded (NFKC), spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def property_label(key: str) -> str:
    return str(PROPERTY_LABELS.get(key, key))


def parse_value(key: str, raw) -> Decimal | str:
    """A measured value checked against its physical range (rule file ``properties``);
    refused naming the field when it is not a number or lies outside."""
    spec = rules().doc["properties"][key]
    label = property_label(key)
    text = str(raw).strip()
    if "choices" in spec:
        value = text.upper()
        if value not in spec["choices"]:
            raise BusinessError(
                _("%(f)s: “%(v)s” is not one of %(c)s.")
                % {"f": label, "v": text, "c": ", ".join(spec["choices"])}
            )
        return value
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BusinessError(
            _("%(f)s: “%(v)s” is not a number.") % {"f": label, "v": text}
        ) from None
    if not value.is_finite():
        raise BusinessError(_("%(f)s: “%(v)s” is not a number.") % {"f": label, "v": text})
    low = spec.get("min_exclusive", spec.get("min"))
    too_low = value <= low if "min_exclusive" in spec else value < low
    if too_low or value > spec["max"] or (spec.get("integer") and value != value.to_integral()):
        raise BusinessError(
            _("%(f)s: %(v)s lies outside the physical range %(lo)s–%(hi)s %(u)s.")
            % {"f": label, "v": text, "lo": low, "hi": spec["max"], "u": spec.get("unit", "")}
        )
    return value


@dataclass(frozen=True)
class Design:
    """What the lot's catalogue measure promises: λ, burning class, K, air-tightness grade,
    fire integrity (engine data)."""

    lambda_: float | None = None
    burning_class: str | None = None
    k_value: float | None = None
    airtightness_grade: int | None = None
    fire_integrity: float | None = None


def required_properties(element: str, material: str, design: Design) -> list[str]:
    rule = rules().element(element)["entry_retest"]
    props = list(rule["properties"])
    if rules().material(material).get("noncombustible"):
        props = [p for p in props if p not in rule.get("noncombustible_exempt", [])]
    if design.fire_integrity:
        props.append("fire_integrity")
    return props


def allowed_properties(element: str) -> list[str]:
    rule = rules().element(element)["entry_retest"]
    return list(rule["properties"]) + list(rule.get("optional", []))


def _result(key, value, kind, ok, limit, source, low=None):
    return {
        "p": key,
        "v": str(value),
        "k": kind,
        "ok": bool(ok),
        "l": str(limit),
        "lo": None if low is None else str(low),
        "s": source,
    }


def judge(material: str, values: dict, design: Design) -> list[dict]:
    """Each measured value against the design value and the standard's limit (rule file
    ``materials``): one result per property, with what it was compared with and why."""
    m = rules().material(material)
    out = []
    for key, value in values.items():
        if key == "lambda":
            limit, source = Decimal(str(m["lambda_max"]["value"])), m["lambda_max"]["source"]
            if design.lambda_ is not None and Decimal(str(design.lambda_)) < limit:
                limit, source = Decimal(str(design.lambda_)), "design"
            out.append(_result(key, value, "max", value <= limit, limit, source))
        elif key == "density":
            d = m["density"]
            ok = Decimal(str(d["min"])) <= value <= Decimal(str(d["max"]))
            out.append(_result(key, value, "range", ok, d["max"], d["source"], d["min"]))
        elif key in ("compressive_strength", "tensile_strength"):
            d = m[f"{key}_min"]
            out.append(
                _result(
                    key, value, "min", value >= Decimal(str(d["value"])), d["value"], d["source"]
                )
            )
        elif key == "water_absorption":
            d = m["water_absorption_max"]
            out.append(
                _result(
                    key, value, "max", value <= Decimal(str(d["value"])), d["value"], d["source"]
                )
            )
        elif key == "burning_class":
            need = design.burning_class or "B1"
            out.append(
                _result(
                    key, value, "class", BURNING_RANK[value] <= BURNING_RANK[need], need, "design"
                )
            )
        elif key == "k_value":
            limit = Decimal(str(design.k_value))
            out.append(_result(key, value, "max", value <= limit, limit, "design"))
        elif key == "airtightness_grade":
            d = m["airtightness_grade_min"]
            limit, source = int(d["value"]), d["source"]
            if design.airtightness_grade and design.airtightness_grade > limit:
                limit, source = design.airtightness_grade, "design"
            out.append(_result(key, value, "min", value >= limit, limit, source))
        elif key in ("watertightness_grade", "wind_pressure_grade"):
            d = m[f"{key}_min"]
            out.append(
                _result(key, value, "min", value >= int(d["value"]), d["value"], d["source"])
            )
        elif key == "fire_integrity":
            limit = Decimal(str(design.fire_integrity or 0))
            out.append(_result(key, value, "min", value >= limit, limit, "design"))
    return out


def reason(result: dict) -> str:
    """The sentence of one comparison, in the reader's language."""
    source = _("design value") if result["s"] == "design" else result["s"]
    values = {
        "p": property_label(result["p"]),
        "v": result["v"],
        "l": result["l"],
        "lo": result.get("lo"),
        "s": source,
    }
    kind, ok = result["k"], result["ok"]
    if kind == "max":
        text = _("%(p)s %(v)s ≤ %(l)s (%(s)s)") if ok else _("%(p)s %(v)s exceeds %(l)s (%(s)s)")
    elif kind == "min":
        text = _("%(p)s %(v)s ≥ %(l)s (%(s)s)") if ok else _("%(p)s %(v)s is below %(l)s (%(s)s)")
    elif kind == "range":
        text = (
            _("%(p)s %(v)s within %(lo)s–%(l)s (%(s)s)")
            if ok
            else _("%(p)s %(v)s outside %(lo)s–%(l)s (%(s)s)")
        )
    else:
        text = (
            _("%(p)s %(v)s meets the required %(l)s (%(s)s)")
            if ok
            else _("%(p)s %(v)s is worse than the required %(l)s (%(s)s)")
        )
    return text % values


def site_kinds() -> list[str]:
    return list(rules().doc["site_tests"])


def parse_site_value(kind: str, key: str, raw) -> Decimal | str:
    """A field of an on-site test checked against the rule file (``site_tests``): a number
    in its physical range, one of its choices, a material, or a short text; refused naming
    the field otherwise."""
    spec = rules().doc["site_tests"][kind]["fields"][key]
    label = str(FIELD_LABELS[key])
    text = " ".join(str(raw if raw is not None else "").split())
    if not text:
        raise BusinessError(_("%(f)s: give a value.") % {"f": label})
    if "choices" in spec:
        value = text.upper() if key == "burning_class" else text.lower()
        if value not in spec["choices"]:
            raise BusinessError(
                _("%(f)s: “%(v)s” is not one of %(c)s.")
                % {"f": label, "v": text, "c": ", ".join(spec["choices"])}
            )
        return value
    if spec.get("materials"):
        if text not in MATERIAL_LABELS or text == "window":
            raise BusinessError(
                _("%(f)s: “%(v)s” is not a known material.") % {"f": label, "v": text}
            )
        return text
    if "text" in spec:
        if len(text) > int(spec["text"]):
            raise BusinessError(
                _("%(f)s: at most %(n)d characters.") % {"f": label, "n": int(spec["text"])}
            )
        return text
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise BusinessError(_("%(f)s: “%(v)s” is not a number.") % {"f": label, "v": text})
    low, high = Decimal(str(spec["min"])), Decimal(str(spec["max"]))
    if not low <= value <= high or (spec.get("integer") and value != value.to_integral()):
        raise BusinessError(
            _("%(f)s: %(v)s lies outside the physical range %(lo)s–%(hi)s %(u)s.")
            % {"f": label, "v": text, "lo": low, "hi": high, "u": spec.get("unit", "")}
        )
    return value
