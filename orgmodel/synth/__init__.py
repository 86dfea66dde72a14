"""Seeded, deterministic generator of registries (registry format 1.1).

Two registries come out of the same code:

* :func:`generate_quang_ninh` — Quảng Ninh 2015-2025, calibrated so that the figures published by
  the Vietnam News Agency (July 2022) come out exactly when counted per the contract: -227 units
  (18.0 %) between 2015-12-31 and 2021-12-31, of which 140 agencies and 87 PSUs, and the -10 % PSU
  target met in 2020, not in 2019.
* :func:`generate_national` — ``provinces`` synthetic provinces 2015-2025, calibrated to the
  national PSU figures (55,891 in 2015 -> 48,442 in 2021 for 63 provinces), with the 2025
  reorganisation (departments 20 -> 14, district level abolished, provinces 63 -> 34).

The subpackage is split by concern:

* :mod:`.tables` reads the hand-written reference tables (``data/*.csv``, ``data/*.yaml``);
* :mod:`.world` builds a province's 2015 units from a :class:`ProvinceSpec` and holds the
  :class:`World` being generated; :mod:`.hooks` are the scripted reorganisations every registry
  shares; :mod:`.filler` the vectorised filler events; :mod:`.simulate` the year-by-year driver;
* :mod:`.quang_ninh` and :mod:`.national` the two registries (calibration, hooks, README);
* :mod:`.output` writes a registry; ``python -m orgmodel.synth`` is the command line.

Everything is driven by one ``numpy.random.Generator`` and sorted tables, so a seed gives the same
bytes every time. Only the command line (``orgmodel synth``, ``python -m orgmodel.synth``) imports
this package; no runtime module does.
"""

from __future__ import annotations

from .national import generate_national, national_specs
from .output import write_registry
from .quang_ninh import (QuangNinhCalibration, admissible_baselines, calibrate_quang_ninh, generate_quang_ninh,
                         indicators_table, render_quang_ninh_readme)
from .simulate import count_units, life_dates
from .tables import DEPARTMENTS, EVENT_COLUMNS, QN_DISTRICTS, SPECIALISED, START, UNIT_COLUMNS, nfc
from .world import World, allocate, build_province

__all__ = [
    "DEPARTMENTS", "EVENT_COLUMNS", "QN_DISTRICTS", "SPECIALISED", "START", "UNIT_COLUMNS", "QuangNinhCalibration", "World",
    "admissible_baselines", "allocate", "build_province", "calibrate_quang_ninh", "count_units", "generate_national",
    "generate_quang_ninh", "indicators_table", "life_dates", "national_specs", "nfc", "render_quang_ninh_readme", "write_registry",
]
