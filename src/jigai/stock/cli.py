"""``jigai optimise`` and ``jigai stock`` — retrofit packages from the command line (no Django).

    jigai optimise FILE [--climate CITY] [--threshold 0.30] [--budget YUAN_PER_M2]
                        [--catalogue CSV] [--programme CSV ...] [--height M] [--cavity] [--crowded]
                        [--policy FILE | --no-rules] [--lift RULE ...] [--packages N|all] [--json]
    jigai stock generate --buildings N --out FILE [--seed S]
    jigai stock optimise IN --out OUT [--workers N | --scheduler ADDRESS]
                        [--climates PROGRAMME.yaml | --climate CITY] [--threshold T]
                        [--budget YUAN_PER_M2] [--catalogue CSV] [--programme CSV ...] [--cavity]
                        [--policy FILE | --no-rules] [--chunk-rows R] [--no-progress]

FILE is a retrofit document (its ``before`` building), a building JSON (block or detailed), or
a one-building table (CSV/Parquet/xlsx). ``jigai stock optimise`` assesses each county's
buildings in the county's climate of a programme file (``climate_city`` and
``county_climates``; default: the shipped 2023 Yangquan programme, as the platform does);
``--climate CITY`` uses one climate for every county. Exit codes: 0 done, 2 bad input (the
message names the file, row and column; nothing is written).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from jigai.engine import ENGINE_VERSION, climate_for_city, default_data, parse_building
from jigai.engine.building import expand_block
from jigai.engine.errors import EngineInputError
from jigai.engine.fire import CROWDED_USES, FireContext
from jigai.engine.funding import FundingRates, split_funding
from jigai.engine.measures import load_catalogue
from jigai.engine.optimiser import BuildingOptimum, Package, optimise_building
from jigai.money import MoneyError, format_yuan, yuan_to_fen
from jigai.surveytable.problems import TableRejected, language_from_environment


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise EngineInputError("arguments", message)


def _common(p: argparse.ArgumentParser, *, stock: bool = False) -> None:
    if stock:
        where = p.add_mutually_exclusive_group()
        where.add_argument(
            "--climates",
            metavar="PROGRAMME.yaml",
            help="each county's climate from a programme file (climate_city, county_climates; "
            "default: the shipped 2023 Yangquan programme)",
        )
        where.add_argument(
            "--climate", metavar="CITY", help="one city of data/climate.csv for every county"
        )
    else:
        p.add_argument(
            "--climate", help="city of data/climate.csv (default: the document's, or 阳泉)"
        )
    p.add_argument("--threshold", type=float, help="η threshold (default: programme / 0.30)")
    p.add_argument("--budget", help="budget [yuan per m² of floor area] for the best-η package")
    p.add_argument("--catalogue", help="measure catalogue CSV (default: the shipped one)")
    p.add_argument("--programme", action="append", default=[], help="override CSV (rows by id)")
    p.add_argument("--cavity", action="store_true", help="insulation system with a cavity (§6.7.6)")
    rules = p.add_mutually_exclusive_group()
    rules.add_argument(
        "--policy",
        metavar="FILE",
        help="package rules: a programme YAML (its package_rules) or a rules file "
        "(default: the shipped 2023 Yangquan programme)",
    )
    rules.add_argument(
        "--no-rules", action="store_true", help="no package rules (every group optional)"
    )


def _policy(args):
    from jigai.engine.policy import NO_RULES, load_policy, shipped_policy

    if args.no_rules:
        return NO_RULES
    return load_policy(args.policy) if args.policy else shipped_policy()


def _parser() -> _Parser:
    p = _Parser(prog="jigai", description="retrofit packages (GB 50016 §6.7, JGJ 26 η)")
    sub = p.add_subparsers(dest="command", required=True)
    o = sub.add_parser("optimise", help="packages of one building")
    o.add_argument("file")
    _common(o)
    o.add_argument("--height", type=float, help="building height [m] for the fire rules")
    o.add_argument("--crowded", action="store_true", help="contains crowded places (§6.7.4)")
    o.add_argument("--packages", default="15", help="how many passing packages to list, or all")
    o.add_argument("--json", action="store_true")
    o.add_argument(
        "--lift",
        action="append",
        default=[],
        metavar="RULE",
        help="lift a package rule for this building (e.g. require_roof), as an approved "
        "exception does",
    )
    s = sub.add_parser("stock", help="building stocks")
    ssub = s.add_subparsers(dest="stock_command", required=True)
    g = ssub.add_parser("generate", help="synthetic Yangquan stock")
    g.add_argument("--buildings", type=int, required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=2023)
    so = ssub.add_parser("optimise", help="least-cost packages for a stock table")
    so.add_argument("input")
    so.add_argument("--out", required=True)
    ex = so.add_mutually_exclusive_group()
    ex.add_argument("--workers", type=int, help="local Dask cluster with N worker processes")
    ex.add_argument("--scheduler", help="address of an existing Dask scheduler")
    _common(so, stock=True)
    so.add_argument("--chunk-rows", type=int, default=20_000)
    so.add_argument("--no-progress", action="store_true")
    return p


def _budget_fen(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        fen = yuan_to_fen(text)
    except MoneyError as exc:
        raise EngineInputError("--budget", str(exc)) from None
    if fen < 0:
        raise EngineInputError("--budget", "must not be negative")
    return fen


def _catalogue(args):
    return load_catalogue(args.catalogue, overrides=args.programme)


# ---------------------------------------------------------------------------------------
# jigai optimise


def _load_building(args, data):
    """(building, climate city, threshold, fire context, floor area for funding)."""
    path = Path(args.file)
    if not path.is_file():
        raise EngineInputError(args.file, "no such file")
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise EngineInputError(
                f"{args.file}:{exc.lineno}", f"invalid JSON: {exc.msg}"
            ) from None
        if not isinstance(doc, dict):
            raise EngineInputError(args.file, "document must be a JSON object")
        bdoc, where = (doc["before"], "before") if "before" in doc else (doc, "$")
        b = parse_building(bdoc, where, data)
        city = (doc.get("climate") or {}).get("city")
        thr = (doc.get("programme") or {}).get("eta_threshold")
        height = bdoc.get("height") if isinstance(bdoc, dict) else None
        if height is None:
            height = b.storeys * b.V0 / b.A0
        use = bdoc.get("use", "") if isinstance(bdoc, dict) else ""
        fire = FireContext(
            residential=b.building_type.value == "residential",
            height_m=float(args.height or height),
            cavity=args.cavity,
            crowded=args.crowded or use in CROWDED_USES,
        )
        return b, city, thr, fire, b.A0
    from jigai.stock.engine_input import block_from_row
    from jigai.surveytable import load

    cols = load(path).columns
    n = len(cols["use"])
    if n != 1:
        raise EngineInputError(
            args.file, f"{n} buildings: give one (or use `jigai stock optimise`)"
        )
    row = {k: (v[0].item() if hasattr(v[0], "item") else v[0]) for k, v in cols.items()}
    block, assumed = block_from_row(row)
    if assumed:
        print(f"假定(按类型默认值) assumed: {', '.join(assumed)}")
    b = expand_block(block, "row", data)
    fire = FireContext(
        residential=row["use"] == "residential",
        height_m=float(args.height or row["height_m"]),
        cavity=args.cavity,
        crowded=args.crowded or row["use"] in CROWDED_USES,
    )
    return b, None, None, fire, row["floor_area_m2"]


def _pkg_line(p: Package) -> str:
    fr = " 需耐火窗/门" if p.needs_fire_rated_openings else ""
    bands = f" +{'+'.join(p.band_ids)}" if p.band_ids else ""
    return f"{p.eta * 100:7.2f}%  {format_yuan(p.cost_fen):>14}  {p.label}{bands}{fr}"


def _print_optimum(o: BuildingOptimum, args, split) -> None:
    print(f"{o.name or 'building'} — {o.engine_version}")
    cl = o.climate
    print(f"气候 climate: {cl.get('name')} ({cl.get('provenance', {}).get('kind')})")
    print(f"目录 catalogue: {o.catalogue['origin']} sha256:{o.catalogue['sha256']}")
    print(f"防火 fire: {o.fire_rules}")
    pol = o.policy
    print(
        f"方案规则 package rules: {pol['source']}"
        + (f" [{pol['origin']}]" if pol.get("origin") else "")
    )
    print(
        "    须含 required: "
        + (", ".join(pol["required"]) or "—")
        + "; 可选 optional: "
        + (", ".join(pol["optional"]) or "—")
        + f"; 外立面整治 facade {format_yuan(pol['facade_fen_per_m2'])} yuan/m²"
    )
    for r in o.rules:
        print(f"    {r['rule']:<26} {r['status_zh']} ({r['status']})")
        for e in r.get("elements", []):
            print(f"        K {e['K']:.3f} ≤ {e['K_max']:.2f}  [{e['limit']}]")
    print(
        f"q_H before {o.q_H_before:.3f} W/m²; threshold η ≥ {o.threshold:.2f}; "
        f"{o.n_enumerated} packages enumerated, {o.feasible_index.size} feasible"
    )
    limit = None if args.packages == "all" else int(args.packages)
    print(
        f"\n达标方案 packages reaching the threshold (cheapest first{'' if limit is None else f', first {limit}'}):"
    )
    print("      η            费用 yuan  措施 measures")
    for p in o.packages(passing_only=True, limit=limit):
        print(_pkg_line(p))
    print("\n帕累托前沿 Pareto front (cost vs η):")
    for p in o.pareto:
        print(_pkg_line(p))
    print()
    if o.least_cost:
        print("最低费用达标方案 least-cost package reaching the threshold:")
        print(_pkg_line(o.least_cost))
        for (mid, fen), group in zip(o.least_cost.lines, o.least_cost.line_groups, strict=True):
            print(f"    {group:<17} {mid:<22} {format_yuan(fen):>14}")
    else:
        print(f"无方案达标 no package reaches η ≥ {o.threshold:.2f}, the fire code and the rules:")
        for r in o.blocking:
            print(
                f"    受阻于 blocked by {r['rule']}: {r['text']} "
                f"(best η {r['best_eta'] * 100:.2f} %, without it {r['eta_without'] * 100:.2f} %)"
            )
        if o.best:
            print("最佳可达方案 best achievable:")
            print(_pkg_line(o.best))
        else:
            print("    (no package meets the fire code and the package rules)")
    if o.budget_fen is not None:
        print(f"\n预算内最佳 best η within {format_yuan(o.budget_fen)} yuan:")
        print(_pkg_line(o.within_budget) if o.within_budget else "    (none within budget)")
    s = split
    if s is None:
        return
    print(
        f"\n资金分担 funding ({'居住' if s.residential else '公共'}建筑, floor area "
        f"{o.floor_area_m2:g} m²): 省级 {format_yuan(s.provincial_fen)} + 业主 "
        f"{format_yuan(s.owners_fen)} + 县区 {format_yuan(s.county_fen)} = "
        f"{format_yuan(s.total_fen)} yuan; 其中外窗 window lines {format_yuan(s.window_fen)} "
        f"[rule {s.rule}, {s.clause}]"
    )


def _lifted(rules: list[str]) -> frozenset[str]:
    from jigai.engine.policy import group_of_rule

    for r in rules:
        try:
            group_of_rule(r)
        except ValueError:
            raise EngineInputError(
                "--lift", f"{r!r} is not a package rule (require_wall, require_roof, …)"
            ) from None
    return frozenset(rules)


def _optimise(args) -> int:
    data = default_data()
    b, city, thr, fire, area = _load_building(args, data)
    climate = climate_for_city(args.climate or city or "阳泉")
    catalogue = _catalogue(args)
    o = optimise_building(
        b,
        climate,
        fire=fire,
        catalogue=catalogue,
        threshold=args.threshold if args.threshold is not None else thr,
        budget_fen_per_m2=_budget_fen(args.budget),
        floor_area_m2=float(area),
        policy=_policy(args),
        lifted=_lifted(args.lift),
        data=data,
    )
    chosen = o.least_cost or o.best
    split = (
        split_funding(
            chosen.cost_fen,
            floor_area_m2=area,
            residential=fire.residential,
            window_fen=chosen.fen_of("window"),
            rates=FundingRates(),
        )
        if chosen
        else None
    )
    if args.json:
        d = o.to_dict()
        d["funding"] = split.to_dict() if split else None
        print(json.dumps(d, ensure_ascii=False, indent=2))
    else:
        _print_optimum(o, args, split)
    return 0


# ---------------------------------------------------------------------------------------
# jigai stock


def _generate(args) -> int:
    from jigai.stock import synthetic
    from jigai.surveytable.reader import format_of

    if args.buildings < 1:
        raise EngineInputError("--buildings", "must be at least 1")
    out = Path(args.out)
    format_of(out)
    t = time.perf_counter()
    synthetic.write(out, args.buildings, seed=args.seed)
    print(f"{args.buildings} synthetic buildings → {out} ({time.perf_counter() - t:.1f} s)")
    return 0


def _county_climates(args) -> dict:
    """The climate fields of ``RunOptions``: one climate for every county (``--climate``),
    else the default and the counties' own of a programme file (``--climates``, default the
    shipped programme)."""
    from jigai.engine.climate import load_programme_climates

    if args.climate:
        return {
            "climate": climate_for_city(args.climate),
            "climate_origin": f"--climate {args.climate} (one climate for every county)",
        }
    pc = load_programme_climates(args.climates)
    return {
        "climate": pc.default,
        "county_climates": tuple((name, c) for name, _ref, c in pc.counties),
        "climate_origin": pc.origin,
    }


def _stock_optimise(args) -> int:
    from jigai.stock.runner import RunOptions, county_totals, optimise_table, provenance
    from jigai.surveytable import load
    from jigai.surveytable.reader import format_of
    from jigai.surveytable.writer import column_sheet, save

    out = Path(args.out)
    format_of(out)
    if args.workers is not None and args.workers < 1:
        raise EngineInputError("--workers", "must be at least 1")
    t = time.perf_counter()
    climates = _county_climates(args)
    cols = load(args.input).columns
    opts = RunOptions(
        **climates,
        catalogue=_catalogue(args),
        threshold=args.threshold,
        budget_fen_per_m2=_budget_fen(args.budget),
        cavity=args.cavity,
        policy=_policy(args),
    )
    # convert every row before writing anything: a bad row stops the run here
    res = optimise_table(
        cols,
        opts,
        workers=args.workers,
        scheduler=args.scheduler,
        chunk_rows=args.chunk_rows,
        progress=False if args.no_progress else None,
    )
    totals = county_totals(res)
    counties_path = out.with_name(f"{out.stem}_counties{out.suffix}")
    save(column_sheet(res), out)
    save(column_sheet(totals), counties_path)
    prov_path = out.with_name(f"{out.stem}_provenance.json")
    prov = provenance(opts, counties=totals["county"][:-1])
    prov_path.write_text(json.dumps(prov, ensure_ascii=False, indent=2), "utf-8")
    n = len(res["cost_fen"])
    print(
        f"{n} buildings → {out}, {counties_path}, {prov_path} ({time.perf_counter() - t:.1f} s; "
        f"{ENGINE_VERSION})"
    )
    print(f"气候 climates: {opts.climate_origin}")
    for i, c in enumerate(totals["county"]):
        climate = f"; 气候 {totals['climate'][i]}" if totals["climate"][i] else ""
        print(
            f"  {c}: {totals['buildings'][i]} 栋, {totals['reaching_threshold'][i]} 达标, "
            f"{format_yuan(int(totals['cost_fen'][i]))} yuan{climate}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cmd = "jigai " + " ".join(argv[:2] if argv[:1] == ["stock"] else argv[:1])
    try:
        args = _parser().parse_args(argv)
        if args.command == "optimise":
            return _optimise(args)
        if args.stock_command == "generate":
            return _generate(args)
        return _stock_optimise(args)
    except EngineInputError as exc:
        print(f"{cmd}: error: {exc}", file=sys.stderr)
        return 2
    except TableRejected as exc:
        print(f"{cmd}: error:\n{exc.lines(language_from_environment())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
