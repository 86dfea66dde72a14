"""Solvers behind one interface: :func:`run_solver` dispatches to :func:`run_highs` (highspy,
in-process, the model's own arrays handed over in one ``passModel`` call) or :func:`run_cbc`
(CBC through PuLP, the rows built from the same arrays).

Both solve the LP relaxation first (the formulation is tight and often integral, which proves
the optimum without a branch and bound), then the MILP with the options measured best
(``HIGHS_OPTIONS``, ``CBC_OPTIONS``; ``make bench`` prints the comparison). Status honesty:
``optimal`` and ``infeasible`` only when the solver proved them; a limit with a plan in hand is
``feasible`` with its gap; a limit with neither plan nor proof is ``unknown``.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import fmt as F
from ..i18n import gettext
from .heuristic import cost_bound
from .model import Log, Model, quiet

STATUS_OPTIMAL, STATUS_FEASIBLE, STATUS_INFEASIBLE, STATUS_UNKNOWN = "optimal", "feasible", "infeasible", "unknown"
SOLVERS = ("highs", "cbc")
#: CBC: integer preprocessing off: 2-4x faster on 80-120 unit instances (the formulation is tight).
CBC_OPTIONS: tuple[str, ...] = ("preprocess off",)
#: HiGHS: presolve off (its MIP probing took 8 of 12 s on a national model and overshot short
#: time limits) and the feasibility-jump heuristic off (0.7 s of start-up, no better plans).
HIGHS_OPTIONS: dict = {"presolve": "off", "mip_heuristic_run_feasibility_jump": False, "mip_rel_gap": 0.0}


@dataclass
class SolveResult:
    """What a solver call proved: status, decisions set to 1 (None without a plan), objective, gap."""

    status: str
    values: np.ndarray | None
    objective: float | None
    gap: float | None
    seconds: float
    solver: str
    note: str = ""
    proven: bool = True  # False when a limit stopped the solver: optimality/infeasibility unproven
    col: np.ndarray | None = field(default=None, repr=False)  # every column's value, when a plan exists
    bound: float | None = None  # the solver's proven bound on the objective, when it stopped with one


def cap_threads(threads: int | None) -> int | None:
    """A thread count the machine has (None: the solver's default)."""
    if threads is None:
        return None
    return max(1, min(int(threads), os.cpu_count() or 1))


def _trivial(model: Model, name: str) -> SolveResult | None:
    """No columns: the rows are constants that either hold or not."""
    if model.n_cols:
        return None
    ok = bool((model.row_lo <= 1e-9).all() and (model.row_hi >= -1e-9).all())
    return SolveResult(STATUS_OPTIMAL if ok else STATUS_INFEASIBLE, np.zeros(0, dtype=bool) if ok else None,
                       0.0 if ok else None, 0.0 if ok else None, 0.0, name, col=np.zeros(0) if ok else None)


def _integral(model: Model, col: np.ndarray, tol: float = 1e-6) -> np.ndarray | None:
    """The column vector with integer columns rounded, when they are all integral."""
    vals = col[model.integer]
    r = np.round(vals)
    if vals.size and (np.isnan(vals).any() or np.abs(vals - r).max() > tol):
        return None
    out = col.copy()
    out[model.integer] = r
    return out


def _result(model: Model, status: str, col: np.ndarray | None, gap, secs: float, name: str, note: str = "",
            proven: bool = True) -> SolveResult:
    if col is None:
        return SolveResult(status, None, None, None, secs, name, note, proven)
    col = _integral(model, col, tol=0.5) if model.integer.any() else col
    return SolveResult(status, model.chosen(col), float(model.cost @ col), gap, secs, name, note, proven, col)


# ---------------------------------------------------------------- HiGHS


class _HighsState:
    banner_shown = False
    threads: int | None = None


def _silently(fn):
    """Call ``fn`` with the process's stdout (file descriptor 1) sent to /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        return fn()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def new_highs(threads: int | None = None):
    """A quiet ``highspy.Highs`` (the banner HiGHS prints once per process is swallowed)."""
    import highspy

    threads = cap_threads(threads)
    if not _HighsState.banner_shown:
        _silently(highspy.Highs)
        _HighsState.banner_shown = True
    if threads != _HighsState.threads:
        # HiGHS refuses a thread count other than the one its global scheduler started with
        highspy.Highs.resetGlobalScheduler(True)
        _HighsState.threads = threads
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if threads is not None:
        h.setOptionValue("threads", threads)
    for k, v in HIGHS_OPTIONS.items():
        h.setOptionValue(k, v)
    return h


def highs_lp(model: Model):
    """The model as a ``highspy.HighsLp`` (row-wise matrix), integrality left out."""
    import highspy

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = model.n_cols, model.n_rows
    lp.col_cost_ = model.cost
    lp.col_lower_, lp.col_upper_ = model.lb, model.ub
    lp.row_lower_ = np.where(np.isinf(model.row_lo), -inf, model.row_lo)
    lp.row_upper_ = np.where(np.isinf(model.row_hi), inf, model.row_hi)
    lp.sense_ = highspy.ObjSense.kMaximize if model.maximise else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = model.n_cols, model.n_rows
    lp.a_matrix_.start_ = model.start.astype(np.int32)
    lp.a_matrix_.index_ = model.index
    lp.a_matrix_.value_ = model.value
    return lp


class HighsRun:
    """One model held by HiGHS, solved as often as needed (a frontier moves a row's bound
    between solves, and HiGHS restarts from its last basis)."""

    def __init__(self, model: Model, threads: int | None = None):
        import highspy

        self.model, self.hp = model, highspy
        self.h = new_highs(threads)
        self.h.passModel(highs_lp(model))
        self.ints = np.flatnonzero(model.integer).astype(np.int32)
        self.mip = False

    def set_row_lower(self, row: int, lo: float) -> None:
        self.model.row_lo[row] = lo
        self.h.changeRowBounds(int(row), float(lo), self.hp.kHighsInf if math.isinf(self.model.row_hi[row]) else float(self.model.row_hi[row]))

    def _integrality(self, on: bool) -> None:
        if on == self.mip or not self.ints.size:
            return
        kind = self.hp.HighsVarType.kInteger if on else self.hp.HighsVarType.kContinuous
        self.h.changeColsIntegrality(self.ints.size, self.ints, np.full(self.ints.size, kind))
        self.mip = on

    def _run(self, time_limit: float) -> tuple:
        self.h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
        self.h.run()
        st, info = self.h.getModelStatus(), self.h.getInfo()
        has = info.primal_solution_status == 2
        col = np.asarray(self.h.getSolution().col_value, dtype=np.float64) if has else None
        return st, info, col

    def start_from(self, col: np.ndarray | None) -> None:
        """Give HiGHS a plan to start its branch and bound from (a checked greedy start)."""
        if col is None:
            return
        sol = self.hp.HighsSolution()
        sol.col_value = np.asarray(col, dtype=np.float64)
        sol.value_valid = True
        self.h.setSolution(sol)

    def solve(self, time_limit: float, *, lp_first: bool = True, log: Log | None = None,
              keep_lp: bool = False, lp_only: bool = False, start: np.ndarray | None = None) -> SolveResult | None:
        """LP relaxation first (when ``lp_first``), then the MILP. With ``keep_lp`` the MILP runs
        on a fresh copy, so this object keeps its LP basis for the next, slightly changed solve.
        With ``lp_only`` a fractional LP returns None instead of starting a branch and bound (the
        caller finishes it elsewhere: a frontier's worker threads only ever run LPs)."""
        log = log or quiet
        S = self.hp.HighsModelStatus
        t0 = time.perf_counter()
        lp_bound = None  # the LP relaxation's optimum, when it finished fractional: a bound on the MILP
        if time_limit <= 0:
            return _result(self.model, STATUS_UNKNOWN, None, None, 0.0, "highs",
                           gettext("the time limit ran out before any plan or proof"), proven=False)
        if lp_first or not self.ints.size:
            self._integrality(False)
            st, _, col = self._run(time_limit)
            if st == S.kInfeasible:
                return _result(self.model, STATUS_INFEASIBLE, None, None, time.perf_counter() - t0, "highs")
            if st == S.kOptimal:
                rounded = _integral(self.model, col)
                if rounded is not None:
                    return _result(self.model, STATUS_OPTIMAL, rounded, 0.0, time.perf_counter() - t0, "highs")
                if lp_only:
                    return None
                lp_bound = float(self.h.getInfo().objective_function_value)
                log("  " + gettext("LP relaxation is fractional ({s} s): branch and bound…",
                                   s=F.number(time.perf_counter() - t0, decimals=2)))
            if lp_only:  # stopped, or numerically troubled: the caller's branch and bound decides
                return None
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:
            return _result(self.model, STATUS_UNKNOWN, None, None, time.perf_counter() - t0, "highs",
                           gettext("the time limit ran out before any plan or proof"), proven=False)
        if keep_lp:
            res = HighsRun(self.model, _HighsState.threads).solve(left, lp_first=False, log=log, start=start)
            res.bound = _better_bound(self.model, res.bound, lp_bound)
            return res
        if lp_first:
            self.h.clearSolver()  # measured: the LP's state slows the MIP's first plan
        self._integrality(True)
        self.start_from(start)
        st, info, col = self._run(left)
        secs = time.perf_counter() - t0
        if st == S.kOptimal:
            return _result(self.model, STATUS_OPTIMAL, col, 0.0, secs, "highs")
        if st in (S.kInfeasible, S.kUnboundedOrInfeasible):
            return _result(self.model, STATUS_INFEASIBLE, None, None, secs, "highs")
        why = self.h.modelStatusToString(st)
        bound = _better_bound(self.model, float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None, lp_bound)
        if st not in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt, S.kObjectiveBound,
                      S.kObjectiveTarget, S.kMemoryLimit):
            raise RuntimeError(f"HiGHS failed to solve the model ({why}); this is a bug or a broken HiGHS installation")
        if col is not None:
            gap = info.mip_gap if math.isfinite(info.mip_gap) else None
            res = _result(self.model, STATUS_FEASIBLE, col, gap, secs, "highs", gettext("HiGHS stopped: {why}", why=why),
                          proven=False)
        else:
            res = _result(self.model, STATUS_UNKNOWN, None, None, secs, "highs",
                          gettext("HiGHS stopped ({why}) before finding any plan or proof", why=why), proven=False)
        res.bound = bound
        return res


def _better_bound(model: Model, a: float | None, b: float | None) -> float | None:
    """The tighter of two proven bounds on the objective (higher when minimising)."""
    both = [x for x in (a, b) if x is not None and math.isfinite(x)]
    if not both:
        return None
    return min(both) if model.maximise else max(both)


def run_highs(model: Model, *, time_limit: float = 60.0, threads: int | None = None, log: Log | None = None,
              lp_first: bool = True, start: np.ndarray | None = None) -> SolveResult:
    """Solve with HiGHS (highspy): the arrays go over in one ``passModel`` call; ``start`` (a
    plan meeting every row) seeds the branch and bound."""
    trivial = _trivial(model, "highs")
    if trivial is not None:
        return trivial
    t0 = time.perf_counter()
    run = HighsRun(model, threads)
    handed = time.perf_counter() - t0  # the hand-over counts against the limit too
    res = run.solve(time_limit - handed, lp_first=lp_first, log=log, start=start)
    res.seconds += handed
    return res


# ---------------------------------------------------------------- CBC through PuLP


_CBC_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf|-inf|nan)"


def _cbc_log_bound(text: str) -> float | None:
    """The best bound from a CBC log's final lines, when it printed one."""
    bound = re.findall(r"Lower bound:\s+" + _CBC_NUM, text)
    return float(bound[-1]) if bound else None


def pulp_problem(model: Model):
    """The model as a PuLP problem, built from its arrays: (problem, variables)."""
    import pulp

    prob = pulp.LpProblem("orgmodel", pulp.LpMaximize if model.maximise else pulp.LpMinimize)
    cat = np.where(model.integer, pulp.LpInteger, pulp.LpContinuous)
    xs = [prob.add_variable(f"c{j}", float(lo), float(hi), c) for j, (lo, hi, c) in
          enumerate(zip(model.lb.tolist(), model.ub.tolist(), cat.tolist()))]
    nz = np.flatnonzero(model.cost)
    prob.setObjective(pulp.LpAffineExpression(zip([xs[j] for j in nz.tolist()], model.cost[nz].tolist())))
    idx, val, start = model.index.tolist(), model.value.tolist(), model.start.tolist()
    rows = {}
    for i, (lo, hi) in enumerate(zip(model.row_lo.tolist(), model.row_hi.tolist())):
        expr = pulp.LpAffineExpression(zip([xs[j] for j in idx[start[i]:start[i + 1]]], val[start[i]:start[i + 1]]))
        if lo == hi:
            rows[f"r{i}"] = pulp.LpConstraint(expr, pulp.LpConstraintEQ, None, lo)
            continue
        if math.isfinite(lo):
            rows[f"r{i}l"] = pulp.LpConstraint(expr, pulp.LpConstraintGE, None, lo)
        if math.isfinite(hi):
            rows[f"r{i}u"] = pulp.LpConstraint(expr, pulp.LpConstraintLE, None, hi)
    prob.extend(rows)
    return prob, xs


def _cbc(prob, xs, *, mip: bool, time_limit: float, threads, options=()) -> tuple[int, int, np.ndarray, str]:
    import pulp

    fd, log_path = tempfile.mkstemp(prefix="orgmodel-cbc-", suffix=".log")
    os.close(fd)
    try:
        solver = pulp.PULP_CBC_CMD(mip=mip, msg=False, timeLimit=max(time_limit, 0.01), threads=cap_threads(threads),
                                   gapRel=0.0, options=list(options), logPath=log_path, _skip_v4_deprecation=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(solver)
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(log_path)
    col = np.array([np.nan if v.varValue is None else v.varValue for v in xs], dtype=np.float64)
    if prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        # a column in no row nor the objective is not passed to CBC: any value in its bounds will do
        col = np.where(np.isnan(col), np.array([v.lowBound or 0.0 for v in xs]), col)
    return prob.status, prob.sol_status, col, text


def run_cbc(model: Model, *, time_limit: float = 60.0, threads: int | None = None, log: Log | None = None,
            lp_first: bool = True, start: np.ndarray | None = None) -> SolveResult:
    """Solve with CBC through PuLP (rows built from the model's arrays). ``start`` is not handed
    to CBC; :func:`run_solver` keeps it when CBC ends with nothing better."""
    import pulp

    log = log or quiet
    trivial = _trivial(model, "cbc")
    if trivial is not None:
        return trivial
    t0 = time.perf_counter()
    prob, xs = pulp_problem(model)
    if lp_first:
        st, _, col, _ = _cbc(prob, xs, mip=False, time_limit=time_limit, threads=threads)
        if st == pulp.LpStatusInfeasible:
            return _result(model, STATUS_INFEASIBLE, None, None, time.perf_counter() - t0, "cbc")
        if st == pulp.LpStatusOptimal:
            rounded = _integral(model, col)
            if rounded is not None:
                return _result(model, STATUS_OPTIMAL, rounded, 0.0, time.perf_counter() - t0, "cbc")
            log("  " + gettext("LP relaxation is fractional: branch and bound…"))
    left = max(time_limit - (time.perf_counter() - t0), 0.01)
    st, sol, col, text = _cbc(prob, xs, mip=True, time_limit=left, threads=threads, options=CBC_OPTIONS)
    secs = time.perf_counter() - t0
    if st == pulp.LpStatusOptimal and sol == pulp.LpSolutionOptimal:
        return _result(model, STATUS_OPTIMAL, col, 0.0, secs, "cbc")
    if sol == pulp.LpSolutionIntegerFeasible and not np.isnan(col).any():
        value = float(model.cost @ col)
        bound, gap = _cbc_log_bound(text), None
        if bound is not None and math.isfinite(bound):
            bound = -bound if model.maximise else bound  # CBC minimises the negated objective
            gap = abs(value - bound) / max(abs(value), 1e-9)
        res = _result(model, STATUS_FEASIBLE, col, gap, secs, "cbc", gettext("CBC stopped on its time limit"), proven=False)
        res.bound = bound if bound is not None and math.isfinite(bound) else None
        return res
    if st == pulp.LpStatusInfeasible:
        return _result(model, STATUS_INFEASIBLE, None, None, secs, "cbc")
    return _result(model, STATUS_UNKNOWN, None, None, secs, "cbc",
                   gettext("CBC stopped before finding any plan or proof"), proven=False)


# ---------------------------------------------------------------- one interface


RUNNERS = {"highs": run_highs, "cbc": run_cbc}


def run_solver(model: Model, *, name: str = "highs", time_limit: float = 60.0, threads: int | None = None,
               log: Log | None = None, lp_first: bool = True, start: np.ndarray | None = None) -> SolveResult:
    """Solve ``model`` with ``name`` (highs | cbc) within ``time_limit`` seconds; threads are
    capped to the machine's CPUs. ``start``: a plan meeting every row of ``model`` (e.g.
    :func:`orgmodel.optim.heuristic.greedy_plan`); when the solver stops on a limit with no plan,
    or a worse one, the answer is ``feasible`` with the start (never ``optimal``)."""
    if name not in RUNNERS:
        raise ValueError(f"unknown solver {name!r}; use highs or cbc")
    res = RUNNERS[name](model, time_limit=time_limit, threads=threads, log=log, lp_first=lp_first, start=start)
    return keep_start(model, res, start)


def gap_of(value: float, *bounds: float | None) -> tuple[float | None, float | None]:
    """(bound, gap) of a minimum-cost plan of cost ``value``: the best of the proven lower
    ``bounds``, and (value - bound) / value. A bound above the plan's cost would be a bug and is
    left out, never clipped to a 0 % gap."""
    ok = [b for b in bounds if b is not None and math.isfinite(b) and b <= value + 1e-6]
    if not ok:
        return None, None
    bound = max(ok)
    return bound, max(value - bound, 0.0) / max(abs(value), 1e-9)


def keep_start(model: Model, res: SolveResult, start: np.ndarray | None, note: str | None = None) -> SolveResult:
    """``res``, or the start plan when the solver proved no optimum and found nothing better
    (``note``: why, default: the solver stopped on its limit). A start that meets every row is a
    plan, so the answer is never ``infeasible`` beside it. The start's gap is measured against the
    better of the solver's bound and :func:`orgmodel.optim.heuristic.cost_bound`; a bound above
    the start's cost would be a bug and is left out."""
    if start is None or res.status == STATUS_OPTIMAL or model.maximise or not model.feasible(start):
        return res
    value = float(model.cost @ start)
    if res.status != STATUS_INFEASIBLE and res.values is not None and res.objective is not None and res.objective <= value:
        return res
    bound, gap = gap_of(value, res.bound, cost_bound(model))
    if note is None:
        note = gettext("the plan is orgmodel's greedy start: {solver} found no better one within the time limit",
                       solver=res.solver)
    return SolveResult(STATUS_FEASIBLE, model.chosen(start), value, gap, res.seconds, res.solver, note, proven=False,
                       col=np.asarray(start, dtype=np.float64), bound=bound)
