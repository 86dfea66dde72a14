"""The data behind the figures and tables, read from one computed state (:class:`~orgmodel.views.View`)
or a solved scenario; nothing here draws or formats."""

from __future__ import annotations

import pandas as pd

from .. import progress as P
from ..dates import parse_date
from ..views import View

KIND_ORDER = ("agency", "psu", "all")


def as_view(state, baseline=None, as_of=None) -> View:
    """``state`` if it is a :class:`View` (for the same dates), else a View of a timeline."""
    if isinstance(state, View):
        if (baseline is None or parse_date(baseline) == state.baseline) and (as_of is None or parse_date(as_of) == state.as_of):
            return state
        return View(state.timeline, as_of if as_of is not None else state.as_of,
                    baseline if baseline is not None else state.baseline)
    return View(state, as_of, baseline) if baseline is not None else View(state, as_of)


def reconciliation_steps(tl, baseline=None, as_of=None, kind: str = "all") -> pd.DataFrame:
    """The steps of the waterfall for one kind: step, value (signed), start and end level.

    baseline, -merge, -consolidate, -split, -dissolve, +opened, current; the last level equals
    the count at ``as_of`` (registry-format.md: baseline + opened - closed = current)."""
    row = as_view(tl, baseline, as_of).progress.set_index("kind").loc[kind]
    steps = [("baseline", int(row["baseline"]))]
    steps += [(t, -int(row[f"closed_{t}"])) for t in P.CLOSED_BY]
    steps += [("opened", int(row["opened"]))]
    out, level = [], 0
    for i, (step, value) in enumerate(steps):
        start = 0 if i == 0 else level
        level = value if i == 0 else level + value
        out.append({"step": step, "value": value, "start": start, "end": level})
    out.append({"step": "current", "value": int(row["current"]), "start": 0, "end": int(row["current"])})
    return pd.DataFrame(out)


def trajectory_table(tl, baseline=None, as_of=None) -> pd.DataFrame:
    """Year-end counts from the baseline's year to ``as_of``'s year, with the change against the
    baseline count per kind: columns year, date, kind, count, reduced, change_pct."""
    v = as_view(tl, baseline, as_of)
    b, d = v.baseline, v.as_of
    traj = P.trajectory(v.timeline, b.year, d.year)
    base = v.progress.set_index("kind")["baseline"].astype(int).to_dict()
    rows = []
    for r in traj.itertuples(index=False):
        for k in KIND_ORDER:
            n = int(getattr(r, k))
            bl = base[k]
            rows.append({"year": r.year, "date": r.date, "kind": k, "count": n, "reduced": bl - n,
                         "change_pct": 100.0 * (n - bl) / bl if bl else float("nan")})
    return pd.DataFrame(rows)


def breakdown_table(tl, baseline=None, as_of=None, by: str = "sector", kind: str = "all") -> pd.DataFrame:
    """Counts per value of ``by`` at the baseline and at ``as_of`` for one kind (or all), sorted
    by baseline count (largest first), then by name: columns group, baseline, current, reduced,
    reduced_pct."""
    table = as_view(tl, baseline, as_of).breakdown(by)
    if kind != "all":
        table = table[table["kind"] == kind]
    g = table.groupby(by, sort=True)[["baseline", "current"]].sum().reset_index().rename(columns={by: "group"})
    g["reduced"] = g["baseline"] - g["current"]
    g["reduced_pct"] = [100.0 * r / b if b else float("nan") for r, b in zip(g["reduced"], g["baseline"])]
    return g.sort_values(["baseline", "group"], ascending=[False, True], kind="stable").reset_index(drop=True)


def plan_units(sol) -> pd.DataFrame:
    """Units open at the scenario's ``plan_from`` whose kind may move, with ``absorbed`` (True
    when the plan merges them into another unit) and ``into_id``."""
    scn = sol.scenario
    units = scn.timeline.units_as_of(scn.plan_from)
    units = units[units["kind"].isin(list(scn.movable))].copy()
    into = sol.plan.set_index("unit_id")["into_id"] if len(sol.plan) else pd.Series(dtype=object)
    units["into_id"] = into.reindex(units.index).fillna("").to_numpy(dtype=object)
    units["absorbed"] = units["into_id"] != ""
    return units


def plan_table(sol, by: str = "sector") -> pd.DataFrame:
    """Per value of ``by``: units of the movable kinds at ``plan_from`` (baseline), after the plan
    (current), reduced, reduced_pct; sorted like :func:`breakdown_table`."""
    units = plan_units(sol)
    g = units.groupby(units[by].astype(str), sort=True).agg(baseline=("absorbed", "size"), reduced=("absorbed", "sum"))
    g = g.reset_index().rename(columns={by: "group"})
    g["reduced"] = g["reduced"].astype(int)
    g["current"] = g["baseline"] - g["reduced"]
    g["reduced_pct"] = 100.0 * g["reduced"] / g["baseline"]
    g = g[["group", "baseline", "current", "reduced", "reduced_pct"]]
    return g.sort_values(["baseline", "group"], ascending=[False, True], kind="stable").reset_index(drop=True)


FRONTIER_ALIASES = {"reduction_pct": ("reduction_pct", "pct"), "min_cost": ("min_cost", "cost")}


def frontier_column(front: pd.DataFrame, name: str) -> pd.Series:
    for c in FRONTIER_ALIASES.get(name, (name,)):
        if c in front.columns:
            return front[c]
    raise KeyError(f"frontier table has no {name!r} column (columns: {', '.join(front.columns)})")
