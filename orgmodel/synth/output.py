"""Writing a generated registry: units.csv, events.csv, registry.yaml and its README (and
indicators.csv for Quảng Ninh), each atomically."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import yaml

from ..files import atomic_write_csv, atomic_write_text
from .national import render_national_readme
from .quang_ninh import indicators_table, render_quang_ninh_readme
from .tables import EVENT_COLUMNS, EXTRA_COLUMNS, START, UNIT_COLUMNS, unit_type_vocabulary

def write_registry(units: pd.DataFrame, events: pd.DataFrame, out_dir, meta: dict | None = None) -> Path:
    """Write units.csv, events.csv and registry.yaml (and README.md, plus indicators.csv for
    Quảng Ninh, and unit_types.csv, when ``meta`` is given), each atomically, UTF-8 with ``\\n`` line ends."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_csv(units[UNIT_COLUMNS + [c for c in EXTRA_COLUMNS if c in units.columns]], out / "units.csv")
    atomic_write_csv(events[EVENT_COLUMNS], out / "events.csv")
    meta = meta or {}
    yml = {"name": meta.get("name", out.name), "description": meta.get("description", ""),
           "start": dt.date.fromisoformat(meta.get("start", START)), "sources": list(meta.get("sources", [])),
           "generator": meta.get("generator", "orgmodel.synth")}
    atomic_write_text(out / "registry.yaml", yaml.safe_dump(yml, allow_unicode=True, sort_keys=False, width=100))
    if meta:
        atomic_write_csv(unit_types_table(units), out / "unit_types.csv")
    if meta.get("kind") == "quang-ninh":
        atomic_write_csv(indicators_table(), out / "indicators.csv")
        atomic_write_text(out / "README.md", render_quang_ninh_readme(units, events, meta))
    elif meta:
        atomic_write_text(out / "README.md", render_national_readme(units, events, meta))
    return out




def unit_types_table(units: pd.DataFrame) -> pd.DataFrame:
    """The registry's own unit-type table (registry format 1.1): each slug its units use, once,
    with its Vietnamese and English names, kind and sector, in the order of the package
    vocabulary (orgmodel/data/unit_types.csv)."""
    vocab = unit_type_vocabulary()
    used = set(units["unit_type"])
    missing = sorted(used - set(vocab["unit_type"]))
    if missing:
        raise ValueError(f"unit types not in orgmodel/data/unit_types.csv: {', '.join(missing)}")
    return vocab[vocab["unit_type"].isin(used)].reset_index(drop=True)
