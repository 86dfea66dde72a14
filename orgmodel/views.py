"""The state "as of D against B", computed once and read by everyone (CLI, figures, office
outputs, notebooks), in the manner of GerryChain's updaters.

>>> v = View(tl, as_of="2021-12-31", baseline="2015-12-31")
>>> v.progress                  # per kind: baseline, current, reduced, reduced_pct, opened, closed, closed_<type>
>>> v.breakdown("sector")       # cached per column
>>> v.check("reduce psu by >= 10% against 2015-12-31")

Nothing here recomputes what another attribute already holds: each property is computed on first
use and kept.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import pandas as pd

from . import progress as P
from .dates import parse_date

DEFAULT_BASELINE = dt.date(2015, 12, 31)


class View:
    """One (timeline, as_of, baseline) state; attributes are computed once, on first use."""

    def __init__(self, tl, as_of, baseline=DEFAULT_BASELINE):
        self.timeline = tl
        self.as_of: dt.date = parse_date(as_of, "as-of date")
        self.baseline: dt.date = parse_date(baseline, "baseline")
        P._check_order(self.baseline, self.as_of)
        tl.day(self.baseline)  # refuses dates before the registry's start, once, here
        self._breakdowns: dict[str, pd.DataFrame] = {}

    @property
    def registry(self):
        return self.timeline.registry

    @cached_property
    def units(self) -> pd.DataFrame:
        """Units open at ``as_of`` (parent_id as of that date)."""
        return self.timeline.units_as_of(self.as_of)

    @cached_property
    def progress(self) -> pd.DataFrame:
        return P.progress(self.timeline, self.baseline, self.as_of)

    @cached_property
    def progress_json(self) -> dict:
        return P.progress_json(self.progress)

    def breakdown(self, by: str = "sector") -> pd.DataFrame:
        if by not in self._breakdowns:
            self._breakdowns[by] = P.breakdown(self.timeline, self.baseline, self.as_of, by=by)
        return self._breakdowns[by]

    @cached_property
    def trajectory(self) -> pd.DataFrame:
        return P.trajectory(self.timeline, last_year=max(self.as_of.year, self.timeline.last_event.year
                                                          if self.timeline.last_event else self.as_of.year))

    def check(self, target) -> "P.TargetResult":
        return P.check_target(self.timeline, target, self.as_of)
