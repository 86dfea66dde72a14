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

import time

import numpy as np

from .model import Model, keep_groups


def greedy_plan(model: Model, deadline: float | None = None) -> np.ndarray | None:
    """A column vector meeting every row of ``model`` (a minimum-cost model: targets as rows),
    or None when the greedy finds none, the model is not one it knows, or ``deadline`` (a
    ``time.perf_counter()`` value) passes first."""
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
    if len(order_t) > 62:  # each unit's targets are the bits of one integer
        return None
    need = [int(np.ceil(max(model.row_lo[model.target_rows[t]], 0.0) - 1e-9)) for t in order_t]
    members = np.array([inst.targets[t].members for t in order_t], dtype=bool).reshape(len(order_t), n)
    movable = np.zeros(n, dtype=bool)
    movable[u] = True
    if ((members & movable).sum(axis=1) < need).any():
        return None  # a target has fewer units that can move than it needs: no plan at all
    # the inner loop runs over up to a million moves: plain lists, and each unit's targets as bits
    bits = (members.astype(np.int64) << np.arange(len(order_t), dtype=np.int64)[:, None]).sum(axis=0).tolist()
    unmet = sum(1 << k for k, x in enumerate(need) if x > 0)
    got = [0] * len(order_t)
    absorbed, hub = [False] * n, [False] * n  # (hub: the unit has absorbed another)
    intake, staff_l = staff.tolist(), staff.tolist()
    keep = keep_groups(inst).tolist() if scn.rules.keep_per else None
    keep_left = np.bincount(keep).tolist() if keep is not None else None
    group = inst.group.tolist()
    group_left = None
    if not pairs:
        g = inst.group
        group_left = np.bincount(g[g >= 0]).tolist() if (g >= 0).any() else []
    u_l, v_l = u.tolist(), v.tolist()
    chosen = np.zeros(len(moves), dtype=bool)

    def take(j: int) -> int:
        """Make move j; returns the bits of the targets still unmet."""
        a, b = u_l[j], v_l[j]
        chosen[j] = True
        absorbed[a] = True
        left = 0
        for k in range(len(got)):
            got[k] += (bits[a] >> k) & 1
            if got[k] < need[k]:
                left |= 1 << k
        if keep_left is not None:
            keep_left[keep[a]] -= 1
        if group_left is not None and group[a] >= 0:
            group_left[group[a]] -= 1
        if b >= 0:
            hub[b] = True
            intake[b] += staff_l[a]
        return left

    for j in np.flatnonzero(inst.pinned()).tolist():  # the planner's merges first (the model's lower bounds)
        unmet = take(j)
    cap = scn.rules.max_staff
    useful = members[:, u].any(axis=0) if len(order_t) else np.zeros(len(moves), dtype=bool)
    cost = moves["cost"].to_numpy(dtype=np.float64)
    order = np.lexsort((np.arange(len(moves)), cost))  # cheapest first, ties by row: reproducible
    for step, j in enumerate(order[useful[order]].tolist()):
        if not unmet:
            break
        if deadline is not None and step % 4096 == 4095 and time.perf_counter() > deadline:
            return None
        a, b = u_l[j], v_l[j]
        if absorbed[a] or hub[a] or not bits[a] & unmet:
            continue
        if b >= 0 and (absorbed[b] or (cap is not None and intake[b] + staff_l[a] > cap)):
            continue
        if keep_left is not None and keep_left[keep[a]] <= 1:
            continue
        if group_left is not None and group[a] >= 0 and group_left[group[a]] <= 1:
            continue
        unmet = take(j)
    if unmet:
        return None
    col = plan_columns(model, chosen)
    return col if model.feasible(col) else None


def plan_columns(model: Model, chosen: np.ndarray) -> np.ndarray:
    """The column vector of a minimum-cost model for the decision rows marked in ``chosen``: x
    of those moves, and h of every unit they make absorb (pair decisions)."""
    inst = model.instance
    col = np.zeros(model.n_cols)
    col[model.decision[chosen]] = 1.0
    h = model.extra.get("hub")
    if h is not None and inst.mode == "pairs":
        into = np.unique(inst.moves["v"].to_numpy()[chosen])
        into = into[h[into] >= 0]
        col[h[into]] = 1.0
    return col


def nearest_moves(inst, k: int, keep: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``inst.moves`` to keep in a restricted model: each unit's ``k`` least costly moves
    (ties by row), every pinned move, and the rows marked in ``keep`` (a plan that must stay
    possible). Sorted row numbers."""
    moves = inst.moves
    cost = moves["cost"].to_numpy(dtype=np.float64)
    u = moves["u"].to_numpy(dtype=np.int64)
    order = np.lexsort((np.arange(len(moves)), cost, u))  # by unit, then cost, then row
    first = np.r_[0, np.flatnonzero(np.diff(u[order])) + 1]
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    mask = np.zeros(len(moves), dtype=bool)
    mask[order[rank < k]] = True
    mask |= inst.pinned()
    if keep is not None:
        mask |= keep
    return np.flatnonzero(mask)


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
    if (cost < 0).any():
        return None  # a negative cost may pay for extra merges: the count of needed ones bounds nothing
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
