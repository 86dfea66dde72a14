"""A first plan before the solver starts: the cheapest moves, taken one by one while every rule
still holds, until every target is met (a greedy start).

It serves when the exact solve cannot finish: a national model of a million candidate merges whose
LP relaxation alone outlasts the time limit ends ``feasible`` with this plan instead of
``unknown``, and HiGHS starts its branch and bound from it. Whatever the greedy picks is checked
against the model's own rows (:meth:`Model.feasible`) before it is used, so a plan the model
refuses is never returned; it is never called optimal.

Rules kept while picking: a unit is absorbed at most once; a unit that absorbs is never absorbed
(stars); ``max_staff`` on the absorbing unit; ``keep_per`` (a group keeps one unit standing);
in the aggregated formulation a merge group keeps one unit standing; pinned merges are taken first.
``min_staff`` asks where every small unit goes, which a greedy cannot promise: no start then.
"""

from __future__ import annotations

import numpy as np

from .model import Model, keep_groups


def greedy_plan(model: Model) -> np.ndarray | None:
    """A column vector meeting every row of ``model`` (a minimum-cost model: targets as rows),
    or None when the greedy finds none or the model is not one it knows."""
    inst = model.instance
    scn = inst.scenario
    if model.maximise or "waive" in model.extra or "hub" not in model.extra or scn.rules.min_staff is not None:
        return None
    moves, n = inst.moves, inst.n_units
    if not len(moves) or not model.target_rows:
        return None
    pairs = inst.mode == "pairs"
    u = moves["u"].to_numpy(dtype=np.int64)
    v = moves["v"].to_numpy(dtype=np.int64) if pairs else np.full(len(moves), -1, dtype=np.int64)
    staff = inst.staff.astype(np.float64)
    order_t = sorted(model.target_rows)
    need = np.array([max(model.row_lo[model.target_rows[t]], 0.0) for t in order_t])
    members = np.array([inst.targets[t].members for t in order_t], dtype=bool).reshape(len(order_t), n)

    absorbed, hub = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    intake = staff.copy()
    got = np.zeros(len(order_t))
    keep = keep_groups(inst) if scn.rules.keep_per else None
    keep_left = np.bincount(keep).astype(np.int64) if keep is not None else None
    group_left = None
    if not pairs:
        g = inst.group
        group_left = np.bincount(g[g >= 0]).astype(np.int64) if (g >= 0).any() else np.zeros(0, dtype=np.int64)
    chosen = np.zeros(len(moves), dtype=bool)

    def take(j: int) -> None:
        a, b = int(u[j]), int(v[j])
        chosen[j] = True
        absorbed[a] = True
        got[:] += members[:, a]
        if keep_left is not None:
            keep_left[keep[a]] -= 1
        if group_left is not None and inst.group[a] >= 0:
            group_left[inst.group[a]] -= 1
        if b >= 0:
            hub[b] = True
            intake[b] += staff[a]

    for j in np.flatnonzero(inst.pinned()):  # the planner's merges first (the model's lower bounds)
        take(int(j))
    cap = scn.rules.max_staff
    useful = members[:, u].any(axis=0) if len(order_t) else np.zeros(len(moves), dtype=bool)
    cost = moves["cost"].to_numpy(dtype=np.float64)
    order = np.lexsort((np.arange(len(moves)), cost))  # cheapest first, ties by row: reproducible
    for j in order[useful[order]].tolist():
        open_need = got < need - 1e-9
        if not open_need.any():
            break
        a, b = int(u[j]), int(v[j])
        if chosen[j] or absorbed[a] or hub[a] or not (members[:, a] & open_need).any():
            continue
        if b >= 0 and (absorbed[b] or (cap is not None and intake[b] + staff[a] > cap)):
            continue
        if keep_left is not None and keep_left[keep[a]] <= 1:
            continue
        if group_left is not None and inst.group[a] >= 0 and group_left[inst.group[a]] <= 1:
            continue
        take(j)
    if (got < need - 1e-9).any():
        return None
    col = np.zeros(model.n_cols)
    col[model.decision[chosen]] = 1.0
    h = model.extra["hub"]
    col[h[hub & (h >= 0)]] = 1.0
    return col if model.feasible(col) else None


def cost_bound(model: Model) -> float | None:
    """A lower bound on the least cost of a minimum-cost ``model``: for each target, the pinned
    merges' cost plus the cheapest moves of as many further member units as it still needs (each
    unit at its cheapest move, as if every unit could go to its cheapest partner); the largest
    over the targets. Gives a start plan its gap when no solver proved a better bound."""
    inst = model.instance
    if model.maximise or not model.target_rows or not len(inst.moves):
        return None
    u = inst.moves["u"].to_numpy(dtype=np.int64)
    cost = inst.moves["cost"].to_numpy(dtype=np.float64)
    pinned = inst.pinned()
    fixed = float(cost[pinned].sum())
    cheapest = np.full(inst.n_units, np.inf)
    np.minimum.at(cheapest, u, cost)
    taken = np.zeros(inst.n_units, dtype=bool)
    taken[u[pinned]] = True
    best = fixed
    for t, row in sorted(model.target_rows.items()):
        members = inst.targets[t].members
        still = int(np.ceil(max(model.row_lo[row], 0.0) - np.count_nonzero(members & taken) - 1e-9))
        if still <= 0:
            continue
        pool = np.sort(cheapest[members & ~taken & np.isfinite(cheapest)])
        if pool.size < still:
            return None  # the target cannot be met at all: no bound to speak of
        best = max(best, fixed + float(pool[:still].sum()))
    return best
