"""Merge rules as plain predicates over the candidate-moves table (scenario-format 1.1):
compatibility of unit types and the planner's pins. Filled in by the compatibility/pins work;
until then every candidate move is kept and nothing is pinned.

Interface (used by the model builder, right after candidate moves are generated):

    moves, blocking = apply_rules(moves, units, scn)

``moves`` keeps the columns it had and gains a boolean column ``pinned`` (a ``pins.merge`` pair:
the model fixes that move to 1); ``blocking`` is a list of dicts, one per pin that contradicts the
rules (``{"pin": "merge", "unit_id": ..., "into_id": ..., "reason": ...}``): a non-empty list makes
the scenario infeasible and the summary lists it under ``"blocking"``.
"""

from __future__ import annotations

import pandas as pd


def apply_rules(moves: pd.DataFrame, units: pd.DataFrame, scn) -> tuple[pd.DataFrame, list[dict]]:
    out = moves.copy()
    out["pinned"] = False
    return out, []
