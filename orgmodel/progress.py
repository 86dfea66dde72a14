"""Where a jurisdiction stands against its baseline: progress, reconciliation, breakdowns,
yearly trajectory and target checks (registry-format.md, "Counting and progress")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from .dates import ALWAYS, NEVER, day_number, from_day_number, parse_date
from . import fmt as F
from .errors import InputError
from .i18n import _
from .timeline import Timeline, match
from .vocab import CLOSED_BY, COUNTED_KINDS, KIND_ORDER, Target, kinds_of  # noqa: F401  (Target: the one class, re-exported)

PROGRESS_COLUMNS = ["kind", "baseline", "current", "reduced", "reduced_pct", "opened", "closed"] + [f"closed_{t}" for t in CLOSED_BY]
BY_ALIASES = {"district": "locality"}  # --by district: the locality, followed through its own lineage


def _check_order(baseline: dt.date, as_of: dt.date) -> None:
    if as_of < baseline:
        raise InputError(_("--as-of {as_of} is before --baseline {baseline}; give the later date as --as-of.",
                           as_of=F.date(as_of), baseline=F.date(baseline)))


def _flows(tl: Timeline, b: int, d: int, groups: np.ndarray | None = None) -> pd.DataFrame:
    """Per unit: open at B, open at D, opened in (B, D], closed in (B, D] and how."""
    life = tl.life
    op, cl = tl.open_day, tl.close_day
    frame = pd.DataFrame({
        "kind": tl.kind,
        "at_b": (op <= b) & (cl > b),
        "at_d": (op <= d) & (cl > d),
        "opened": (op > b) & (op <= d),
        "closed": (cl > b) & (cl <= d),
    }, index=life.index)
    for t in CLOSED_BY:
        frame[f"closed_{t}"] = frame["closed"] & (life["close_type"].to_numpy() == t)
    if groups is not None:
        frame["group"] = groups
    return frame[frame["kind"].isin(["agency", "psu"])]


def _summarise(flows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    cols = ["at_b", "at_d", "opened", "closed"] + [f"closed_{t}" for t in CLOSED_BY]
    g = flows.groupby(keys, sort=True)[cols].sum().astype(int)
    out = g.rename(columns={"at_b": "baseline", "at_d": "current"})
    out["reduced"] = out["baseline"] - out["current"]
    out["reduced_pct"] = np.where(out["baseline"] > 0, 100.0 * out["reduced"] / out["baseline"].where(out["baseline"] > 0, 1), np.nan)
    return out.reset_index()


def _dates(baseline, as_of) -> tuple[dt.date, dt.date]:
    b, d = parse_date(baseline, "baseline"), parse_date(as_of, "as-of date")
    _check_order(b, d)
    return b, d


def progress_table(tl: Timeline, baseline, as_of) -> pd.DataFrame:
    """Progress of ``as_of`` against ``baseline`` per kind (agency, psu, all), with the
    reconciliation ``baseline + opened - closed = current`` and closures by event type. The dates
    are the caller's (a :class:`~orgmodel.views.View` holds them), not the table's."""
    b, d = _dates(baseline, as_of)
    flows = _flows(tl, tl.day(b), tl.day(d))
    per_kind = _summarise(flows, ["kind"]).set_index("kind").reindex(["agency", "psu"], fill_value=0)
    total = per_kind.sum(numeric_only=True)
    per_kind.loc["all"] = total
    per_kind["reduced"] = per_kind["baseline"] - per_kind["current"]
    per_kind["reduced_pct"] = [100.0 * r / bl if bl else float("nan") for r, bl in zip(per_kind["reduced"], per_kind["baseline"])]
    out = per_kind.reset_index()[PROGRESS_COLUMNS]
    int_cols = [c for c in PROGRESS_COLUMNS if c not in ("kind", "reduced_pct")]
    out[int_cols] = out[int_cols].astype(int)
    return out


progress = progress_table  # the older name; dates travel with a View, never in DataFrame.attrs


def progress_json(table: pd.DataFrame, baseline, as_of) -> dict:
    """The contract's JSON object for ``orgmodel status --format json``."""
    baseline = parse_date(baseline, "baseline")
    as_of = parse_date(as_of, "as-of date")
    rows = []
    for r in table.itertuples(index=False):
        rows.append({
            "kind": r.kind,
            "baseline": int(r.baseline),
            "current": int(r.current),
            "reduced": int(r.reduced),
            "reduced_pct": None if pd.isna(r.reduced_pct) else float(r.reduced_pct),
            "opened": int(r.opened),
            "closed": int(r.closed),
            "closed_by": {t: int(getattr(r, f"closed_{t}")) for t in CLOSED_BY},
        })
    return {"baseline": baseline.isoformat(), "as_of": as_of.isoformat(), "rows": rows}


def group_values(tl: Timeline, by: str, b: dt.date, d: dt.date) -> np.ndarray:
    """Per unit (by position), the group a breakdown by ``by`` puts it in: the value in force at
    ``d`` (or on its last open day when it closed before); ``locality`` (and ``district``) follow
    the locality's own lineage to ``d``; ``parent_id`` is the manager at the baseline."""
    column = BY_ALIASES.get(by, by)
    if column not in tl.units.columns or column in ("unit_id", "line"):
        raise InputError(_("Cannot break down by {by}; use one of: sector, level, locality, district, unit_type, parent_id "
                           "or an extra column of units.csv.", by=repr(by)))
    if column == "parent_id":
        return tl.parents_as_of(b).reindex(tl.units.index).fillna("").to_numpy(dtype=object)
    days = tl.last_open_day(tl.day(d))
    values = pd.Series(tl.attribute(column, days), index=tl.units.index)
    if column == "locality":
        from .lineage import locality_labels

        return locality_labels(tl, values, d)
    return values.astype(str).to_numpy(dtype=object)


def breakdown(tl: Timeline, baseline, as_of, by: str = "sector") -> pd.DataFrame:
    """Progress per kind and per value of a unit column (``sector``, ``level``, ``locality`` …);
    attribute values as in force at ``as_of``; localities followed through their lineage."""
    b, d = _dates(baseline, as_of)
    groups = group_values(tl, by, b, d)
    flows = _flows(tl, tl.day(b), tl.day(d), groups)
    out = _summarise(flows, ["kind", "group"]).rename(columns={"group": by})
    out = out[(out["baseline"] > 0) | (out["current"] > 0) | (out["opened"] > 0)]
    return out[["kind", by, "baseline", "current", "reduced", "reduced_pct", "opened", "closed"]].reset_index(drop=True)


def trajectory(tl: Timeline, first_year: int | None = None, last_year: int | None = None) -> pd.DataFrame:
    """Count per kind at each 31 December (the year-end figures planners report)."""
    first = first_year or (tl.registry.start.year if tl.registry.start else (max(1, tl.first_event.year - 1) if tl.first_event else dt.date.today().year))
    last = last_year or (tl.last_event.year if tl.last_event else first)
    if last < first:
        raise InputError(_("Trajectory years run backwards ({first} to {last}).", first=first, last=last))
    if not (1 <= first <= 9999 and 1 <= last <= 9999):
        raise InputError(_("Trajectory years must lie between 1 and 9999 (got {first} to {last}).", first=first, last=last))
    ends = np.array([day_number(dt.date(y, 12, 31)) for y in range(first, last + 1)], dtype=np.int64)
    if len(ends):
        tl.day(from_day_number(int(ends[0])))  # refuses years before the registry's start
    rows = {"date": [from_day_number(int(x)) for x in ends], "year": list(range(first, last + 1))}
    for k in COUNTED_KINDS:  # counts at every year end at once: sorted open / close days
        sel = tl.kind == k
        op, cl = np.sort(tl.open_day[sel]), np.sort(tl.close_day[sel])
        rows[k] = (np.searchsorted(op, ends, side="right") - np.searchsorted(cl, ends, side="right")).astype(int).tolist()
    out = pd.DataFrame(rows, columns=["date", "year", "agency", "psu"])
    out["all"] = out["agency"] + out["psu"]
    return out[["date", "year", "agency", "psu", "all"]]


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class TargetResult:
    target: Target
    as_of: dt.date
    baseline_count: int
    current: int
    reduced: int
    required: int
    met: bool
    first_met: dt.date | None

    def to_dict(self) -> dict:
        t = self.target
        return {
            "target": str(t), "kind": t.kind, "reduce_pct": None if t.reduce_pct is None else float(t.reduce_pct),
            "baseline_date": t.baseline.isoformat(), "as_of": self.as_of.isoformat(),
            "baseline": self.baseline_count, "current": self.current, "reduced": self.reduced,
            "required_reduction": self.required, "met": self.met,
            "first_met": self.first_met.isoformat() if self.first_met else None,
        }


_TARGET = re.compile(
    r"^\s*(?:reduce\s+)?(?P<kind>agency|psu|all)\s+(?:by\s+)?(?:>=\s*|at\s+least\s+)?(?P<pct>\d+(?:[.,]\d+)?)\s*%"
    r"(?:\s+(?:against|vs\.?|from)\s+(?P<base>\S+))?\s*$",
    re.IGNORECASE,
)


def parse_target(text: str, default_baseline=None) -> Target:
    """Parse ``"reduce psu by >= 10% against 2015-12-31"`` (or ``"psu 10%"`` with a default baseline)."""
    m = _TARGET.match(text)
    if not m:
        raise InputError(_("Cannot read target {text}; write it like \"reduce psu by >= 10% against 2015-12-31\".",
                           text=repr(text)))
    base = m["base"] or default_baseline
    if base is None:
        raise InputError(_("Target {text} names no baseline; add \"against YYYY-MM-DD\".", text=repr(text)))
    return Target(kind=m["kind"].lower(), reduce_pct=Fraction(m["pct"].replace(",", ".")), baseline=parse_date(base, "target baseline"))


def required_reduction(pct: Fraction, baseline_count: int) -> int:
    """Smallest whole reduction r with 100 * r >= pct * baseline (exact arithmetic)."""
    return Target(kind="all", baseline=dt.date(2000, 1, 1), reduce_pct=Fraction(pct)).required(baseline_count)


def check_target(tl: Timeline, target: Target | str, as_of, default_baseline=None) -> TargetResult:
    """Is the target met at ``as_of``, and on which date was it first met (the first event date
    after the baseline, and not after ``as_of``, at which the reduction was enough)?"""
    if isinstance(target, str):
        target = parse_target(target, default_baseline)
    d = parse_date(as_of, "as-of date")
    _check_order(target.baseline, d)
    where = target.where or None
    base = tl.count(target.kind, target.baseline, where)
    need = target.required(base)
    cur = tl.count(target.kind, d, where)
    first = None
    sel = np.isin(tl.kind, kinds_of(target.kind))
    b, dd = tl.day(target.baseline), tl.day(d)
    days = np.union1d(tl.open_day[sel], tl.close_day[sel])
    if where:  # attribute changes can move units in or out of the filter
        days = np.union1d(days, tl._attrs["start"].to_numpy(np.int64))
    days = days[(days > b) & (days <= dd) & (days != NEVER) & (days != ALWAYS)]
    if base - need >= base:
        first = target.baseline  # a 0 % target holds at the baseline itself
    elif len(days) and not where:
        op = np.sort(tl.open_day[sel])
        cl = np.sort(tl.close_day[sel])
        counts = np.searchsorted(op, days, side="right") - np.searchsorted(cl, days, side="right")
        hits = np.nonzero(base - counts >= need)[0]
        if len(hits):
            first = from_day_number(days[hits[0]])
    elif len(days):
        for x in days:
            if base - tl.count(target.kind, from_day_number(int(x)), where) >= need:
                first = from_day_number(int(x))
                break
    return TargetResult(target, d, base, cur, base - cur, need, base - cur >= need, first)
