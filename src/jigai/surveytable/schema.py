"""The building table: one row per building, the columns a county's survey
records. The survey's Excel template, its import, the stock runner's CSV/Parquet
input and the synthetic generator all use these columns.

Each column has an English key (CSV/Parquet header), a Chinese header (the
Excel template), a type, a unit and whether the survey must give it. Columns
that are not required may be left empty; the assessment then fills them from
typology defaults and marks them as assumed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data"


class Use(StrEnum):
    RESIDENTIAL = "residential"
    OFFICE = "office"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    COMMERCIAL = "commercial"
    OTHER_PUBLIC = "other_public"

    @property
    def label_zh(self) -> str:
        return USE_ZH[self]

    @property
    def is_residential(self) -> bool:
        return self is Use.RESIDENTIAL


USE_ZH = {
    Use.RESIDENTIAL: "居住建筑",
    Use.OFFICE: "办公建筑",
    Use.SCHOOL: "学校",
    Use.HOSPITAL: "医院",
    Use.COMMERCIAL: "商业建筑",
    Use.OTHER_PUBLIC: "其他公共建筑",
}


class Structure(StrEnum):
    BRICK_CONCRETE = "brick_concrete"
    FRAME = "frame"
    SHEAR_WALL = "shear_wall"
    BRICK_WOOD = "brick_wood"
    OTHER = "other"


STRUCTURE_ZH = {
    Structure.BRICK_CONCRETE: "砖混结构",
    Structure.FRAME: "框架结构",
    Structure.SHEAR_WALL: "剪力墙结构",
    Structure.BRICK_WOOD: "砖木结构",
    Structure.OTHER: "其他",
}


class SafetyGrade(StrEnum):
    """House-safety appraisal grade, JGJ 125-2016 危险房屋鉴定标准 §6: A no dangerous
    points; B some dangerous members; C part of the house dangerous; D the whole house."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class Heating(StrEnum):
    CENTRAL = "central"
    HOUSEHOLD = "household"
    NONE = "none"


HEATING_ZH = {Heating.CENTRAL: "集中供热", Heating.HOUSEHOLD: "分户自采暖", Heating.NONE: "无采暖"}


@cache
def survey_constructions() -> dict[str, dict[str, dict]]:
    """{kind: {code: {name_zh, spec, …}}} from data/survey_constructions.yaml."""
    return yaml.safe_load((DATA / "survey_constructions.yaml").read_text(encoding="utf-8"))


def construction_choices(kind: str) -> dict[str, str]:
    return {code: row["name_zh"] for code, row in survey_constructions()[kind].items()}


# How a yes/no cell may be written, the same for every reader of the building table (the
# web import, ``jigai import_buildings``, ``jigai stock``, the engine input): the template's
# 是/否, English words, 1/0 as Excel stores them (also 1.0/0.0 from a numeric cell), and
# the check marks counties type in WPS/Excel.
YES_WORDS = frozenset({"是", "true", "yes", "y", "t", "1", "1.0", "√", "✓"})
NO_WORDS = frozenset({"否", "false", "no", "n", "f", "0", "0.0", "×", "✗"})

# A text cell starting with one of these is read as a formula by Excel, WPS and LibreOffice
# (CSV/formula injection, OWASP): every writer of the building table prefixes it with '.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell value safe from formula injection: text starting like a formula gets a '."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unguard(text: str) -> str:
    """``neutralise`` undone: an exported cell read back is the text that was exported."""
    if text[:1] == "'" and text[1:2] and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


# The columns that identify a building and where it is: compared after Unicode NFKC
# normalisation, so that full-width "３号楼" and "3号楼" are one building and a name typed with
# full-width brackets matches the same name typed with ASCII ones.
KEY_TEXT_COLUMNS = ("county", "street", "community", "building_no", "bdc_code")


def normalise_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


# Invisible format characters (Unicode category Cf: zero-width space, joiners, direction marks,
# the byte-order mark …) make two equal-looking names differ: a cell holding one is refused.
# The ranges are Python's Unicode 14.0 category Cf (tests/platform/test_survey_entry_points.py
# checks them against ``unicodedata``).
FORMAT_CHARACTERS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)


@dataclass(frozen=True)
class Column:
    key: str
    header_zh: str
    kind: str  # text, int, decimal, bool, choice
    required: bool = False
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, Chinese label)
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 0
    help_zh: str = ""

    @property
    def header(self) -> str:
        return f"{self.header_zh}[{self.unit}]" if self.unit else self.header_zh


def _choices(mapping) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), v) for k, v in mapping.items())


def columns() -> tuple[Column, ...]:
    """The building table's columns, in template order."""
    yes_no = (("true", "是"), ("false", "否"))
    return (
        Column("county", "县区", "text", True, max_length=60, help_zh="县区名称，如：盂县"),
        Column(
            "street",
            "街道（乡镇）",
            "text",
            True,
            max_length=120,
            help_zh="已登记的街道办事处名称或简称",
        ),
        Column("community", "小区名称", "text", True, max_length=120),
        Column("community_renovation", "纳入老旧小区改造", "bool", True, choices=yes_no),
        Column("building_no", "楼号", "text", True, max_length=30, help_zh="小区内唯一，如：3号楼"),
        Column("bdc_code", "不动产单元代码", "text", max_length=28, help_zh="28位，已知时填写"),
        Column("address", "地址", "text", max_length=200),
        Column("use", "建筑用途", "choice", True, choices=_choices(USE_ZH)),
        Column("year_built", "建成年份", "int", True, minimum=1900, maximum=2100),
        Column("structure", "结构形式", "choice", True, choices=_choices(STRUCTURE_ZH)),
        Column("storeys", "地上层数", "int", True, minimum=1, maximum=60),
        Column("height_m", "建筑高度", "decimal", True, "m", minimum=2, maximum=250),
        Column("floor_area_m2", "建筑面积", "decimal", True, "m²", minimum=10, maximum=500_000),
        Column("length_m", "长度", "decimal", False, "m", minimum=3, maximum=500),
        Column("depth_m", "进深", "decimal", False, "m", minimum=3, maximum=200),
        Column("storey_height_m", "层高", "decimal", False, "m", minimum=2.2, maximum=8),
        Column(
            "azimuth_deg",
            "主立面朝向方位角",
            "decimal",
            False,
            "°",
            minimum=0,
            maximum=360,
            help_zh="正南为180",
        ),
        Column("wwr_front", "主立面窗墙比", "decimal", False, minimum=0, maximum=0.95),
        Column("wwr_back", "背立面窗墙比", "decimal", False, minimum=0, maximum=0.95),
        Column("wwr_sides", "山墙窗墙比", "decimal", False, minimum=0, maximum=0.95),
        Column(
            "wall_type", "外墙构造", "choice", False, choices=_choices(construction_choices("wall"))
        ),
        Column(
            "roof_type", "屋面构造", "choice", False, choices=_choices(construction_choices("roof"))
        ),
        Column("window_type", "外窗类型", "choice", False, choices=_choices(WINDOW_ZH)),
        Column(
            "floor_type",
            "底层构造",
            "choice",
            False,
            choices=_choices(construction_choices("floor")),
        ),
        Column("stairwell_heated", "楼梯间采暖", "bool", False, choices=yes_no),
        Column("households", "户数", "int", False, minimum=0, maximum=5000),
        Column("consent_households", "同意改造户数", "int", False, minimum=0, maximum=5000),
        Column(
            "safety_grade",
            "房屋安全鉴定等级",
            "choice",
            False,
            choices=_choices({g: g for g in SafetyGrade}),
            help_zh="JGJ 125：A/B/C/D",
        ),
        Column("in_demolition_area", "位于规划拆迁范围", "bool", True, choices=yes_no),
        Column(
            "remaining_life_years", "改造后剩余使用年限", "int", False, "年", minimum=0, maximum=100
        ),
        Column("energy_efficient", "已是节能建筑", "bool", True, choices=yes_no),
        Column("heating", "采暖方式", "choice", False, choices=_choices(HEATING_ZH)),
        Column("lat", "纬度", "decimal", False, "°N", minimum=30, maximum=45),
        Column("lon", "经度", "decimal", False, "°E", minimum=105, maximum=120),
    )


# Window types a survey may record: the engine's window table codes (existing windows).
WINDOW_ZH = {
    "steel_single": "单玻钢窗",
    "wood_single": "单玻木窗",
    "wood_double": "双层木窗",
    "pvc_double_clear": "塑钢中空玻璃窗",
    "alu_tb_lowe_double": "断桥铝合金Low-E中空窗",
}

KEY_COLUMNS = ("county", "community", "building_no")
