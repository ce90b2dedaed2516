"""All engine data in one object: parameters, materials, windows and factor tables.

``EngineData.load()`` reads the shipped CSV tables; ``EngineData.load(overrides=...)``
lets a project replace rows (e.g. its own measured conductivities, a checked climate row,
its own boiler efficiency). Every value keeps its ``source`` and ``confidence``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import EngineInputError
from .tables import as_float, load_table


@dataclass(frozen=True)
class Sourced:
    """A number with its unit, source and confidence."""

    value: float
    unit: str
    source: str
    confidence: str

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "unit": self.unit,
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Material:
    """A material of GB 50176 Appendix B style: λ [W/(m·K)], α [-], ρ [kg/m³]."""

    key: str
    name_zh: str
    lambda_: float
    alpha: float
    density: float
    combustion_class: str
    source: str
    confidence: str

    @property
    def lambda_c(self) -> float:
        """Calculation conductivity λ_c = λ·α [W/(m·K)] (GB 50176-2016 §3.4)."""
        return self.lambda_ * self.alpha


@dataclass(frozen=True)
class WindowType:
    """A window product: K [W/(m²·K)], SHGC of its glazing [-], frame fraction [-],
    air-tightness grade.

    The SHGC used by the index is the glazing's (``shgc_glazing``, g = 0.87 × SC of the
    glass): JGJ 26-2010 eq. 4.3.8 writes the window's solar correction as
    C_mc = 0.87 × 0.70 × SC, and its factor 0.70 is the reduction for the frame (and
    curtains), so the frame is counted there and only there — multiplying the SHGC by
    (1 − frame fraction) as well would count it twice. ``frame_fraction`` is kept as product
    data (e.g. for a whole-window summer SHGC under GB 55015-2021); the index does not use it.
    """

    key: str
    name_zh: str
    K: float
    shgc_glazing: float
    frame_fraction: float
    airtightness_grade: int
    source: str
    confidence: str

    @property
    def shgc(self) -> float:
        """The SHGC an input ``shgc`` stands for: the glazing's g [-] (see class docstring)."""
        return self.shgc_glazing


@dataclass(frozen=True)
class EngineData:
    """Parameters and tables used by a calculation (all with source and confidence)."""

    parameters: Mapping[str, Sourced]
    materials: Mapping[str, Material]
    windows: Mapping[str, WindowType]
    surface_resistances: Mapping[str, tuple[float, float]]
    temperature_factors: Mapping[str, float]
    ground_zones: tuple[tuple[float, float], ...]
    sources: Mapping[str, str] = field(default_factory=dict)

    def p(self, key: str) -> float:
        """Value of parameter ``key`` (see data/parameters.csv)."""
        try:
            return self.parameters[key].value
        except KeyError as exc:
            raise EngineInputError(f"parameters.{key}", "unknown parameter") from exc

    def material(self, key: str, field_path: str = "material") -> Material:
        try:
            return self.materials[key]
        except KeyError as exc:
            raise EngineInputError(
                field_path,
                f"unknown material {key!r}; known: {', '.join(sorted(self.materials))}",
            ) from exc

    def window(self, key: str, field_path: str = "window") -> WindowType:
        try:
            return self.windows[key]
        except KeyError as exc:
            raise EngineInputError(
                field_path,
                f"unknown window type {key!r}; known: {', '.join(sorted(self.windows))}",
            ) from exc

    def surface_resistance(
        self, position: str, field_path: str = "position"
    ) -> tuple[float, float]:
        try:
            return self.surface_resistances[position]
        except KeyError as exc:
            raise EngineInputError(
                field_path,
                f"unknown position {position!r}; known: {', '.join(sorted(self.surface_resistances))}",
            ) from exc

    def temperature_factor(self, key: str, field_path: str = "basement") -> float:
        try:
            return self.temperature_factors[key]
        except KeyError as exc:
            raise EngineInputError(
                field_path,
                f"unknown temperature-factor key {key!r}; known: {', '.join(sorted(self.temperature_factors))}",
            ) from exc

    def parameters_dict(self) -> dict:
        return {k: v.to_dict() for k, v in self.parameters.items()}

    @classmethod
    def load(cls, overrides: Mapping[str, str | Path] | None = None) -> EngineData:
        """Load the shipped tables, with optional per-project override CSVs.

        ``overrides`` maps a table name (``parameters``, ``materials``, ``windows``,
        ``surface_resistances``, ``temperature_factors``, ``ground_zones``) to a CSV path.
        """
        ov = dict(overrides or {})
        unknown = set(ov) - {
            "parameters",
            "materials",
            "windows",
            "surface_resistances",
            "temperature_factors",
            "ground_zones",
        }
        if unknown:
            raise EngineInputError("overrides", f"unknown table(s): {', '.join(sorted(unknown))}")
        prm = load_table(
            "parameters.csv", key="key", required=("value", "unit"), override=ov.get("parameters")
        )
        parameters = {
            k: Sourced(
                as_float(r, "value", f"parameters.{k}"), r["unit"], r["source"], r["confidence"]
            )
            for k, r in prm.items()
        }
        mat = load_table(
            "materials.csv",
            key="material",
            required=("name_zh", "lambda", "alpha", "density", "combustion_class"),
            override=ov.get("materials"),
        )
        materials = {}
        for k, r in mat.items():
            m = Material(
                k,
                r["name_zh"],
                as_float(r, "lambda", f"materials.{k}"),
                as_float(r, "alpha", f"materials.{k}"),
                as_float(r, "density", f"materials.{k}"),
                r["combustion_class"],
                r["source"],
                r["confidence"],
            )
            if m.lambda_ <= 0 or m.alpha <= 0:
                raise EngineInputError(f"materials.{k}", "λ and α must be > 0")
            materials[k] = m
        win = load_table(
            "windows.csv",
            key="window",
            required=("name_zh", "K", "shgc_glazing", "frame_fraction", "airtightness_grade"),
            override=ov.get("windows"),
        )
        windows = {}
        for k, r in win.items():
            w = WindowType(
                k,
                r["name_zh"],
                as_float(r, "K", f"windows.{k}"),
                as_float(r, "shgc_glazing", f"windows.{k}"),
                as_float(r, "frame_fraction", f"windows.{k}"),
                int(as_float(r, "airtightness_grade", f"windows.{k}")),
                r["source"],
                r["confidence"],
            )
            if w.K <= 0:
                raise EngineInputError(f"windows.{k}.K", "K must be > 0")
            windows[k] = w
        sr = load_table(
            "surface_resistances.csv",
            key="position",
            required=("R_i", "R_e"),
            override=ov.get("surface_resistances"),
        )
        surface = {
            k: (
                as_float(r, "R_i", f"surface_resistances.{k}"),
                as_float(r, "R_e", f"surface_resistances.{k}"),
            )
            for k, r in sr.items()
        }
        tf = load_table(
            "temperature_factors.csv",
            key="key",
            required=("b",),
            override=ov.get("temperature_factors"),
        )
        factors = {k: as_float(r, "b", f"temperature_factors.{k}") for k, r in tf.items()}
        gz = load_table(
            "ground_zones.csv",
            key="zone",
            required=("width_m", "K"),
            override=ov.get("ground_zones"),
        )
        zones = tuple(
            (as_float(r, "width_m", f"ground_zones.{k}"), as_float(r, "K", f"ground_zones.{k}"))
            for k, r in sorted(gz.items())
        )
        return cls(parameters, materials, windows, surface, factors, zones)


@lru_cache(maxsize=1)
def default_data() -> EngineData:
    """The shipped tables (cached)."""
    return EngineData.load()
