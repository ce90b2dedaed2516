"""Three reference cases computed by hand (JGJ 26-2010 §4.3 as in ENERGY_METHOD.md §1).

Every expected value below was computed with plain arithmetic, written out in the comments;
none calls the engine. Inputs: the example files in src/jigai/engine/examples/, the pinned
climates of conftest.py (rows of data/climate.csv), and data/parameters.csv:
t_n = 18 ℃, unheated stairwell 12 ℃, q_IH = 3.8 W/m², C_p = 0.28 Wh/(kg·K),
ρ = 353/(273 + t_e), N = 0.5 h⁻¹, V = 0.60·V0 (unheated stair) / 0.65·V0 (heated),
a_s = 0.7 and R_e = 0.04 for the sol-air ε = 1 − a_s·R_e·I/Δt = 1 − 0.028·I/Δt,
C_mc = 0.70 × SHGC with SHGC the glazing's g (JGJ 26-2010 eq. 4.3.8: the 0.70 is the frame
reduction, so window types are not also multiplied by 1 − frame fraction; engine 0.2.0 —
engine 0.1.0 counted the frame twice), temperature factor of a basement with windows b = 0.75,
seasonal Q = 24·Z·q_H/1000 kWh/m², coal = Q/(8.141 × 0.90 × 0.68) kgce/m².
"""

# ruff: noqa: SIM300 — ruff takes the standard's capitalised symbols (K, F0, HDD18) for constants

from __future__ import annotations

import pytest

from jigai.engine import assess, assess_retrofit

from .conftest import TAIYUAN, YANGQUAN, load_example

REL = 1e-9


def _check(terms, expected):
    for k, v in expected.items():
        assert terms[k] == pytest.approx(v, rel=REL, abs=1e-12), k


# ---------------------------------------------------------------------------------------
# Case 1 — pre-1996 6-storey brick walk-up, unheated stairwell, basement (阳泉)
#
# Geometry (block shorthand): L = 48, D = 10.5, 6 storeys × 2.8 m → H = 16.8 m, front faces
# south (azimuth 180), so right = W, back = N, left = E.
#   front gross 48 × 16.8 = 806.4; windows 0.30 × 806.4 = 241.92; net wall 564.48
#   stairwells 3 × 2.7 = 8.1 m of the back: gross 8.1 × 16.8 = 136.08;
#     windows 0.10 × 136.08 = 13.608; doors 3 × 2.1 = 6.3; net 136.08 − 13.608 − 6.3 = 116.172
#   back remaining 806.4 − 136.08 = 670.32; windows 0.20 × 670.32 = 134.064; net 536.256
#   east, west 10.5 × 16.8 = 176.4 each (no windows); roof = basement ceiling = 48 × 10.5 = 504
#   A0 = 504 × 6 = 3024; V0 = 504 × 16.8 = 8467.2; F0 = 2 × 806.4 + 2 × 176.4 + 504 = 2469.6
# Constructions:
#   wall R = 0.11 + 0.02/0.81 + 0.37/0.81 + 0.02/0.93 + 0.04 = 0.6529868578 → K_p = 1.5314243894
#        + bridges 0.10 → K_m = 1.6314243894
#   roof K = 1.26 (given); windows steel_single K 6.4, glazing SHGC 0.85 (C = 0.7·0.85 = 0.595)
#   doors steel_door_old K 5.8; basement ceiling (R_i 0.11, R_e 0.06):
#        R = 0.17 + 0.12/1.74 + 0.02/0.93 = 0.2604708936 → K = 3.8392005580, b = 0.75
# Climate 阳泉: t_e = −0.2 → Δt = 18.2 (stairwell 12.2); I: H 106, S 117, E 61, W 59, N 35
#   ε_S = 1 − 0.028·117/18.2 = 0.82;  ε_E = 1 − 0.028·61/18.2 = 0.9061538462
#   ε_W = 1 − 0.028·59/18.2 = 0.9092307692;  ε_N = 1 − 0.028·35/18.2 = 0.9461538462
#   ε_roof = 1 − 0.028·106/18.2 = 0.8369230769;  stairwell N: 1 − 0.028·35/12.2 = 0.9196721311
# Before:
#   q_Hq = 1.6314243894 × [18.2 × (0.82·564.48 + 0.9461538462·536.256 + 0.9061538462·176.4
#          + 0.9092307692·176.4) + 12.2 × 0.9196721311·116.172] / 3024 = 13.3741914635
#   q_Hw = 0.8369230769 × 1.26 × 504 × 18.2 / 3024 = 3.19872
#   q_Hd = 0.75 × 3.8392005580 × 504 × 18.2 / 3024 = 8.7341812695
#   q_Hmc = [6.4·241.92·18.2 − 117·0.595·241.92 + 6.4·134.064·18.2 − 35·0.595·134.064
#          + 6.4·13.608·12.2 − 35·0.595·13.608 + 5.8·6.3·12.2] / 3024
#        = [45302.91696 − 0.595 × 33473.16] / 3024 = 25386.38676 / 3024 = 8.3949691667
#          (engine 0.1.0, C = 0.7·0.68 = 0.476: 9.7122 — the frame counted twice)
#   q_HT = 13.3741914635 + 3.19872 + 8.7341812695 + 8.3949691667 = 33.7020618997
#   q_INF = 18.2 × 0.28 × 353/272.8 × 0.5 × 0.60 × 8467.2 / 3024 = 5.5390979472
#   q_H = 33.7020618997 + 5.5390979472 − 3.8 = 35.4411598469   (0.1.0: 36.7583906802)
#   Q = 24 × 122 × 35.4411598469 / 1000 = 103.7717160317 kWh/m²; coal = Q / 4.982292 = 20.8281080338
# After (measures): walls + EPS 80 mm: 1/K = 1/1.6314243894 + 0.08/(0.039·1.05) → K = 0.3896260893
#   roof + XPS 100 mm: 1/K = 1/1.26 + 0.10/(0.030·1.10) → 0.2615094340
#   windows pvc_lowe_double K 1.9, glazing SHGC 0.50 (C = 0.7·0.50 = 0.35); doors K 2.0
#   basement ceiling + rock wool 50 mm: 1/K = 0.2604708936 + 0.05/(0.040·1.2) → 0.7679680170
#   q_Hmc = [1.9·(241.92 + 134.064)·18.2 + 1.9·13.608·12.2 + 2.0·6.3·12.2 − 0.35 × 33473.16]
#         / 3024 = (13470.68016 − 11715.606) / 3024 = 0.5803816667   (0.1.0, C 0.245: 1.7426441667)
#   q_Hq = 3.1941007819, q_Hw = 0.6638852830, q_Hd = 1.7471272387 (unchanged)
#   q_HT = 6.1854949703, q_INF = 5.5390979472 (unchanged), q_H = 7.9245929175
# η = 1 − 7.9245929175 / 35.4411598469 = 0.7764014228   (0.1.0: 0.7527950694)


def test_case1_walkup_before_after():
    r = load_example("walkup_brick_6storey.json")
    b = r.before
    assert (b.A0, b.V0) == pytest.approx((3024.0, 8467.2))
    assert b.F0 == pytest.approx(2469.6)
    assert b.shape_factor == pytest.approx(2469.6 / 8467.2)
    walls = {e.id: e for e in b.elements}
    assert walls["wall-front"].K == pytest.approx(1.6314243894, rel=1e-9)
    assert walls["floor"].K == pytest.approx(3.8392005580, rel=1e-9)
    assert b.net_area(walls["stair-wall"]) == pytest.approx(116.172)
    assert b.net_area(walls["wall-back"]) == pytest.approx(536.256)

    res = assess_retrofit(r, YANGQUAN)
    _check(
        res.before.terms,
        {
            "q_Hq": 13.374191463528804,
            "q_Hw": 3.19872,
            "q_Hd": 8.73418126948426,
            "q_Hmc": 25386.38676 / 3024,
            "q_Hy": 0.0,
            "q_HT": 33.702061899679734,
            "q_INF": 5.539097947214076,
            "q_IH": 3.8,
            "q_H": 35.44115984689381,
        },
    )
    assert res.before.seasonal["Q_kWh_m2"] == pytest.approx(103.77171603170507, rel=REL)
    assert res.before.seasonal["coal_kgce_m2"] == pytest.approx(20.828108033753352, rel=REL)
    assert res.before.seasonal["Q_GJ_m2"] == pytest.approx(103.77171603170507 * 0.0036, rel=REL)
    assert res.before.seasonal["co2_kg_m2"] == pytest.approx(20.828108033753352 * 2.77, rel=REL)
    after = {e.id: e for e in r.after.elements}
    assert after["wall-front"].K == pytest.approx(0.38962608931268233, rel=REL)
    assert after["roof"].K == pytest.approx(0.26150943396226417, rel=REL)
    assert after["floor"].K == pytest.approx(0.7679680169938194, rel=REL)
    _check(
        res.after.terms,
        {
            "q_Hq": 3.1941007819096816,
            "q_Hw": 0.663885283018868,
            "q_Hd": 1.747127238660939,
            "q_Hmc": (13470.68016 - 11715.606) / 3024,
            "q_HT": 6.185494970256156,
            "q_INF": 5.539097947214076,
            "q_H": 7.924592917470233,
        },
    )
    assert res.eta == pytest.approx(0.7764014227608645, rel=REL)
    assert res.passed
    # element-level ε of the stairwell wall (derived, Δt = 12.2)
    row = next(x for x in res.before.elements if x["id"] == "stair-wall")
    assert row["epsilon"] == pytest.approx(0.919672131147541, rel=REL)
    assert row["epsilon_derived"] is True
    assert row["delta_t"] == pytest.approx(12.2)


# ---------------------------------------------------------------------------------------
# Case 2 — 4-storey block, heated stairwell, floor on ground (太原)
#
# L = 36, D = 12, 4 × 3.0 m → H = 12; azimuth 200 → front S (|200−180| ≤ 30),
# right 290 → W (70° from north > 60), back 20 → N, left 110 → E.
#   front 36 × 12 = 432, windows 0.35 × 432 = 151.2, net 280.8
#   right/left 12 × 12 = 144, windows 0.05 × 144 = 7.2, net 136.8 each
#   stairwells (heated → ordinary outdoor elements): 2 × 2.6 × 12 = 62.4, windows 0.12 × 62.4
#     = 7.488, doors 2 × 2.0 = 4.0, net 50.912; back remaining 432 − 62.4 = 369.6,
#     windows 0.25 × 369.6 = 92.4, net 277.2
#   roof = floor = 432; A0 = 432 × 4 = 1728; V0 = 432 × 12 = 5184
# Floor on ground, zone method (2 m strips, K 0.47/0.23/0.12/0.07):
#   zone 1: 432 − 32 × 8 = 176; zone 2: 256 − 28 × 4 = 144; zone 3: 112 − 24 × 0 = 112; zone 4: 0
#   K = (0.47·176 + 0.23·144 + 0.12·112)/432 = 129.28/432 = 0.2992592593
# Climate 太原: t_e = −1.1 → Δt = 19.1; I: H 108, S 118, E 62, W 60, N 36
#   ε_S = 1 − 0.028·118/19.1 = 0.8270157068, ε_E = 0.9091099476, ε_W = 0.9120418848,
#   ε_N = 0.9472251309, ε_roof = 1 − 0.028·108/19.1 = 0.8416753927
# Before: wall K 1.70, roof 1.10, windows wood_single K 4.7, glazing SHGC 0.85 (C = 0.595),
#   doors 4.0
#   q_Hq = 1.70 × 19.1 × (0.82701571·280.8 + 0.91204188·136.8 + 0.94722513·(277.2 + 50.912)
#          + 0.90910995·136.8) / 1728 = 14.8850055074
#   q_Hw = 0.8416753927 × 1.10 × 432 × 19.1 / 1728 = 4.4209
#   q_Hd = 0.2992592593 × 432 × 19.1 / 1728 = 1.4289629630
#   windows 265.488 m², Σ I·F = 118·151.2 + 60·7.2 + 36·(92.4 + 7.488) + 62·7.2 = 22315.968
#   q_Hmc = [4.7 × 19.1 × 265.488 + 4.0 × 4.0 × 19.1 − 0.7·0.85 × 22315.968] / 1728
#         = (24138.45776 − 13278.00096) / 1728 = 6.2849865741   (engine 0.1.0, C = 0.4165: 8.5901950741)
#   q_HT = 14.8850055074 + 4.4209 + 1.4289629630 + 6.2849865741 = 27.0198550444
#   q_INF = 19.1 × 0.28 × 353/271.9 × 0.5 × 0.65 × 5184/1728 = 6.7695766826
#   q_H = 27.0198550444 + 6.7695766826 − 3.8 = 29.9894317270   (0.1.0: 32.2946402270)
# After: wall 0.42, roof 0.28, windows alu_tb_lowe_double K 2.2, glazing SHGC 0.50 (C = 0.35),
#   doors insulated 2.0 → q_Hq 3.6774719489, q_Hw 1.12532, q_Hd 1.4289629630,
#   q_Hmc = [2.2 × 19.1 × 265.488 + 2.0 × 4.0 × 19.1 − 0.35 × 22315.968] / 1728
#         = (11308.60576 − 7810.5888) / 1728 = 2.0243153704   (0.1.0, C = 0.2625: 3.1543195370)
#   q_HT 8.2560702822, q_H 11.2256469648
# η = 1 − 11.2256469648/29.9894317270 = 0.6256799039   (0.1.0: 0.6174086150)


def test_case2_heated_stairwell_block():
    r = load_example("block_4storey_heated_stair.json")
    assert r.before.stairwell_heated
    floor = next(e for e in r.before.elements if e.id == "floor")
    assert floor.K == pytest.approx(129.28 / 432, rel=REL)
    orient = {e.id: e.orientation for e in r.before.elements}
    assert (
        orient["wall-front"],
        orient["wall-right"],
        orient["wall-back"],
        orient["wall-left"],
    ) == (
        "S",
        "W",
        "N",
        "E",
    )
    res = assess_retrofit(r, TAIYUAN)
    _check(
        res.before.terms,
        {
            "q_Hq": 14.88500550740741,
            "q_Hw": 4.420900000000001,
            "q_Hd": 1.428962962962963,
            "q_Hmc": (24138.45776 - 13278.00096) / 1728,
            "q_HT": 27.019855044444448,
            "q_INF": 6.7695766826039,
            "q_H": 29.989431727048345,
        },
    )
    _check(
        res.after.terms,
        {
            "q_Hq": 3.67747194888889,
            "q_Hw": 1.1253200000000003,
            "q_Hd": 1.428962962962963,
            "q_Hmc": (11308.60576 - 7810.5888) / 1728,
            "q_HT": 8.256070282222224,
            "q_INF": 6.7695766826039,
            "q_H": 11.225646964826122,
        },
    )
    # Q = 24 × 127 × 29.9894317270 / 1000
    assert res.before.seasonal["Q_kWh_m2"] == pytest.approx(91.40778790404336, rel=REL)
    assert res.eta == pytest.approx(0.6256799039409144, rel=REL)
    assert res.passed
    # advisory limits: front windows (WWR 0.35 > 0.3, ≥ 4 storeys) exceed 2.0
    lim = {x["id"]: x for x in res.limits}
    assert lim["win-front"]["K_max"] == 2.0 and lim["win-front"]["ok"] is False
    assert lim["wall-front"]["K_max"] == 0.45 and lim["wall-front"]["ok"] is True


# ---------------------------------------------------------------------------------------
# Case 3 — public building, detailed description, explicit ε on some walls (太原)
#
# A0 = 1800, V0 = 6480, heated stairs → V = 0.65·V0. Net wall areas:
#   S 432 − 160 = 272 (ε 0.85 given); N 432 − 100 − 6 = 326 (ε 0.95 given);
#   E 162 − 20 = 142 (ε derived 0.9091099476); W 162 (ε derived 0.9120418848)
#   roof 600 − 12 (skylight) = 588, ε 0.90 given; floor on ground 600 × K 0.30
#   F0 = 432 + 432 + 162 + 162 + 600 = 1788
# Before (Δt = 19.1):
#   q_Hq = 1.5 × 19.1 × (0.85·272 + 0.95·326 + 0.90910995·142 + 0.91204188·162)/1800 = 13.015765
#   q_Hw = 0.90 × 0.9 × 588 × 19.1 / 1800 = 5.05386
#   q_Hd = 0.30 × 600 × 19.1 / 1800 = 1.91
#   q_Hmc = [4.7 × 280 × 19.1 − 0.7 × 0.60 × (118·160 + 36·100 + 62·20)
#           + 3.2 × 12 × 19.1 − 0.7 × 0.55 × 108 × 12 + 3.5 × 6 × 19.1] / 1800 = 8.7826555556
#   q_HT = 28.7622805556; q_INF = 19.1 × 0.28 × 353/271.9 × 0.5 × 0.65 × 6480/1800 = 8.1234920191
#   q_H = 28.7622805556 + 8.1234920191 − 3.8 (public q_IH, assumption) = 33.0857725747
# After: walls K 0.40; windows (not the skylight) K 2.0, SHGC 0.40;
#   roof + PU 60 mm: 1/K = 1/0.9 + 0.06/(0.024·1.1) → K = 0.2955223881
#   q_Hq 3.4708706667, q_Hw 1.6594764179, q_Hd 1.91, q_Hmc 2.6055444444, q_H 13.9693835481
# η = 1 − 13.9693835481/33.0857725747 = 0.5777827610


def test_case3_public_building_detailed():
    r = load_example("public_office_detailed.json")
    assert r.before.F0 == pytest.approx(1788.0)
    res = assess_retrofit(r, TAIYUAN)
    _check(
        res.before.terms,
        {
            "q_Hq": 13.015765,
            "q_Hw": 5.053860000000001,
            "q_Hd": 1.9100000000000001,
            "q_Hmc": 8.782655555555557,
            "q_HT": 28.76228055555556,
            "q_INF": 8.123492019124681,
            "q_H": 33.08577257468024,
        },
    )
    _check(
        res.after.terms,
        {
            "q_Hq": 3.470870666666667,
            "q_Hw": 1.659476417910448,
            "q_Hd": 1.9100000000000001,
            "q_Hmc": 2.6055444444444453,
            "q_HT": 9.64589152902156,
            "q_H": 13.96938354814624,
        },
    )
    assert res.eta == pytest.approx(0.5777827609551823, rel=REL)
    rows = {x["id"]: x for x in res.before.elements}
    assert rows["wall-S"]["epsilon"] == 0.85 and rows["wall-S"]["epsilon_derived"] is False
    assert rows["wall-E"]["epsilon"] == pytest.approx(1 - 0.028 * 62 / 19.1, rel=REL)


def test_result_serialises_with_provenance_and_version():
    import json

    from jigai.engine import ENGINE_VERSION

    res = assess_retrofit(load_example("walkup_brick_6storey.json"), YANGQUAN)
    d = json.loads(json.dumps(res.to_dict(), ensure_ascii=False))
    assert d["engine_version"] == ENGINE_VERSION
    assert d["climate"]["provenance"]["kind"] == "estimated"
    assert set(d["before"]["terms"]) == {
        "q_Hq", "q_Hw", "q_Hd", "q_Hmc", "q_Hy", "q_HT", "q_INF", "q_IH", "q_H",
    }  # fmt: skip
    assert d["before"]["parameters"]["t_n"] == 18.0
    assert d["before"]["building"]["elements"][0]["id"] == "wall-front"
    assert d["passed"] is True


def test_threshold_parameter_changes_verdict():
    r = load_example("walkup_brick_6storey.json")
    assert assess_retrofit(r, YANGQUAN, threshold=0.80).passed is False
    single = assess(r.before, YANGQUAN)
    assert single.q_H == pytest.approx(35.44115984689381, rel=REL)


def test_balcony_overhang_and_given_b_by_hand(data):
    """Mini case for the remaining element kinds (A0 = 100, Δt = 18.2 at 阳泉 pinned):
    balcony partition K 2.0, F 10, b_y 0.70 (data) → q_Hy = 0.70·2.0·10·18.2/100 = 2.548;
    floor over outdoor K 1.0, F 20 → 1.0·20·18.2/100 = 3.64;
    basement ceiling K 1.5, F 30, b 0.4 given → 0.4·1.5·30·18.2/100 = 3.276; q_Hd = 6.916;
    wall N K 1.0, F 50, ε 1.0 given → q_Hq = 9.1; roof K 0.5, F 40, ε 1 → q_Hw = 3.64;
    q_INF = 18.2·0.28·(353/272.8)·0.5·0.65·300/100 = 6.4309…; q_IH 3.8."""
    from jigai.engine import parse_building

    b = parse_building(
        {
            "format": "detailed",
            "storeys": 1,
            "A0": 100.0,
            "V0": 300.0,
            "elements": [
                {
                    "id": "w",
                    "kind": "wall",
                    "orientation": "N",
                    "area": 50,
                    "K": 1.0,
                    "epsilon": 1.0,
                },
                {"id": "r", "kind": "roof", "area": 40, "K": 0.5, "epsilon": 1.0},
                {"id": "bal", "kind": "balcony", "area": 10, "K": 2.0},
                {"id": "ov", "kind": "floor", "faces": "outdoor", "area": 20, "K": 1.0},
                {
                    "id": "bs",
                    "kind": "floor",
                    "faces": "unheated_basement",
                    "area": 30,
                    "K": 1.5,
                    "b": 0.4,
                },
            ],
        },
        "b",
        data,
    )
    a = assess(b, YANGQUAN)
    q_inf = 18.2 * 0.28 * (353 / 272.8) * 0.5 * 0.65 * 300 / 100
    _check(
        a.terms,
        {
            "q_Hq": 9.1,
            "q_Hw": 3.64,
            "q_Hd": 6.916,
            "q_Hy": 2.548,
            "q_Hmc": 0.0,
            "q_INF": q_inf,
            "q_H": 9.1 + 3.64 + 6.916 + 2.548 + q_inf - 3.8,
        },
    )
    from jigai.engine import StockArrays, assess_stock

    assert assess_stock(StockArrays.from_buildings([b]), YANGQUAN).q_H[0] == pytest.approx(
        a.q_H, rel=REL
    )
