"""Answers built on the model and the solvers: the plan table, each target's max_reduction, the
blocking units, and :func:`solve_scenario`, a short composition of them.

Time: ``solver.time_limit_s`` is a wall-clock budget for the whole command (a :class:`Clock`
started by the caller, model building included). The main solve runs first; the max_reduction
problems share what is left. A step the budget cannot reach says so in ``notes`` and never turns
into a claim: no plan and no proof is ``unknown``, a maximum not proven is marked as such.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import fmt as F
from ..consequences import consequences
from ..i18n import _, get_lang, labels
from ..moves import haversine_km
from ..scenario import Scenario
from . import model as M
from .heuristic import cost_bound, greedy_plan, nearest_moves, plan_columns
from .model import Instance, Log, blocking_units, build_max_model, build_model, prepare, quiet
from .solvers import (STATUS_FEASIBLE, STATUS_INFEASIBLE, STATUS_OPTIMAL, STATUS_UNKNOWN, SolveResult, gap_of,
                      keep_start, run_solver)

PLAN_COLUMNS = ["unit_id", "into_id", "kind", "sector", "locality", "staff", "distance_km", "cost"]
PLAN_EXTRA = ["name", "into_name", "unit_type", "into_type", "reason"]  # filled by the rules work when present
DECIMALS = 6
#: part of the budget kept for writing the outputs once the answer is known
WRITE_RESERVE = 0.05
#: columns beyond which a solve is not started with less than a second left (measured: HiGHS
#: takes 0.5-1 s to scale and factorise a national model before it first checks its clock)
BIG_MODEL = 20_000
#: moves per unit of the restrictions solved in turn when a model is too large to solve whole
#: (model.HUGE_MODEL): with 3 the national model without a distance rule solves in about 4 s
NEAREST = (3, 6)
#: and not with less than this many seconds per non-zero left: HiGHS's LP on a national model
#: without a distance rule (1.27 M columns, 4.9 M non-zeros) ran 3.9-5.5 s on limits of 1.5-3 s
HIGHS_START_S_PER_NNZ = 1.0e-6


def too_short(model, seconds: float) -> bool:
    """True when ``seconds`` are too few to start a solve of ``model`` and still stop in time."""
    return model.n_cols > BIG_MODEL and seconds < max(1.0, HIGHS_START_S_PER_NNZ * model.nnz)


#: writing a solved scenario (plan.csv, summary.json, after/ which rewrites the registry, the
#: terminal report): a fixed part and a part per registry row (make bench: the national registry,
#: 113,437 rows, writes in 0.8-1.1 s on the 2-core machine)
WRITE_S_FIXED, WRITE_S_PER_ROW = 0.25, 1.0e-5
#: of the contract's tolerance (time limit + 10 % + 1 s), the share of the second that writing may use
TOLERANCE_USED_S = 0.5


def process_started() -> float:
    """The time.perf_counter() value at which this process started (Linux: /proc/self/stat), so
    that a command's budget counts its start-up and imports too; now, where that is unknown."""
    now = time.perf_counter()
    try:
        with open("/proc/self/stat", "rb") as fh:
            ticks = int(fh.read().rsplit(b")", 1)[1].split()[19])  # field 22: start time in clock ticks
        with open("/proc/uptime", "rb") as fh:
            uptime = float(fh.read().split()[0])
        elapsed = uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return now
    return now - min(max(elapsed, 0.0), 60.0)


def write_seconds(scn: Scenario) -> float:
    """Seconds to set aside for writing a scenario's answer (grows with the registry: after/)."""
    reg = scn.registry
    return WRITE_S_FIXED + WRITE_S_PER_ROW * (len(reg.units) + len(reg.events))


class Clock:
    """A wall-clock budget: ``limit`` seconds from ``started`` (time.perf_counter(); default now),
    of which ``reserve`` seconds (at least 5 %) are kept for writing the outputs."""

    def __init__(self, limit: float, started: float | None = None, reserve: float = 0.0):
        self.limit = float(limit)
        self.started = time.perf_counter() if started is None else float(started)
        self.deadline = self.started + self.limit - max(self.limit * WRITE_RESERVE, reserve)

    def left(self) -> float:
        return max(self.deadline - time.perf_counter(), 0.0)

    def spent(self) -> float:
        return time.perf_counter() - self.started

    def out(self) -> bool:
        return self.left() <= 0.0


@dataclass
class Solution:
    """The answer to a scenario: ``plan`` (plan.csv rows), ``summary`` (summary.json), ``status``."""

    scenario: Scenario
    status: str
    plan: pd.DataFrame
    summary: dict
    targets: pd.DataFrame
    blocking_units: list[str] | None = None
    timings: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    instance: Instance | None = field(default=None, repr=False)


# ---------------------------------------------------------------- the plan table


def absorbed_mask(inst: Instance, chosen: np.ndarray | None) -> np.ndarray:
    mask = np.zeros(inst.n_units, dtype=bool)
    if chosen is not None:
        mask[inst.moves["u"].to_numpy()[chosen]] = True
    return mask


def empty_plan() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(PLAN_COLUMNS, [object] * 5 + ["int64", "float64", "float64"])})


def plan_table(inst: Instance, chosen: np.ndarray | None) -> pd.DataFrame:
    """plan.csv rows for the chosen decision rows (aggregated rows get their absorbing unit:
    the largest unit left standing in the group, ties to the lowest id)."""
    if chosen is None or not chosen.any():
        return empty_plan()
    rows = inst.moves.loc[chosen].copy()
    u = rows["u"].to_numpy()
    if inst.mode == "aggregated":
        v = hubs(inst, absorbed_mask(inst, chosen))[inst.group[u]]
        rows["v"] = v
        rows["into_id"] = inst.units.index.to_numpy(dtype=object)[v]
        rows["distance_km"] = pair_distance(inst.units, u, v)
    units = inst.units
    out = pd.DataFrame({
        "unit_id": rows["unit_id"].to_numpy(dtype=object),
        "into_id": rows["into_id"].to_numpy(dtype=object),
        "kind": units["kind"].to_numpy(dtype=object)[u],
        "sector": units["sector"].to_numpy(dtype=object)[u],
        "locality": units["locality"].to_numpy(dtype=object)[u],
        "staff": inst.staff[u],
        "distance_km": np.round(rows["distance_km"].to_numpy(dtype=np.float64), DECIMALS) + 0.0,
        "cost": np.round(rows["cost"].to_numpy(dtype=np.float64), DECIMALS) + 0.0,
    })
    for c in PLAN_EXTRA:  # columns the merge rules attach to each move (names, types, reason)
        if c in rows.columns:
            out[c] = rows[c].to_numpy(dtype=object)
    return out.sort_values("unit_id", kind="stable").reset_index(drop=True)


def hubs(inst: Instance, gone: np.ndarray) -> np.ndarray:
    """Per merge group code: the row of its largest standing unit (ties: lowest id), or -1."""
    g = inst.group
    hub = np.full(int(g.max()) + 1 if g.size else 0, -1, dtype=np.int64)
    standing = np.flatnonzero(~gone & (g >= 0))
    order = standing[np.lexsort((standing, -inst.staff[standing], g[standing]))]  # by group, staff desc, row
    groups, first = np.unique(g[order], return_index=True)
    hub[groups] = order[first]
    return hub


def pair_distance(units: pd.DataFrame, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if not {"lat", "lon"} <= set(units.columns):
        return np.zeros(u.size)
    lat = units["lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = units["lon"].to_numpy(dtype=float, na_value=np.nan)
    d = haversine_km(lat[u], lon[u], lat[v], lon[v])
    return np.where(np.isnan(d), 0.0, d)


def target_rows(inst: Instance, gone: np.ndarray | None, maxima: list[int | None]) -> list[dict]:
    """summary.json ``targets``: exactly the contract's keys. Without a plan (``gone`` None) no
    target is met by it: ``met`` is false, so no answer says infeasible beside a target met."""
    out = []
    for tc, mx in zip(inst.targets, maxima):
        absorbed_members = 0 if gone is None else int(gone[tc.members].sum())
        after = tc.at_plan_from - absorbed_members
        out.append({
            "kind": tc.target.kind,
            "baseline_date": tc.target.baseline.isoformat(),
            "baseline": tc.baseline,
            "plan_from": tc.at_plan_from,
            "after": after,
            "required_reduction": tc.required,
            "achieved_reduction": tc.baseline - after,
            "max_reduction": None if mx is None else tc.already + mx,
            "met": bool(gone is not None and tc.baseline - after >= tc.required),
        })
    return out


def members_absorbed(inst: Instance, chosen: np.ndarray | None) -> list[int] | None:
    if chosen is None:
        return None
    gone = absorbed_mask(inst, chosen)
    return [int(gone[tc.members].sum()) for tc in inst.targets]


# ---------------------------------------------------------------- max_reduction and the rules alone


def reduction_bound(inst: Instance, ti: int) -> int:
    """A quick upper bound on the units of target ``ti`` one plan can absorb: units with a move,
    at most all but one per merge group (someone must stay to absorb them)."""
    tc = inst.targets[ti]
    can = (inst.out_count() > 0) & tc.members
    if not can.any():
        return 0
    g = inst.group
    size = np.bincount(g[g >= 0])
    per = np.bincount(g[can], minlength=size.size)
    return int(np.minimum(per, size - 1).sum())


def bound_is_exact(inst: Instance) -> bool:
    """Without distance, staff, keep_per, compatibility or pin rules every merge group is a
    clique: all its units but one can be absorbed, so :func:`reduction_bound` is the maximum."""
    r = inst.scenario.rules
    from .model import rules_may_filter

    return (r.max_distance_km is None and r.max_staff is None and r.min_staff is None and not r.keep_per
            and not rules_may_filter(inst.scenario, inst.units))


def max_absorbable(inst: Instance, ti: int, *, name: str, threads, budget: float, known: int | None,
                   log: Log, witnessed: bool = True) -> tuple[int | None, bool, bool]:
    """The most units of target ``ti`` the rules let one plan absorb (ignoring other targets),
    given ``known``, the count absorbed by a plan already known to meet the rules.
    Returns (count or None when none was found, True when the rules alone are proven impossible,
    True when the count is proven to be the maximum)."""
    bound = reduction_bound(inst, ti)
    if (known is not None and known >= bound) or bound_is_exact(inst):
        return bound, False, True
    if not len(inst.moves) or bound == 0:
        return (0 if known is not None else None), False, known is not None
    if budget <= 0:  # no time to search: a count seen in a real plan is all one can say
        return (known if witnessed else None), False, False
    model = build_max_model(inst, ti)
    if too_short(model, budget):  # as for the main solve: HiGHS would overrun the budget
        return (known if witnessed else None), False, False
    res = run_solver(model, name=name, time_limit=budget, threads=threads, log=log)
    if res.values is None:
        return (None, True, True) if res.status == STATUS_INFEASIBLE else (known, False, False)
    found = int(model.absorbed_units(res.values)[inst.targets[ti].members].sum())
    return max(found, known or 0), False, res.status == STATUS_OPTIMAL


def rules_feasible(inst: Instance, *, name: str, threads, budget: float, log: Log) -> tuple[bool | None, SolveResult | None]:
    """Can the rules alone be met (targets aside)? Only min_staff (and pins) can make them fail.
    Returns (True / False / None when the budget left it open, the solver result)."""
    if inst.scenario.rules.min_staff is None and not inst.pinned().any():
        return True, None
    if budget <= 0:
        return None, None
    res = run_solver(build_model(inst, targets=[]), name=name, time_limit=budget, threads=threads, log=log)
    if res.values is not None:
        return True, res
    return (False if res.status == STATUS_INFEASIBLE else None), res


def exemptions(inst: Instance, *, name: str, threads, budget: float, log: Log) -> list[str]:
    """When min_staff is infeasible but no single unit is stuck: the fewest units whose
    min_staff must be waived for the rules to hold (a binary per min_staff row; minimise them)."""
    model = build_model(inst, waive_min_staff=True)
    res = run_solver(model, name=name, time_limit=max(budget, 0.01), threads=threads, log=log)
    if res.col is None:
        return []
    waive = model.extra["waive"]
    units = np.flatnonzero(waive >= 0)
    ids = inst.units.index
    return sorted(str(ids[u]) for u in units[res.col[waive[units]] > 0.5])


# ---------------------------------------------------------------- solve_scenario


#: How a progress line names a solver status and a formulation (msgids of orgmodel/data/labels.csv).
STATUS_WORDS = labels("status")


MODE_WORDS = labels("formulation")


def _seconds(s: float) -> str:
    """A time limit in seconds as given (``60``, ``0.5``), with the separators of the language."""
    return F.number(s, decimals=0 if float(s).is_integer() else 1)


def main_solve(inst: Instance, clock: Clock, share: float, log: Log) -> tuple[SolveResult, float]:
    """The minimum-cost MILP with every target; returns (result, build seconds)."""
    opts = inst.scenario.solver
    if clock.out():  # the budget went on loading and preparing: no solve can be honest now
        log(_("the time limit ({s} s) ran out before the model could be solved", s=_seconds(opts.time_limit_s)))
        return SolveResult(STATUS_UNKNOWN, None, None, None, 0.0, opts.name,
                           _("the time limit ran out before the model could be solved"), proven=False), 0.0
    model = build_model(inst)
    t0 = time.perf_counter()
    start = greedy_plan(model, deadline=clock.deadline)  # a plan in hand before the solver starts (checked against every row)
    if start is not None:
        log(_("greedy start: a plan meeting every rule, cost {cost} ({s} s)", cost=F.number(float(model.cost @ start), decimals=2),
              s=F.number(time.perf_counter() - t0, decimals=2)))
    if inst.mode == "pairs" and len(inst.moves) > M.HUGE_MODEL:
        return restricted_solve(inst, model, start, clock, share, log), model.seconds
    if too_short(model, clock.left() * share):  # HiGHS would not look at its clock in time on a model this size
        log(_("the time left ({s} s) is too short to solve a model this size within the limit",
              s=F.number(clock.left() * share, decimals=1)))
        gave_up = SolveResult(STATUS_UNKNOWN, None, None, None, 0.0, opts.name,
                              _("the time limit ran out before the model could be solved"), proven=False)
        return keep_start(model, gave_up, start, note=_("the plan is orgmodel's greedy start: the time left was too short "
                                                        "to solve a model this size")), model.seconds
    log(_("model: {cols} variables, {rows} constraints ({mode} formulation, built in {built} s); solving with {solver} "
          "({left} s left of {limit} s)…", cols=F.number(model.n_cols), rows=F.number(model.n_rows), mode=_(MODE_WORDS.get(inst.mode, inst.mode)),
          built=F.number(model.seconds, decimals=2), solver=opts.name, left=F.number(clock.left(), decimals=1),
          limit=_seconds(opts.time_limit_s)))
    res = run_solver(model, name=opts.name, time_limit=clock.left() * share, threads=opts.threads, log=log, start=start)
    log(_("{status} in {s} s", status=_(STATUS_WORDS.get(res.status, res.status)), s=F.number(res.seconds, decimals=2))
        + (f" ({res.note})" if res.note else ""))
    return res, model.seconds


def restricted_solve(inst: Instance, model, start: np.ndarray | None, clock: Clock, share: float, log: Log) -> SolveResult:
    """A model too large for the solver (``model.HUGE_MODEL`` candidate moves) is solved restricted to
    each unit's k least disruptive moves (and the best plan so far), k growing through ``NEAREST``
    while time is left: every plan of a restriction is a plan of the whole, so the answer is
    ``feasible`` (never ``optimal``: a move left out might do better, and a restriction's
    ``infeasible`` proves nothing), its gap against :func:`orgmodel.optim.heuristic.cost_bound`
    of the whole model."""
    opts = inst.scenario.solver
    best = keep_start(model, SolveResult(STATUS_UNKNOWN, None, None, None, 0.0, opts.name,
                                         _("the time limit ran out before the model could be solved"), proven=False), start)
    bound = cost_bound(model)
    seconds = 0.0
    for k in NEAREST:
        chosen = best.values  # the best plan so far stays possible in the next restriction
        rows = nearest_moves(inst, k, chosen)
        sub = dataclasses.replace(inst, moves=inst.moves.iloc[rows].reset_index(drop=True))
        sub_model = build_model(sub)
        sub_start = plan_columns(sub_model, chosen[rows]) if chosen is not None else None
        if sub_start is not None and not sub_model.feasible(sub_start):
            sub_start = None
        budget = clock.left() * share
        if too_short(sub_model, budget):
            break
        log(_("{n} candidate moves are too many to solve whole: solving with each unit's {k} least disruptive moves "
              "({m} moves, {left} s left of {limit} s)…", n=F.number(len(inst.moves)), k=k, m=F.number(len(rows)),
              left=F.number(clock.left(), decimals=1), limit=_seconds(opts.time_limit_s)))
        res = run_solver(sub_model, name=opts.name, time_limit=budget, threads=opts.threads, log=log, start=sub_start)
        seconds += res.seconds
        if res.values is None or res.objective is None or (best.objective is not None and res.objective >= best.objective - 1e-9):
            if not res.proven:
                break  # stopped on its limit: a larger restriction would not do better in less time
            continue  # proven (no better plan, or none at all, among these moves): widen the restriction
        values = np.zeros(len(inst.moves), dtype=bool)
        values[rows[res.values]] = True
        col = plan_columns(model, values)
        value = float(model.cost @ col)
        b, gap = gap_of(value, bound)
        note = _("the plan is the best found among each unit's {k} least disruptive moves (the whole model, {n} moves, is "
                 "too large to solve): not proven optimal", k=k, n=F.number(len(inst.moves)))
        best = SolveResult(STATUS_FEASIBLE, values, value, gap, seconds, opts.name, note, proven=False, col=col, bound=b)
        log(_("{status} in {s} s", status=_(STATUS_WORDS[STATUS_FEASIBLE]), s=F.number(res.seconds, decimals=2))
            + f" ({F.number(value, decimals=2)})")
        if not res.proven:
            break
    best.seconds = max(best.seconds, seconds)
    return best


def max_reductions(inst: Instance, witness: list[int] | None, clock: Clock, log: Log) -> tuple[list, bool, list[str]]:
    """Each target's max_reduction within the budget left: (maxima, rules proven broken, notes)."""
    opts, scn = inst.scenario.solver, inst.scenario
    maxima: list[int | None] = [None] * len(inst.targets)
    notes: list[str] = []
    for ti, tc in enumerate(inst.targets):
        log(_("max_reduction of target {i}/{n} ({kind} against {base})…", i=ti + 1, n=len(inst.targets),
              kind=F.kind_text(tc.target.kind), base=F.date(tc.target.baseline)))
        known = witness[ti] if witness is not None else (0 if scn.rules.min_staff is None and not inst.pinned().any() else None)
        mx, broken, proven = max_absorbable(inst, ti, name=opts.name, threads=opts.threads,
                                            budget=clock.left() / (len(inst.targets) - ti), known=known, log=log,
                                            witnessed=witness is not None)
        if broken:
            return [None] * len(inst.targets), True, notes
        maxima[ti] = mx
        if mx is None:
            notes.append(_("max_reduction of target {n} could not be determined within the time limit", n=ti + 1))
        elif not proven:
            notes.append(_("max_reduction of target {n} is the best found within the time limit, not a proven maximum", n=ti + 1))
    return maxima, False, notes


def answer_status(result: SolveResult | None, rules_ok: bool | None, pins_blocked: bool) -> str:
    if pins_blocked or rules_ok is False:
        return STATUS_INFEASIBLE
    if result is None:
        return STATUS_UNKNOWN
    return result.status


def solve_scenario(scn: Scenario, *, log: Log | None = None, formulation: str = "auto",
                   started: float | None = None) -> Solution:
    """Solve a scenario: the least-cost moves meeting every target under the rules, each
    target's max_reduction, and (when the rules alone cannot hold) the blocking units or pins.
    ``started`` (a time.perf_counter() value) is when the command began: the time limit counts
    from there."""
    log = log or quiet
    clock = Clock(scn.solver.time_limit_s, started, reserve=max(write_seconds(scn) - TOLERANCE_USED_S, 0.0))
    opts = scn.solver
    inst = prepare(scn, formulation=formulation, log=log)
    timings = {"candidates": inst.seconds["candidates"], "build": 0.0, "solve": 0.0}
    notes: list[str] = []
    stuck = blocking_units(inst)
    if stuck:
        log(_("min_staff {floor} can never be met by {n} unit(s): {units}", floor=scn.rules.min_staff, n=len(stuck),
              units=", ".join(stuck[:10])))
    if inst.blocking:
        log(_("{n} pin(s) contradict the rules", n=len(inst.blocking)))
    result, rules_ok = None, (False if stuck else None)
    if not stuck and not inst.blocking:
        share = 1.0 if bound_is_exact(inst) else 0.7  # leave time for max_reduction when it needs a solve
        result, build_s = main_solve(inst, clock, share, log)
        timings["build"], timings["solve"] = build_s, result.seconds
        if result.note:
            notes.append(result.note)
    t0 = time.perf_counter()
    witness = members_absorbed(inst, result.values) if result is not None else None
    if rules_ok is None:
        if witness is not None or (scn.rules.min_staff is None and not inst.pinned().any()):
            rules_ok = True
        else:  # no plan: can the rules alone (min_staff, pins) be met?
            rules_ok, res = rules_feasible(inst, name=opts.name, threads=opts.threads, budget=clock.left(), log=log)
            witness = members_absorbed(inst, res.values) if res is not None else None
    maxima = [None] * len(inst.targets)
    if rules_ok is not False:
        maxima, broken, more = max_reductions(inst, witness, clock, log)
        notes += more
        rules_ok = False if broken else rules_ok
    if rules_ok is False:
        maxima, result = [None] * len(inst.targets), None
        if not stuck:
            stuck = exemptions(inst, name=opts.name, threads=opts.threads, budget=clock.left(), log=log)
            notes.append(_("the rules alone cannot be met (min_staff); blocking_units is the smallest set of units "
                           "whose min_staff would have to be waived"))
    timings["solve"] += time.perf_counter() - t0
    status = answer_status(result, rules_ok, bool(inst.blocking))
    chosen = result.values if result is not None and status in (STATUS_OPTIMAL, STATUS_FEASIBLE) else None
    if status == STATUS_UNKNOWN:
        notes.append(_("the time limit ran out with neither a plan nor a proof that none exists: the answer is unknown"))
    elif status == STATUS_INFEASIBLE and result is not None and not result.proven:
        status = STATUS_UNKNOWN
    sol = answer(inst, status, chosen, maxima, stuck if rules_ok is False else None, result, timings, notes, clock)
    return sol


def answer(inst: Instance, status: str, chosen: np.ndarray | None, maxima: list, stuck: list[str] | None,
           result: SolveResult | None, timings: dict, notes: list[str], clock: Clock) -> Solution:
    """The Solution and summary.json of a solved scenario (keys in the contract's order)."""
    scn = inst.scenario
    plan = plan_table(inst, chosen)
    targets = target_rows(inst, absorbed_mask(inst, chosen) if chosen is not None else None, maxima)
    has_plan = chosen is not None
    summary = {
        "scenario": scn.name,
        "status": status,
        "objective": round(float(plan["cost"].sum()), DECIMALS) + 0.0 if has_plan else None,
        "merges": int(len(plan)),
        "targets": targets,
    }
    summary["consequences"] = consequences(plan, inst.units, scn)  # units: U, as apply_rules sees them
    if stuck is not None:
        summary["blocking_units"] = list(stuck)
    if inst.blocking:
        summary["blocking"] = [dict(b) for b in inst.blocking]
    timings["total"] = clock.spent()
    gap = None if not has_plan or result is None or result.gap is None else round(float(result.gap), DECIMALS) + 0.0
    summary["solver"] = {"name": scn.solver.name, "seconds": round(timings["build"] + timings["solve"], 3), "gap": gap}
    summary["language"] = get_lang()
    return Solution(scenario=scn, status=status, plan=plan, summary=summary, targets=pd.DataFrame(targets),
                    blocking_units=summary.get("blocking_units"), timings=timings, notes=notes, instance=inst)
