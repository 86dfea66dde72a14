"""The state "as of D against B", computed once and read by everyone (CLI, figures, office
outputs, notebooks), in the manner of GerryChain's updaters.

>>> v = View(tl, as_of="2021-12-31", baseline="2015-12-31")
>>> v.as_of, v.baseline         # the dates travel with the view, never in DataFrame.attrs
>>> v.units                     # units open at as_of, parent and attributes in force then
>>> v.counts                    # {"agency": n, "psu": n, "all": n} at as_of
>>> v.progress                  # per kind: baseline, current, reduced, reduced_pct, opened, closed, closed_<type>
>>> v.reconciliation            # baseline + opened - closed = current, closures by event type
>>> v.breakdown("sector")       # cached per column (locality / district follow their lineage)
>>> v.count(kind="psu", where={"unit_type": "thcs"}, by="locality")
>>> v.check("reduce psu by >= 10% against 2015-12-31")

Nothing here recomputes what another attribute already holds: each property is computed on first
use and kept.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import numpy as np
import pandas as pd

from . import fmt as F
from . import progress as P
from .dates import parse_date
from .errors import InputError
from .i18n import _
from .timeline import match
from .vocab import CLOSED_BY, COUNTED_KINDS, DEFAULT_BASELINE, KINDS, LEVELS, Target, kinds_of  # noqa: F401

COUNT_FILTERS = {"level": "level", "type": "unit_type"}


def date_warnings(tl, as_of) -> list[str]:
    """What a reader should know about a date asked of ``tl`` (a date past its last event)."""
    d = parse_date(as_of, "as-of date")
    last = tl.last_event
    if last is not None and d > last:
        return [_("Note: {date} is after the registry's last event ({last}); the answer assumes nothing changed since.",
                  date=F.date(d), last=F.date(last))]
    return []


class View:
    """One (timeline, as_of, baseline) state; attributes are computed once, on first use."""

    def __init__(self, tl, as_of, baseline=DEFAULT_BASELINE):
        self.timeline = tl
        self.as_of: dt.date = parse_date(as_of, "as-of date")
        self.baseline: dt.date = parse_date(baseline if baseline is not None else DEFAULT_BASELINE, "baseline")
        P._check_order(self.baseline, self.as_of)
        tl.day(self.baseline)  # refuses dates before the registry's start, once, here
        self.day = tl.day(self.as_of)
        self._breakdowns: dict[str, pd.DataFrame] = {}
        self._checks: dict[str, P.TargetResult] = {}

    @property
    def registry(self):
        return self.timeline.registry

    @cached_property
    def warnings(self) -> list[str]:
        """What a reader should know about these dates (e.g. a date past the last event)."""
        return date_warnings(self.timeline, self.as_of)

    @cached_property
    def units(self) -> pd.DataFrame:
        """Units open at ``as_of`` (parent_id and attribute values as of that date)."""
        return self.timeline.units_as_of(self.as_of)

    @cached_property
    def counts(self) -> dict[str, int]:
        return self.timeline.counts(self.as_of)

    @cached_property
    def progress(self) -> pd.DataFrame:
        return P.progress_table(self.timeline, self.baseline, self.as_of)

    @cached_property
    def progress_json(self) -> dict:
        return P.progress_json(self.progress, self.baseline, self.as_of)

    @cached_property
    def reconciliation(self) -> pd.DataFrame:
        """Per kind: baseline, opened, closed by each event type, current (the check holds)."""
        p = self.progress
        cols = ["kind", "baseline", "opened"] + [f"closed_{t}" for t in CLOSED_BY] + ["closed", "current"]
        return p[cols].copy()

    def breakdown(self, by: str = "sector") -> pd.DataFrame:
        if by not in self._breakdowns:
            self._breakdowns[by] = P.breakdown(self.timeline, self.baseline, self.as_of, by=by)
        return self._breakdowns[by]

    def breakdown_json(self, by: str) -> dict:
        table = self.breakdown(by)
        rows = []
        for r in table.to_dict("records"):
            r = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
            rows.append({k: (int(v) if isinstance(v, (np.integer,)) else float(v) if isinstance(v, np.floating) else v) for k, v in r.items()})
        return {"column": by, "rows": rows}

    @cached_property
    def trajectory(self) -> pd.DataFrame:
        last = self.timeline.last_event
        return P.trajectory(self.timeline, last_year=max(self.as_of.year, last.year if last else self.as_of.year))

    def check(self, target) -> "P.TargetResult":
        """A target checked at ``as_of`` (a text target without a baseline uses this view's)."""
        key = str(target)
        if key not in self._checks:
            self._checks[key] = P.check_target(self.timeline, target, self.as_of, default_baseline=self.baseline)
        return self._checks[key]

    # ---------------------------------------------------------------- counting (orgmodel count)

    def select(self, kind: str | None = None, level: str | None = None, unit_type: str | None = None,
               where: dict | None = None) -> pd.DataFrame:
        """Units open at ``as_of`` matching every filter (attribute values in force then).
        ``kind`` None or ``any``: every kind; ``all``: agency + psu."""
        table = self.units
        if kind not in (None, "any"):
            table = table[table["kind"].isin(kinds_of(kind))]
        filters = dict(where or {})
        if level is not None:
            if level not in LEVELS:
                raise InputError(_("Unknown level '{level}'; use province, district or commune.", level=level))
            filters["level"] = level
        if unit_type is not None:
            if "unit_type" not in table.columns:
                raise InputError(_("Registry {name} has no unit_type column in units.csv, so it cannot count by type.",
                                   name=self.registry.name))
            known = getattr(self.registry, "unit_types", None)
            if known is not None and "unit_type" in getattr(known, "columns", ()) and unit_type not in set(known["unit_type"]):
                raise InputError(_("Unknown unit type '{type}': it is not in the registry's unit_types.csv.", type=unit_type))
            filters["unit_type"] = unit_type
        return table[match(table, filters)] if filters else table

    def count(self, kind: str | None = None, level: str | None = None, unit_type: str | None = None,
              where: dict | None = None, by: str | None = None) -> dict:
        """The ``orgmodel count`` answer: {"as_of", "count"} and, with ``by``, {"by": {value: n}}
        (keys sorted; an empty value is counted under "")."""
        table = self.select(kind, level, unit_type, where)
        out: dict = {"as_of": self.as_of.isoformat(), "count": int(len(table))}
        if by is not None:
            column = P.BY_ALIASES.get(by, by)
            if column not in table.columns or column == "line":
                raise InputError(_("Cannot count by '{by}': it is not a column of units.csv (e.g. kind, level, unit_type, sector, locality).", by=by))
            if column == "locality":
                values = pd.Series(P.group_values(self.timeline, "locality", self.baseline, self.as_of), index=self.timeline.units.index)
                values = values.reindex(table.index)
            else:
                values = table[column]
            text = values.astype(object).where(values.notna(), "").astype(str)
            counts = text.value_counts()
            out["by"] = {k: int(counts[k]) for k in sorted(counts.index)}
        return out
