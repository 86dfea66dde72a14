"""The generator's reference tables, read from the data files in ``orgmodel/synth/data``.

Real names of provincial bodies, divisions, sub-departments, typical public service units, the
district-level offices and centres, school families and Quảng Ninh's districts are hand-written
tables: they live as CSV/YAML files (package data) so that they can be read and edited without
touching code. This module reads them once, into the tuples the builder uses.
"""

from __future__ import annotations

import csv
import unicodedata
from importlib.resources import files

import pandas as pd
import yaml

UNIT_COLUMNS_V1 = ["unit_id", "name", "kind", "level", "sector", "parent_id", "locality", "staff", "autonomy", "lat", "lon"]
# Registry format 1.1 optional columns, written in this order after the version 1 columns.
UNIT_COLUMNS_11 = ["unit_type", "code", "population", "area_km2", "heads", "deputies"]
UNIT_COLUMNS = UNIT_COLUMNS_V1 + UNIT_COLUMNS_11
# Extra columns (allowed by the contract, carried through untouched) a registry may add after them:
# commune_2025 = for a commune health station, the 2025 commune that took over its commune.
EXTRA_COLUMNS = ["commune_2025"]
EVENT_COLUMNS_V1 = ["event_id", "date", "type", "sources", "targets", "new_parent_id", "legal_basis", "note"]
EVENT_COLUMNS = EVENT_COLUMNS_V1 + ["changes"]   # registry format 1.1: reclassify's column=value pairs
START = "2015-12-31"
FIRST_YEAR, LAST_YEAR = 2016, 2025

DATA = files("orgmodel.synth") / "data"


def nfc(text: str) -> str:
    """NFC-normalise Vietnamese text (composed diacritics, as official documents use)."""
    return unicodedata.normalize("NFC", text)


def _rows(name: str, types: dict | None = None) -> list[tuple]:
    """The rows of data file ``name`` as tuples, in file order, columns converted by ``types``
    (column -> callable; other columns stay text, NFC-normalised)."""
    types = types or {}
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return [tuple(types[c](v) if c in types else nfc(v) for c, v in row.items()) for row in reader]


def _bool(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(f"{DATA}: expected true or false, got {value!r}")
    return value == "true"


NAMES = yaml.safe_load((DATA / "names.yaml").read_text(encoding="utf-8"))

# Real names of provincial bodies (2015): code, name, sector.
DEPARTMENTS = _rows("departments.csv")
SPECIALISED = [c for c, _, _, t in DEPARTMENTS if t == "so"]  # the 20 specialised agencies

# Internal divisions (phòng) of each department; names starting with a core prefix are never
# touched by filler events.
DIVISIONS: dict[str, list[str]] = {k: [nfc(n) for n in v] for k, v in NAMES["divisions"].items()}
CORE_DIVISION = tuple(nfc(n) for n in NAMES["core_division_prefixes"])
NEW_DIVISION_NAMES = [nfc(n) for n in NAMES["new_division_names"]]

# Sub-departments (chi cục / ban) under departments: dept, code, name, sector.
CHI_CUC = _rows("chi_cuc.csv")
CHI_CUC_DIVISIONS = [nfc(n) for n in NAMES["chi_cuc_divisions"]]

# Provincial public service units: code, parent (department code or UBND), name ({tinh} = province
# name, {tinh_full} = "tỉnh <name>"), sector, category, staff range, autonomy groups, scope
# (all / qn = Quảng Ninh only), locality ("" = province-wide).
PROVINCIAL_PSUS = _rows("provincial_psus.csv", {"staff_lo": int, "staff_hi": int})

# Provincial PSUs that filler transfers may move between the UBND and a department.
MOVABLE = {"BQLDA-DD", "BQLDA-GT", "BQLDA-NN", "TTXTDT", "TTXTTM", "TTXTDL", "CDYT", "CDN", "TTPVHCC"}

# Hospitals under Sở Y tế: name, staff range, autonomy, scope, locality ("" = province-wide).
PROVINCIAL_HOSPITALS = _rows("provincial_hospitals.csv", {"staff_lo": int, "staff_hi": int})

# District-level divisions (phòng) under a district UBND: code, name, sector, applies, core.
DISTRICT_PHONG = _rows("district_phong.csv", {"core": _bool})
# When Hoành Bồ's phòng merge into Hạ Long's, a phòng without a same-code counterpart goes here.
PHONG_FALLBACK = {"PKTHT": "PQLDT", "PNN": "PKT", "PKT": "PKTHT", "PQLDT": "PKTHT"}

# District-level PSUs under a district UBND: code, name, sector, category, staff, autonomy, applies.
DISTRICT_PSUS = _rows("district_psus.csv", {"staff_lo": int, "staff_hi": int})

# Schools: category -> (id code, name label, staff range, share of basic schools).
SCHOOLS = {r[0]: r[1:] for r in _rows("schools.csv", {"staff_lo": int, "staff_hi": int, "share": float})}

# What filler events may do to a unit of each category (kind, operations, selection weight).
CATEGORY_OPS = {
    "division": ("agency", {"merge", "dissolve", "consolidate", "separate", "establish"}, 1.0),
    "ccdiv": ("agency", {"merge", "dissolve"}, 1.0),
    "team": ("agency", {"merge", "dissolve"}, 0.6),
    "phong": ("agency", {"merge", "dissolve"}, 0.25),
    "school-mn": ("psu", {"merge", "dissolve", "split", "separate", "establish"}, 1.0),
    "school-th": ("psu", {"merge", "dissolve", "split", "separate", "establish", "consolidate"}, 1.0),
    "school-thcs": ("psu", {"merge", "dissolve", "split", "separate", "establish", "consolidate"}, 1.0),
    "school-ths": ("psu", {"merge", "dissolve"}, 0.5),
    "school-thpt": ("psu", {"merge", "dissolve", "establish"}, 0.3),
    "centre-movable": ("psu", {"transfer"}, 1.0),
}

# District-level units of Quảng Ninh before 2020 (real), with approximate centres and a weight
# (share of schools). code, name, type, lat, lon, spread, weight, ethnic, places (communes/wards).
QN_DISTRICTS = _rows("qn_districts.csv", {"lat": float, "lon": float, "spread": float, "weight": float, "ethnic": _bool})
QN_CAPITAL = (20.9530, 107.0800)          # provincial administrative centre, Hạ Long
QN_BBOX = (20.90, 21.60, 106.40, 108.10)  # lat_lo, lat_hi, lon_lo, lon_hi
QN_DISTRICT_HOSPITALS = ["QY", "DT", "VD", "HB", "DH", "HH", "BL", "BC", "CT"]
QN_HAT_KIEM_LAM = [d[0] for d in QN_DISTRICTS if d[0] != "CT"]

# Place names used for schools of synthetic (national) districts.
GENERIC_PLACES = [nfc(n) for n in NAMES["generic_places"]]

# Quảng Ninh's 2025 reorganisation of the specialised agencies (20 -> 14 from 2025-03-01), typed as
# the province's decisions word it: type, source codes (;-separated), target code, new name, sector, note.
QN_DEPARTMENTS_2025 = _rows("qn_departments_2025.csv")
# Its legal basis: the province's People's Council resolution of its 25th (thematic) session,
# announced on 26 Feb 2025 (press: Lao Động, vietnam.vn); its number was not found, so the
# national basis is cited with it.
QN_DEPARTMENTS_2025_LEGAL = ("Nghị quyết HĐND tỉnh Quảng Ninh kỳ họp thứ 25 (công bố 26/02/2025, số hiệu chưa kiểm chứng); "
                             "Nghị định 45/2025/NĐ-CP")

# The published service indicators of Quảng Ninh (indicators.csv of the bundled registry).
INDICATORS = _rows("qn_indicators.csv")

# Leadership posts (heads, deputies) a unit holds when it first exists, by unit type and staff:
# ``deputies`` below ``large_from_staff`` staff, ``deputies_large`` from it. Synthetic defaults
# in the orders of magnitude of the caps (registry columns ``heads``/``deputies``); ``*agency`` and
# ``*psu`` are the defaults for other types.
LEADERS = {r[0]: r[1:5] for r in _rows("leaders.csv", {"heads": int, "deputies": int, "deputies_large": int,
                                                         "large_from_staff": int})}


def unit_type_vocabulary() -> pd.DataFrame:
    """The package's unit-type vocabulary (orgmodel/data/unit_types.csv), as text."""
    with (files("orgmodel") / "data" / "unit_types.csv").open(encoding="utf-8", newline="") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)
