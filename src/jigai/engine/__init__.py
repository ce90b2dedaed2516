"""Pure calculation engine (numpy only, no Django): JGJ 26 heat-consumption index.

Main entry points::

    from jigai.engine import (
        EngineData, default_data,                  # parameters and tables (CSV, with sources)
        parse_retrofit, parse_building,            # JSON documents → frozen dataclasses
        climate_for_city, climate_from_epw, climate_from_normals_station,
        assess, assess_retrofit,                   # single building / before-after
        StockArrays, assess_stock,                 # vectorised over N buildings
    )
"""

# 0.2.0: q_H clipped at 0, window frame counted once (glazing SHGC), SHGC never silently 0,
# floors on ground by the zone method, limits of GB 55015-2021 (docs/engine.md "Changes")
ENGINE_VERSION = "jigai-engine 0.2.0 (JGJ 26-2010 §4.3 index; GB 55015-2021 limits)"

from .building import (  # noqa: E402
    Building,
    BuildingType,
    Element,
    ElementKind,
    Faces,
    expand_block,
    parse_building,
)
from .climate import (  # noqa: E402
    Climate,
    ClimateKind,
    ClimateProvenance,
    climate_for_city,
    climate_from_normals,
    climate_from_normals_station,
    list_cities,
)
from .epw import SkyModel, climate_from_epw  # noqa: E402
from .errors import ClimateNotFoundError, EngineInputError  # noqa: E402
from .heat_index import Assessment, RetrofitAssessment, assess, assess_retrofit  # noqa: E402
from .params import EngineData, default_data  # noqa: E402
from .retrofit import Retrofit, apply_measures, parse_retrofit  # noqa: E402
from .vector import StockArrays, StockResult, assess_stock, climate_arrays  # noqa: E402

__all__ = [
    "ENGINE_VERSION",
    "Assessment",
    "Building",
    "BuildingType",
    "Climate",
    "ClimateKind",
    "ClimateNotFoundError",
    "ClimateProvenance",
    "Element",
    "ElementKind",
    "EngineData",
    "EngineInputError",
    "Faces",
    "Retrofit",
    "RetrofitAssessment",
    "SkyModel",
    "StockArrays",
    "StockResult",
    "apply_measures",
    "assess",
    "assess_retrofit",
    "assess_stock",
    "climate_arrays",
    "climate_for_city",
    "climate_from_epw",
    "climate_from_normals",
    "climate_from_normals_station",
    "default_data",
    "expand_block",
    "list_cities",
    "parse_building",
    "parse_retrofit",
]
