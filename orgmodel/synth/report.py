"""Markdown helpers shared by the registry READMEs: tables and calibration counts computed from
the written tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .simulate import count_units
from .tables import START

def _md_table(df: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def calibration_table(units: pd.DataFrame, events: pd.DataFrame, dates, baseline: str = START) -> pd.DataFrame:
    """Counts per kind at ``dates`` with the reduction against ``baseline`` (from the tables)."""
    t = count_units(units, events, sorted({baseline, *dates})).set_index("date")
    b = t.loc[baseline]
    out = t.loc[list(dates)].reset_index()
    for k in ("agency", "psu", "all"):
        out[f"{k} reduced"] = [int(b[k] - v) for v in out[k]]
    out["all reduced %"] = [f"{100 * r / b['all']:.1f}" for r in out["all reduced"]]
    out["psu reduced %"] = [f"{100 * r / b['psu']:.1f}" for r in out["psu reduced"]]
    return out[["date", "agency", "psu", "all", "agency reduced", "psu reduced", "all reduced", "all reduced %", "psu reduced %"]]


def _event_mix(events: pd.DataFrame) -> pd.DataFrame:
    period = np.where(events["date"] <= "2021-12-31", "2016-2021", "2022-2025")
    mix = pd.crosstab(events["type"], period).reset_index().rename(columns={"type": "event type"})
    mix.columns.name = None
    return mix


