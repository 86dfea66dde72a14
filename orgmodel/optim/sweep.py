"""The frontier: the minimum cost of reaching each reduction of one target, every point proven.

Exact by decomposition. Ignoring the other targets, the model's rows couple its columns only
through the swept target's row: every other row (absorbed once, star, max_staff, min_staff,
keep_per, pins as bounds) lies inside one *block*, a connected component of the graph joining
the columns that share a row. So:

1. each block b gets its exact curve f_b(k) = the least cost at which the block absorbs at least
   k units counting for the target, for k = 0, 1, ... until the block cannot absorb more (a
   small MILP per level, on one HiGHS model whose target-row bound moves; a level whose plan
   absorbs more than k fills the levels up to what it absorbed: f is nondecreasing);
2. the blocks are combined exactly by a knapsack over blocks (min-plus convolution of the
   curves): F(j) = the least cost of absorbing at least j target units overall, with the level
   each block takes, so every point has its plan;
3. a point at reduction r needs j = r - (reduction already reached at plan_from) units.

A target with a ``where`` filter counts only its members: the knapsack runs over that count.
The maximum (the curve's end) comes out of the same curves. When a block solve is stopped by the
time limit, the decomposition is no longer exact: the frontier falls back to one full MILP per
point (each point's own status) and says so (``FrontierAnswer.method``).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..i18n import _
from ..scenario import Scenario
from .answers import (STATUS_WORDS, Clock, DECIMALS, _seconds, absorbed_mask, max_absorbable, members_absorbed,
                      plan_table, rules_feasible)
from .model import INF, Instance, Log, Model, blocking_units, build_model, prepare, quiet
from .solvers import STATUS_INFEASIBLE, STATUS_OPTIMAL, STATUS_UNKNOWN, HighsRun, cap_threads, run_solver

FRONTIER_COLUMNS = ["reduction", "reduction_pct", "min_cost", "merges", "status"]
DEFAULT_FRONTIER_STEPS = 25


@dataclass
class FrontierAnswer:
    """The frontier table and how it was obtained. ``table`` has FRONTIER_COLUMNS then one
    ``meets_<i>`` column per target of the scenario (does the point's plan meet target i?).
    ``why`` says why the table is empty; ``method`` is ``decomposition`` (every point proven by
    block curves), ``per-point`` (one full MILP per point) or ``none``."""

    table: pd.DataFrame
    method: str
    why: str | None = None
    max_reduction: int | None = None
    blocks: int = 0
    solves: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def frontier_points(max_reduction: int, steps: int | None = None, extra: tuple[int, ...] = ()) -> list[int]:
    """Reductions to evaluate: every integer 0..max when there are at most ``steps``+1 of them,
    else ``steps`` evenly spaced intervals (0 and the max included); plus the ``extra`` points in
    that range (the required reductions and the reduction already reached at plan_from)."""
    steps = DEFAULT_FRONTIER_STEPS if steps is None else max(int(steps), 1)
    if max_reduction <= 0:
        return [0]
    if max_reduction <= steps:
        return list(range(max_reduction + 1))
    points = set(np.round(np.linspace(0, max_reduction, steps + 1)).astype(int).tolist())
    points.update(int(e) for e in extra if 0 < e < max_reduction)
    return sorted(points)


def empty_table(n_targets: int) -> pd.DataFrame:
    cols = {c: pd.Series(dtype=t) for c, t in zip(FRONTIER_COLUMNS, ["int64", "float64", "float64", "int64", object])}
    cols.update({f"meets_{i + 1}": pd.Series(dtype=bool) for i in range(n_targets)})
    return pd.DataFrame(cols)


# ---------------------------------------------------------------- blocks


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of the graph on 0..n-1 with edges (a[i], b[i]): a label per node
    (min-label propagation with pointer jumping, vectorised), numbered 0.. in node order."""
    lab = np.arange(n)
    while True:
        m = np.minimum(lab[a], lab[b])
        new = lab.copy()
        np.minimum.at(new, a, m)
        np.minimum.at(new, b, m)
        new = new[new]
        if np.array_equal(new, lab):
            break
        lab = new
    return np.unique(lab, return_inverse=True)[1]


def blocks_of(model: Model, skip_rows: list[int]) -> np.ndarray:
    """Block label of every column: connected through any row but ``skip_rows``."""
    rows = model.row_of()
    keep = ~np.isin(rows, skip_rows)
    r, c = rows[keep], model.index[keep].astype(np.int64)
    same = np.flatnonzero(r[1:] == r[:-1])  # consecutive entries of one row
    return components(model.n_cols, c[same], c[same + 1])


def sub_model(model: Model, cols: np.ndarray, rows: np.ndarray, target: np.ndarray) -> Model:
    """The block's own model: its columns and rows, plus the target row restricted to it (last)."""
    local = np.full(model.n_cols, -1, dtype=np.int64)
    local[cols] = np.arange(cols.size)
    lens = model.start[rows + 1] - model.start[rows]
    take = np.repeat(model.start[rows], lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
    t_cols = np.flatnonzero(target[cols] != 0)
    index = np.r_[local[model.index[take]], t_cols].astype(np.int32)
    value = np.r_[model.value[take], target[cols][t_cols]]
    start = np.zeros(rows.size + 2, dtype=np.int64)
    np.cumsum(np.r_[lens, t_cols.size], out=start[1:])
    dec_of_col = np.full(model.n_cols, -1, dtype=np.int64)
    dec_of_col[model.decision] = np.arange(model.decision.size)
    dec = dec_of_col[cols]
    keep = np.flatnonzero(dec >= 0)
    return Model(instance=model.instance, cost=model.cost[cols], lb=model.lb[cols].copy(), ub=model.ub[cols].copy(),
                 integer=model.integer[cols], start=start, index=index, value=value,
                 row_lo=np.r_[model.row_lo[rows], 0.0], row_hi=np.r_[model.row_hi[rows], INF],
                 row_family=np.r_[model.row_family[rows], np.array(["target"], dtype=object)],
                 col_family=model.col_family[cols], maximise=False, target_rows={0: rows.size},
                 decision=keep, absorbs=model.absorbs[dec[keep]], extra={"decisions": dec[keep]})


@dataclass
class Curve:
    """A block's exact curve: cost[k] = least cost absorbing >= k target units (k <= top), and
    the plan (global decision indices set to 1) at each level. ``resume`` is the level a worker
    stopped at (its LP was fractional: the branch and bound is left to the calling thread)."""

    cost: list
    plans: list
    solves: int
    resume: int | None = None


def zero_level(sub: Model) -> bool:
    """True when level 0 needs no solve: every column at its lower bound 0 meets every row and
    no cost is negative, so the least cost of absorbing nothing is 0 with an empty plan."""
    if (sub.lb != 0).any() or (sub.cost < 0).any():
        return False
    tr = sub.target_rows[0]
    rows = np.r_[np.arange(tr), np.arange(tr + 1, sub.n_rows)]
    return bool((sub.row_lo[rows] <= 1e-9).all() and (sub.row_hi[rows] >= -1e-9).all())


def block_curve(sub: Model, dec_global: np.ndarray, clock: Clock, threads, name: str, *,
                runner: HighsRun | None = None, curve: Curve | None = None, lp_only: bool = False) -> Curve | None:
    """Solve the block at k = 0, 1, ... (skipping levels a plan already reaches) until a level is
    infeasible; None when a solve is stopped by the time limit (the curve would not be exact).
    ``curve`` continues a curve a worker left at ``curve.resume``; with ``lp_only`` a fractional
    LP stops the walk there (``resume``) instead of running a branch and bound."""
    tr = sub.target_rows[0]
    t_idx, t_val = sub.index[sub.start[tr]:sub.start[tr + 1]], sub.value[sub.start[tr]:sub.start[tr + 1]]
    top = min(int(t_val.sum()), sub.extra.get("top", np.inf))
    if runner is None and name == "highs":
        runner = HighsRun(sub, threads)
    if curve is None:
        curve = Curve([], [], 0)
        if zero_level(sub):
            curve.cost.append(0.0)
            curve.plans.append(dec_global[:0])
    k, curve.resume = len(curve.cost), None
    while k <= top:
        if runner is not None:
            runner.set_row_lower(tr, float(k))
            res = runner.solve(clock.left(), keep_lp=True, lp_only=lp_only)
            if res is None:  # a fractional LP in a worker thread: the caller branches
                curve.resume = k
                return curve
        else:
            sub.row_lo[tr] = float(k)
            res = run_solver(sub, name=name, time_limit=clock.left(), threads=threads)
        curve.solves += 1
        if res.status == STATUS_INFEASIBLE:
            break
        if res.status != STATUS_OPTIMAL:
            return None
        got = max(int(round(float(res.col[t_idx] @ t_val))), k)
        plan = dec_global[res.values]
        curve.cost.extend([res.objective] * (got - k + 1))
        curve.plans.extend([plan] * (got - k + 1))
        k = got + 1
    return curve


def knapsack(curves: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Min-plus convolution of nondecreasing curves: F[j] = least total cost with block levels
    summing to j, and per block the level it takes at each j of the running total."""
    F = np.zeros(1)
    choices = []
    for f in curves:
        if not f.size or not F.size:  # a block (or the total) with no feasible level
            F = np.zeros(0)
            choices.append(np.zeros(0, dtype=np.int64))
            continue
        s = F[:, None] + f[None, :]
        j = (np.arange(F.size)[:, None] + np.arange(f.size)[None, :]).ravel()
        k = np.broadcast_to(np.arange(f.size)[None, :], s.shape).ravel()
        s = s.ravel()
        order = np.lexsort((k, s, j))  # per total j: least cost, then the lowest level (deterministic)
        first = np.r_[True, j[order][1:] != j[order][:-1]]
        best = order[first]
        F = s[best]
        choices.append(k[best])
    return F, choices


class Combined:
    """The knapsack over block curves, with the plan behind each total."""

    def __init__(self, curves: list[Curve]):
        self.curves = curves
        self.F, self.choices = knapsack([np.asarray(c.cost, dtype=np.float64) for c in curves])
        self.top = self.F.size - 1

    def best(self, need: int) -> tuple[float, np.ndarray] | None:
        """Least cost of absorbing at least ``need`` target units, and the decisions set to 1."""
        need = max(need, 0)
        if need > self.top:
            return None
        tail = self.F[need:]
        j = need + int(np.argmin(tail))  # first minimum: fewest units beyond need at equal cost
        levels = []
        for b in range(len(self.curves) - 1, -1, -1):  # backtrack through the running totals
            k = int(self.choices[b][j])
            levels.append(k)
            j -= k
        levels.reverse()
        plans = [c.plans[k] for c, k in zip(self.curves, levels)]
        chosen = np.concatenate(plans) if plans else np.empty(0, dtype=np.int64)
        return float(tail.min()), chosen


def decompose(inst: Instance, target: int, clock: Clock, log: Log) -> tuple[Combined | None, int, int]:
    """Block curves and their knapsack; (None, blocks, solves) when a block was not solved exactly."""
    opts = inst.scenario.solver
    model = build_model(inst, targets=[target])
    tr = model.target_rows[target]
    model.set_target(target, 0)
    label = blocks_of(model, [tr])
    n_blocks = int(label.max()) + 1 if label.size else 0
    target_coef = np.zeros(model.n_cols)
    np.add.at(target_coef, model.index[model.start[tr]:model.start[tr + 1]], model.value[model.start[tr]:model.start[tr + 1]])
    rows = np.setdiff1d(np.arange(model.n_rows), [tr])
    first_col = model.index[model.start[rows]].astype(np.int64)
    empty = model.start[rows + 1] == model.start[rows]
    if ((model.row_lo[rows[empty]] > 1e-9) | (model.row_hi[rows[empty]] < -1e-9)).any():
        return Combined([Curve([], [], 0)]), n_blocks, 0  # a constant row that fails: nothing feasible
    row_block = np.where(empty, -1, label[np.where(empty, 0, first_col)])
    col_order = np.argsort(label, kind="stable")
    col_starts = np.searchsorted(label[col_order], np.arange(n_blocks + 1))
    row_order = rows[np.argsort(row_block, kind="stable")]
    row_starts = np.searchsorted(row_block[np.argsort(row_block, kind="stable")], np.arange(n_blocks + 1))
    log(_("frontier by decomposition: {n} independent block(s)", n=n_blocks))
    subs = []
    for b in range(n_blocks):
        cols = col_order[col_starts[b]:col_starts[b + 1]]
        brows = np.sort(row_order[row_starts[b]:row_starts[b + 1]])
        if not target_coef[cols].any() and not brows.size and (model.cost[cols] >= 0).all():
            continue  # free columns that count for nothing: all at their lower bound (0)
        sub = sub_model(model, cols, brows, target_coef)
        if inst.mode == "pairs":
            sub.extra["top"] = star_bound(inst, sub)
        subs.append(sub)
    curves = block_curves(subs, clock, opts.threads, opts.name)
    solves = sum(c.solves for c in curves if c is not None)
    if any(c is None for c in curves):
        return None, n_blocks, solves
    for curve in curves:
        if not curve.cost:  # the block cannot meet the rules even at level 0
            return Combined([curve]), n_blocks, solves
    return Combined(curves), n_blocks, solves


def star_bound(inst: Instance, sub: Model) -> int:
    """Most target units a block can absorb when merged groups are stars (pairs formulation):
    each counted unit at most once, and when every unit the block touches counts, one of them
    stays to receive the others. Reaching it ends the block's curve without a proof of
    infeasibility one level up."""
    dec = sub.extra["decisions"]
    tr = sub.target_rows[0]
    counts = np.zeros(sub.n_cols)
    counts[sub.index[sub.start[tr]:sub.start[tr + 1]]] = sub.value[sub.start[tr]:sub.start[tr + 1]]
    u, v = inst.moves["u"].to_numpy()[dec], inst.moves["v"].to_numpy()[dec]
    counted = np.unique(u[counts[sub.decision] > 0])
    touched = np.unique(np.r_[u, v])
    return int(counted.size - (counted.size == touched.size))


#: blocks below this many columns are solved in the calling thread (a worker's hand-over costs more)
PARALLEL_MIN_COLS = 64


def workers(threads: int | None) -> int:
    """Threads for the block curves: the scenario's solver.threads (capped to the machine), else
    every core."""
    return cap_threads(threads) or os.cpu_count() or 1


def block_curves(subs: list[Model], clock: Clock, threads, name: str) -> list[Curve | None]:
    """Every block's curve, in block order. With HiGHS and more than one core, the large blocks'
    LPs run in worker threads (HiGHS releases the GIL while it solves; each block has its own
    HiGHS instance, made here in the calling thread); a level whose LP is fractional is finished
    by a branch and bound in the calling thread, so no two branch and bounds ever run at once.
    Each curve depends only on its block: the result does not depend on the thread count."""
    n = workers(threads)
    if name != "highs" or n == 1 or len(subs) < 2:
        return [block_curve(sub, sub.extra["decisions"], clock, threads, name) for sub in subs]
    runners: list[HighsRun | None] = [None] * len(subs)  # one HiGHS thread each: the parallelism is across blocks
    big = [i for i, sub in enumerate(subs) if sub.n_cols >= PARALLEL_MIN_COLS]
    big.sort(key=lambda i: -subs[i].n_cols)  # longest first: the pool ends evenly
    curves: list[Curve | None] = [None] * len(subs)
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = {}
        for i in big:  # each block starts as soon as its HiGHS instance is made (here, in the calling thread)
            runners[i] = HighsRun(subs[i], 1)
            futures[i] = pool.submit(block_curve, subs[i], subs[i].extra["decisions"], clock, 1, name,
                                     runner=runners[i], lp_only=True)
        for i in range(len(subs)):
            if runners[i] is None:
                runners[i] = HighsRun(subs[i], 1)
            if i not in futures:
                curves[i] = block_curve(subs[i], subs[i].extra["decisions"], clock, 1, name, runner=runners[i],
                                        lp_only=True)
        for i, fut in futures.items():
            curves[i] = fut.result()
    for i in range(len(subs)):  # levels left by a fractional LP: branch and bound here, one block at a time
        while curves[i] is not None and curves[i].resume is not None:
            curves[i] = block_curve(subs[i], subs[i].extra["decisions"], clock, 1, name, runner=runners[i],
                                    curve=curves[i], lp_only=False)
    return curves


# ---------------------------------------------------------------- the answer


def _row(inst: Instance, target: int, r: int, status: str, chosen: np.ndarray | None, cost: float | None) -> dict:
    tc = inst.targets[target]
    plan_cost, merges = float("nan"), 0
    meets = {f"meets_{i + 1}": False for i in range(len(inst.targets))}
    if chosen is not None:
        if cost is None:  # a solver's plan: its cost as plan.csv adds it up
            plan = plan_table(inst, chosen)
            cost, merges = float(plan["cost"].sum()), int(len(plan))
        else:  # the knapsack's cost of its decisions (one merge per decision set to 1)
            merges = int(chosen.sum())
        plan_cost = round(float(cost), DECIMALS) + 0.0
        gone = absorbed_mask(inst, chosen)
        for i, t in enumerate(inst.targets):
            meets[f"meets_{i + 1}"] = bool(t.baseline - (t.at_plan_from - int(gone[t.members].sum())) >= t.required)
    return {"reduction": int(r),
            "reduction_pct": round(100.0 * r / tc.baseline, DECIMALS) if tc.baseline else float("nan"),
            "min_cost": plan_cost, "merges": merges, "status": status, **meets}


def _mask(inst: Instance, decisions: np.ndarray) -> np.ndarray:
    chosen = np.zeros(len(inst.moves), dtype=bool)
    chosen[decisions] = True
    return chosen


def frontier_answer(scn: Scenario, *, steps: int | None = None, target: int = 0, log: Log | None = None,
                    formulation: str = "auto", started: float | None = None, method: str = "auto") -> FrontierAnswer:
    """Minimum cost of reaching each reduction (against target ``target``'s baseline) from 0 to
    that target's max_reduction, the other targets ignored (but marked: ``meets_<i>``).
    ``method``: auto (decomposition, falling back per point when a block is not solved
    exactly), decomposition, or per-point."""
    log = log or quiet
    t_start = time.perf_counter()
    clock = Clock(scn.solver.time_limit_s, started)
    if not 0 <= target < len(scn.targets):
        raise ValueError(f"target index {target} out of range (the scenario has {len(scn.targets)})")
    inst = prepare(scn, formulation=formulation, log=log)
    tc = inst.targets[target]
    n_t = len(inst.targets)

    def none(why: str) -> FrontierAnswer:  # the caller shows ``why`` (the CLI prints it)
        return FrontierAnswer(empty_table(n_t), "none", why=why, seconds=time.perf_counter() - t_start)

    if inst.blocking:
        pins = ", ".join(f"{p.get('unit_id', '')}→{p.get('into_id', '')}".strip("→") for p in inst.blocking[:10])
        return none(_("No frontier: {n} pin(s) contradict the rules ({pins}).", n=len(inst.blocking), pins=pins))
    stuck = blocking_units(inst)
    if stuck:
        return none(_("No frontier: min_staff {floor} can never be met by {n} unit(s): {units}.",
                      floor=scn.rules.min_staff, n=len(stuck), units=", ".join(stuck[:10])))
    combined, n_blocks, solves = (None, 0, 0)
    if method in ("auto", "decomposition"):
        combined, n_blocks, solves = decompose(inst, target, clock, log)
        if combined is not None and combined.top < 0:
            return none(_("No frontier: the rules alone cannot be met (min_staff): no plan keeps every unit "
                          "at or above {floor} staff.", floor=scn.rules.min_staff))
    if combined is not None:
        top = tc.already + combined.top
        points = frontier_points(max(top, 0), steps, extra=(tc.required, tc.already))
        rows = []
        for r in points:
            cost, decisions = combined.best(r - tc.already)
            rows.append(_row(inst, target, r, STATUS_OPTIMAL, _mask(inst, decisions), cost))
        log(_("frontier: {points} points from {blocks} block curves ({solves} block solves), every point optimal",
              points=len(points), blocks=n_blocks, solves=solves))
        return FrontierAnswer(pd.DataFrame(rows, columns=list(empty_table(n_t).columns)), "decomposition",
                              max_reduction=top, blocks=n_blocks, solves=solves, seconds=time.perf_counter() - t_start)
    notes = []
    if method != "per-point":
        notes.append(_("a block of the decomposition was stopped by the time limit: each point is solved on its own "
                       "and carries its own status"))
        log(notes[-1])
    return _per_point(inst, target, steps, clock, log, notes, t_start)


def _per_point(inst: Instance, target: int, steps, clock: Clock, log: Log, notes: list, t_start: float) -> FrontierAnswer:
    """One full MILP per point (the fallback): max_reduction first, then each point."""
    opts, tc, n_t = inst.scenario.solver, inst.targets[target], len(inst.targets)
    rules, res = rules_feasible(inst, name=opts.name, threads=opts.threads, budget=clock.left(), log=log)
    if rules is False:
        why = _("No frontier: the rules alone cannot be met (min_staff): no plan keeps every unit at or above {floor} "
                "staff.", floor=inst.scenario.rules.min_staff)
        return FrontierAnswer(empty_table(n_t), "none", why=why, notes=notes, seconds=time.perf_counter() - t_start)
    witness = members_absorbed(inst, res.values) if res is not None else None
    known = witness[target] if witness is not None else (0 if rules else None)
    mx, broken, proven = max_absorbable(inst, target, name=opts.name, threads=opts.threads, budget=clock.left(),
                                        known=known, log=log)
    if mx is not None and not proven:
        notes.append(_("the curve ends at the largest reduction found within the time limit, not a proven maximum"))
    if mx is None:
        why = (_("No frontier: the rules alone cannot be met (min_staff).") if broken
               else _("No frontier: the largest reduction could not be found within the time limit ({s} s).",
                      s=_seconds(opts.time_limit_s)))
        return FrontierAnswer(empty_table(n_t), "none", why=why, notes=notes, seconds=time.perf_counter() - t_start)
    top = tc.already + mx
    points = frontier_points(max(top, 0), steps, extra=(tc.required, tc.already))
    model = build_model(inst, targets=[target])
    rows, solves = [], 0
    for i, r in enumerate(points):
        model.set_target(target, r - tc.already)
        left = clock.left() / (len(points) - i)
        res = run_solver(model, name=opts.name, time_limit=left, threads=opts.threads) if left > 0 else None
        solves += 1
        status = STATUS_UNKNOWN if res is None else res.status
        rows.append(_row(inst, target, r, status, None if res is None else res.values, None))
        log("  " + _("[{i}/{n}] reduction {r}: {status}", i=i + 1, n=len(points), r=r, status=_(STATUS_WORDS.get(status, status))))
    return FrontierAnswer(pd.DataFrame(rows, columns=list(empty_table(n_t).columns)), "per-point", max_reduction=top,
                          solves=solves, notes=notes, seconds=time.perf_counter() - t_start)


def frontier(scn: Scenario, *, steps: int | None = None, target: int = 0, log: Log | None = None,
             formulation: str = "auto", started: float | None = None) -> pd.DataFrame:
    """The frontier table of :func:`frontier_answer` (columns: reduction, reduction_pct,
    min_cost, merges, status, then meets_<i> per target)."""
    return frontier_answer(scn, steps=steps, target=target, log=log, formulation=formulation, started=started).table
