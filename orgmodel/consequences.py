"""What a plan means in people, posts, kilometres and VND (summary.json ``consequences``).
Filled in by the consequences work; the interface is fixed:

    consequences(plan, units, scn) -> dict

``plan`` is the plan table (one row per move: unit_id, into_id, staff, distance_km ...), ``units``
the units open at plan_from (attributes in force then), ``scn`` the scenario. The dict has at
least the keys scenario-format.md 1.1 names.
"""

from __future__ import annotations

import pandas as pd


def consequences(plan: pd.DataFrame, units: pd.DataFrame, scn) -> dict:
    return {}
