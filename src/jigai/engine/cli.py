"""``jigai assess`` and ``jigai climate`` — the engine's command line (no Django).

    jigai assess FILE [--climate CITY | --epw FILE | --normals STATION] [--json]
    jigai climate (--city CITY | --epw FILE | --normals STATION | --list) [--json]

Exit codes: 0 done (for ``assess`` whether or not the retrofit passes), 2 bad input (the
message names the field or file:line; nothing is printed to stdout).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import ENGINE_VERSION
from .climate import (
    Climate,
    climate_for_city,
    climate_from_normals_station,
    list_cities,
    zone_label_zh,
)
from .epw import SkyModel, climate_from_epw
from .errors import EngineInputError
from .heat_index import TERM_ZH, TERMS, RetrofitAssessment, assess_retrofit
from .params import default_data
from .retrofit import parse_retrofit


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse usage errors → EngineInputError (exit 2)
        raise EngineInputError("arguments", message)


def _climate_from_args(args, doc_climate: dict | None, base: Path | None) -> Climate:
    sky = SkyModel(getattr(args, "sky", "hay_davies"))
    if getattr(args, "epw", None):
        return climate_from_epw(args.epw, sky=sky)
    if getattr(args, "climate", None) or getattr(args, "city", None):
        return climate_for_city(getattr(args, "climate", None) or args.city)
    if getattr(args, "normals", None):
        return climate_from_normals_station(args.normals)
    if doc_climate:
        if "epw" in doc_climate:
            p = Path(doc_climate["epw"])
            if base is not None and not p.is_absolute():
                p = base / p
            return climate_from_epw(p, sky=sky)
        if "city" in doc_climate:
            return climate_for_city(str(doc_climate["city"]))
        if "normals" in doc_climate:
            return climate_from_normals_station(str(doc_climate["normals"]))
        raise EngineInputError("climate", "give city, epw or normals")
    raise EngineInputError(
        "climate", "no climate: give --climate CITY, --epw FILE or a climate in the file"
    )


def _provenance_lines(c: Climate) -> list[str]:
    p = c.provenance
    lines = [
        f"气候 climate: {c.name} — {c.zone} {zone_label_zh(c.zone)}",
        f"  provenance: {p.kind.value} ({p.kind.label_zh}); confidence: {p.confidence}",
        f"  source: {p.source}",
    ]
    lines += [f"  note: {n}" for n in p.notes]
    return lines


def format_retrofit(r: RetrofitAssessment) -> str:
    """Human-readable report of a retrofit assessment."""
    c = r.before.climate
    out = [f"{r.name}", f"engine: {ENGINE_VERSION}"]
    out += _provenance_lines(c)
    out.append(
        f"  t_e = {c.t_e:.2f} ℃, Z = {c.Z:g} d, HDD18 = {c.HDD18:.0f}, CDD26 = {c.CDD26:.0f}, "
        f"I[H,S,E,W,N] = {c.I_H:.1f}, {c.I_S:.1f}, {c.I_E:.1f}, {c.I_W:.1f}, {c.I_N:.1f} W/m²"
    )
    b0, b1 = r.before.building, r.after.building
    out.append(
        f"A0 = {b0.A0:.1f} m², V0 = {b0.V0:.1f} m³, F0 = {b0.F0:.1f} m², S = {b0.shape_factor:.3f} 1/m"
        + (
            ""
            if (b0.A0, b0.V0) == (b1.A0, b1.V0)
            else f" (after: A0 = {b1.A0:.1f}, V0 = {b1.V0:.1f})"
        )
    )
    out.append(f"{'term':<7}{'':<16}{'before':>10}{'after':>10}{'change':>10}   [W/m²]")
    for t in TERMS:
        a, b = r.before.terms[t], r.after.terms[t]
        out.append(f"{t:<7}{TERM_ZH[t]:<16}{a:>10.3f}{b:>10.3f}{b - a:>10.3f}")
    for key, unit in (
        ("Q_kWh_m2", "kWh/m²"),
        ("Q_GJ_m2", "GJ/m²"),
        ("coal_kgce_m2", "kgce/m²"),
        ("co2_kg_m2", "kgCO2/m²"),
    ):
        a, b = r.before.seasonal[key], r.after.seasonal[key]
        out.append(f"{key:<23}{a:>10.3f}{b:>10.3f}{b - a:>10.3f}   [{unit}]")
    verdict = "PASS 达标" if r.passed else "FAIL 未达标"
    out.append(
        f"η = 1 − q_H,after/q_H,before = {r.eta:.4f} ({r.eta * 100:.1f} %), threshold {r.threshold:.2f}: {verdict}"
    )
    out.append("advisory JGJ 26-2018 limits (retrofitted elements):")
    for row in r.limits:
        lim = "no limit" if row["K_max"] is None else f"≤ {row['K_max']:g}"
        ok = {True: "ok", False: "exceeds", None: "-"}[row["ok"]]
        out.append(
            f"  {row['id']:<14}{row['class']:<18}{row['K']:>8.3f}  {lim:<10}{ok}  ({row['confidence']})"
        )
    return "\n".join(out)


def _assess(argv: list[str]) -> int:
    ap = _Parser(
        prog="jigai assess", description="JGJ 26 heat-consumption index before/after retrofit"
    )
    ap.add_argument("file")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--climate", metavar="CITY")
    g.add_argument("--epw", metavar="FILE")
    g.add_argument("--normals", metavar="STATION")
    ap.add_argument("--sky", choices=[s.value for s in SkyModel], default="hay_davies")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EngineInputError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EngineInputError(f"{path.name}:{exc.lineno}", f"invalid JSON: {exc.msg}") from exc
    data = default_data()
    retrofit = parse_retrofit(doc, data)
    climate = _climate_from_args(args, retrofit.climate_spec, path.parent)
    result = assess_retrofit(retrofit, climate, threshold=args.threshold, data=data)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_retrofit(result))
    return 0


def _climate(argv: list[str]) -> int:
    ap = _Parser(prog="jigai climate", description="climate parameters for the JGJ 26 index")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--city")
    g.add_argument("--epw", metavar="FILE")
    g.add_argument("--normals", metavar="STATION")
    g.add_argument("--list", action="store_true")
    ap.add_argument("--sky", choices=[s.value for s in SkyModel], default="hay_davies")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.list:
        cities = list_cities()
        if args.json:
            print(json.dumps([c.to_dict() for c in cities], ensure_ascii=False, indent=2))
        else:
            print(
                f"{'city':<14}{'zone':<6}{'HDD18':>7}{'CDD26':>7}{'Z':>5}{'t_e':>7}  kind / confidence"
            )
            for c in cities:
                print(
                    f"{c.name:<14}{c.zone:<6}{c.HDD18:>7.0f}{c.CDD26:>7.0f}{c.Z:>5.0f}{c.t_e:>7.1f}"
                    f"  {c.provenance.kind.value} / {c.provenance.confidence}"
                )
        return 0
    c = _climate_from_args(args, None, None)
    if args.json:
        print(json.dumps(c.to_dict(), ensure_ascii=False, indent=2))
        return 0
    lines = _provenance_lines(c)
    if c.heating_period:
        lines.append(f"heating period 采暖期: {c.heating_period[0]} → {c.heating_period[1]}")
    lines += [
        f"HDD18 = {c.HDD18:.1f} K·d",
        f"CDD26 = {c.CDD26:.1f} K·d",
        f"Z     = {c.Z:g} d",
        f"t_e   = {c.t_e:.2f} ℃",
        *(f"I_{o}   = {c.I(o):.1f} W/m²" for o in "HSEWN"),
    ]
    print("\n".join(lines))
    return 0


def main(argv: list[str]) -> int:
    """Entry point: ``argv[0]`` is the sub-command (``assess`` or ``climate``; ``optimise``
    and ``stock``, the retrofit-package commands, are ``jigai.stock.cli``'s)."""
    if not argv or argv[0] not in ("assess", "climate"):
        print("usage: jigai assess FILE [...] | jigai climate [...]", file=sys.stderr)
        return 2
    try:
        return _assess(argv[1:]) if argv[0] == "assess" else _climate(argv[1:])
    except EngineInputError as exc:
        print(f"jigai {argv[0]}: error: {exc.field}: {exc.message}", file=sys.stderr)
        return 2
