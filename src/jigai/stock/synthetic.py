"""A synthetic building stock for Yangquan's six county-level units.

Invented but plausible buildings — clearly labelled synthetic — for the demo
and the benchmarks. Three typologies: pre-1996 brick walk-ups, 1996–2008
blocks, public buildings; sizes, ages, storeys and envelopes drawn from simple
distributions (seeded, so a seed always gives the same stock). Vectorised: a
million buildings take a few seconds.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import yaml

from jigai.stock import DATA

TYPOLOGY_SHARES = {"walkup": 0.55, "block": 0.35, "public": 0.10}
PUBLIC_USES = np.array(["office", "school", "hospital", "commercial", "other_public"])


@cache
def spec() -> dict:
    return yaml.safe_load((DATA / "yangquan_synthetic.yaml").read_text(encoding="utf-8"))


def _pick(rng, values, n, p=None):
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def generate(n: int, *, seed: int = 2023) -> dict[str, np.ndarray]:
    """``n`` synthetic buildings as columns of the building table (schema.columns())."""
    if n < 1:
        raise ValueError("n must be at least 1")
    s = spec()
    rng = np.random.default_rng(seed)
    codes = list(s["counties"])
    weights = np.array([s["counties"][c]["weight"] for c in codes], dtype=float)
    county_idx = np.sort(rng.choice(len(codes), size=n, p=weights / weights.sum()))
    typ = rng.choice(3, size=n, p=list(TYPOLOGY_SHARES.values()))  # 0 walkup, 1 block, 2 public
    walkup, block, public = typ == 0, typ == 1, typ == 2

    storeys = np.where(
        walkup,
        rng.choice([4, 5, 6], n, p=[0.1, 0.2, 0.7]),
        np.where(
            block,
            rng.choice([6, 7, 11], n, p=[0.6, 0.3, 0.1]),
            rng.choice([3, 4, 5], n, p=[0.3, 0.4, 0.3]),
        ),
    )
    storey_h = np.where(public, 3.6, np.where(walkup, 2.8, 2.9))
    depth = np.round(np.where(public, rng.uniform(14, 18, n), rng.uniform(10, 12.5, n)), 1)
    length = np.round(
        np.where(
            public, rng.uniform(30, 60, n), rng.choice([2, 3, 4, 5], n) * rng.uniform(12, 14, n)
        ),
        1,
    )
    year = np.where(
        walkup,
        rng.integers(1972, 1996, n),
        np.where(block, rng.integers(1996, 2009, n), rng.integers(1980, 2006, n)),
    )
    floor_area = np.round(length * depth * storeys, 2)
    height = np.round(storeys * storey_h + 0.6, 1)

    grade = _pick(rng, ["A", "B", "C", "D", ""], n, p=[0.52, 0.35, 0.07, 0.02, 0.04])
    age = 2023 - year
    life = np.clip(np.round(55 - 0.45 * age + rng.normal(0, 6, n)), 5, 50).astype(int)
    life = np.where(np.isin(grade, ["C", "D"]), np.minimum(life, rng.integers(5, 25, n)), life)
    energy_efficient = np.where(block, rng.random(n) < 0.12, rng.random(n) < 0.01)
    demolition = rng.random(n) < 0.03
    households = np.where(public, 0, np.maximum(1, np.round(floor_area / 75))).astype(int)
    consent = np.round(households * rng.uniform(0.55, 1.0, n)).astype(int)

    # communities: runs of 4–14 buildings within a county, named from the spec's word lists
    community = np.empty(n, dtype=object)
    building_no = np.empty(n, dtype=object)
    street = np.empty(n, dtype=object)
    renovation = np.zeros(n, dtype=bool)
    i, serial = 0, 0
    while i < n:
        size = int(rng.integers(4, 15))
        j = min(n, i + size)
        j = i + int(np.searchsorted(county_idx[i:j], county_idx[i], side="right"))
        county = s["counties"][codes[county_idx[i]]]
        serial += 1
        name = (
            s["community_prefixes"][serial % len(s["community_prefixes"])]
            + s["community_suffixes"][
                (serial // len(s["community_prefixes"])) % len(s["community_suffixes"])
            ]
            + (
                f"{serial // (len(s['community_prefixes']) * len(s['community_suffixes'])) + 1}区"
                if serial >= len(s["community_prefixes"]) * len(s["community_suffixes"])
                else ""
            )
        )
        community[i:j] = name
        street[i:j] = county["streets"][serial % len(county["streets"])]
        building_no[i:j] = [f"{k + 1}号楼" for k in range(j - i)]
        renovation[i:j] = rng.random() < 0.3 and not public[i]
        i = j
    renovation &= ~public

    seats = np.array([s["counties"][c]["seat"] for c in codes])
    lat = np.round(seats[county_idx, 0] + rng.normal(0, 0.02, n), 5)
    lon = np.round(seats[county_idx, 1] + rng.normal(0, 0.025, n), 5)
    county_names = np.array([s["counties"][c]["name"] for c in codes], dtype=object)

    return {
        "county": county_names[county_idx],
        "street": street,
        "community": community,
        "community_renovation": renovation,
        "building_no": building_no,
        "bdc_code": np.full(n, "", dtype=object),
        "address": np.array(
            [f"（模拟）{c}{b}" for c, b in zip(community, building_no, strict=True)], dtype=object
        ),
        "use": np.where(public, _pick(rng, PUBLIC_USES, n), "residential").astype(object),
        "year_built": year.astype(int),
        "structure": np.where(
            storeys >= 11, "shear_wall", np.where(public, "frame", "brick_concrete")
        ).astype(object),
        "storeys": storeys.astype(int),
        "height_m": height,
        "floor_area_m2": floor_area,
        "length_m": length,
        "depth_m": depth,
        "storey_height_m": storey_h,
        "azimuth_deg": np.round(180 + rng.normal(0, 12, n)) % 360,
        "wwr_front": np.round(
            np.where(public, rng.uniform(0.3, 0.5, n), rng.uniform(0.25, 0.40, n)), 2
        ),
        "wwr_back": np.round(
            np.where(public, rng.uniform(0.2, 0.4, n), rng.uniform(0.15, 0.30, n)), 2
        ),
        "wwr_sides": np.round(rng.uniform(0, 0.05, n), 2),
        "wall_type": np.where(
            walkup,
            _pick(rng, ["brick240", "brick370", "brick490"], n, p=[0.3, 0.6, 0.1]),
            np.where(
                block,
                _pick(rng, ["kp1_240", "kp1_240_eps30"], n, p=[0.7, 0.3]),
                _pick(rng, ["brick370", "kp1_240"], n),
            ),
        ).astype(object),
        "roof_type": np.where(
            walkup,
            "slab_slag",
            np.where(block, _pick(rng, ["slab_perlite", "slab_xps40"], n), "slab_perlite"),
        ).astype(object),
        "window_type": np.where(
            walkup,
            _pick(rng, ["steel_single", "wood_single", "pvc_double_clear"], n, p=[0.5, 0.2, 0.3]),
            np.where(
                block,
                _pick(rng, ["pvc_double_clear", "wood_double"], n, p=[0.8, 0.2]),
                _pick(rng, ["steel_single", "pvc_double_clear"], n),
            ),
        ).astype(object),
        "floor_type": np.where(public, "ground_slab", "basement_ceiling").astype(object),
        "stairwell_heated": np.where(public, True, rng.random(n) < 0.1),
        "households": households,
        "consent_households": consent,
        "safety_grade": grade,
        "in_demolition_area": demolition,
        "remaining_life_years": life,
        "energy_efficient": energy_efficient,
        "heating": _pick(rng, ["central", "household"], n, p=[0.92, 0.08]),
        "lat": lat,
        "lon": lon,
    }


def rows(table: dict[str, np.ndarray]):
    """The columns as row dicts with plain Python values."""
    keys = list(table)
    for values in zip(*(table[k].tolist() for k in keys), strict=True):
        yield dict(zip(keys, values, strict=True))


def write(path, n: int, *, seed: int = 2023):
    """Generate ``n`` synthetic buildings and write them to CSV, Parquet or xlsx (by the
    suffix; xlsx in the survey template's layout, the others under the column keys).
    Returns the path."""
    from pathlib import Path

    from jigai.surveytable.writer import column_sheet, save, survey_columns_sheet

    table = generate(n, seed=seed)
    xlsx = Path(path).suffix.lower() == ".xlsx"
    return save(survey_columns_sheet(table) if xlsx else column_sheet(table), path)
