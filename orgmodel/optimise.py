"""The merge model of scenario-format.md as a MILP in PuLP, and the answers built on it.

Layout (PyPSA style): :func:`prepare` turns a scenario into an :class:`Instance` (the movable
units U, the candidate moves, the target counts); :func:`build_model` creates the variables
through the problem (``prob.add_variable_dict``) and calls one small ``define_*`` function per
constraint family, each working on whole tables and adding its rows in one ``prob.extend``;
:func:`run_solver` solves it with HiGHS (in-process, through :class:`FastHiGHS`) or CBC.
:func:`solve_scenario` and :func:`frontier` are the public answers.

Formulation (a binary x per decision row of ``Instance.moves``; a[u] = sum of x over the rows
leaving u = "u is absorbed"):

* ``pairs`` (always exact): one x per candidate move (u, v). A binary h[v] ("v absorbs") exists
  for every v that can both absorb and be absorbed; the star rule is the strong
  facility-location form x[u,v] <= h[v] with h[v] + a[v] <= 1 (2 non-zeros per move instead of
  the 1 + outdeg(v) of x[u,v] + a[v] <= 1 and the sum of outdeg(v) rows of the pairwise
  x[u,v] + x[v,w] <= 1, with the same or a better LP bound). max_staff and min_staff use h[v] to
  tighten their rows; min_staff coefficients are clipped at the deficit.
* ``aggregated`` (chosen automatically when exact): when neither distance nor staff rules are set
  and the cost of a move does not depend on v (``staff_km`` = 0 or no coordinates), every
  absorbed unit of a merge_within group can go to any unit left standing at the same cost, so
  only *which* units are absorbed matters: one binary per unit and per group "one stands". The
  plan sends a group's absorbed units to its largest standing unit (ties: lowest id).
* max_reduction problems count units, so where a unit goes never matters to them: groups where no
  staff rule can bite use one binary per unit and domination rows (n minus a minimum dominating
  set), the others the pairs model (:func:`build_max_model`).

Solving: the LP relaxation first (the formulation is tight, it is often integral, which proves
the optimum without a branch and bound), then the MILP with the solver options measured best
(``HIGHS_OPTIONS``, ``CBC_OPTIONS``). ``optimal`` is reported only when proven; a limit that
stops the solver with a plan gives ``feasible`` and its gap; without a plan, ``infeasible`` with a
note that infeasibility is not proven. ``solver.time_limit_s`` bounds a whole
:func:`solve_scenario` call (main solve first, max_reduction problems share the rest).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import os
import re
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import pulp

from .errors import ValidationError
from .consequences import consequences  # wired by plan helper
from .moves import MoveRules, candidate_moves, group_codes, haversine_km
from .rules import apply_rules, needs_pairs  # wired by plan helper
from .scenario import Scenario, Target
from .timeline import match

Log = Callable[[str], None]

STATUS_OPTIMAL, STATUS_FEASIBLE, STATUS_INFEASIBLE = "optimal", "feasible", "infeasible"
PLAN_COLUMNS = ["unit_id", "into_id", "kind", "sector", "locality", "staff", "distance_km", "cost"]
FRONTIER_COLUMNS = ["reduction", "reduction_pct", "min_cost", "merges", "status"]
DECIMALS = 6
DEFAULT_FRONTIER_STEPS = 25
#: Solver options chosen by measurement (bench/optimise_bench.py prints the comparison). The
#: formulation is already tight, so the solvers' own MIP preprocessing mostly costs time.
#: CBC: integer preprocessing off ("preprocess off"): 2-4x faster on 80-120 unit instances.
#: HiGHS: MIP presolve off (its probing took 8 of 12 s on a national model, overshot short time
#: limits, and once ran past 30 s on a 120-unit max_staff model that solves in 2 s without it) and
#: the feasibility-jump heuristic off (0.7 s of start-up on a province model, no better plans).
CBC_OPTIONS: tuple[str, ...] = ("preprocess off",)
CBC_PRESOLVE: bool | None = None
HIGHS_OPTIONS: dict = {"presolve": "off", "mip_heuristic_run_feasibility_jump": False}


def _quiet(_: str) -> None:
    pass


# ---------------------------------------------------------------- the instance


@dataclass
class TargetCount:
    """A target with its counts: ``members`` marks the rows of U that count towards it."""

    target: Target
    baseline: int
    at_plan_from: int
    required: int
    members: np.ndarray

    @property
    def already(self) -> int:
        """Reduction reached between the baseline and plan_from (negative when units grew)."""
        return self.baseline - self.at_plan_from

    @property
    def need(self) -> int:
        """How many member units the plan must absorb."""
        return self.required - self.already


@dataclass
class Instance:
    """Everything the model needs, as tables and arrays aligned with ``units`` rows."""

    scenario: Scenario
    units: pd.DataFrame  # U: index unit_id (sorted), units.csv columns as of plan_from
    moves: pd.DataFrame  # decision rows: columns of moves.MOVE_COLUMNS (v = -1 when aggregated)
    targets: list[TargetCount]
    mode: str  # "pairs" | "aggregated"
    staff: np.ndarray
    group: np.ndarray  # merge_within group code per unit (-1: shares no group)
    seconds: dict = field(default_factory=dict)

    @property
    def n_units(self) -> int:
        return len(self.units)

    def out_count(self) -> np.ndarray:
        """Number of decision rows leaving each unit (0: it can never be absorbed)."""
        return np.bincount(self.moves["u"].to_numpy(), minlength=self.n_units)

    def in_count(self) -> np.ndarray:
        if self.mode != "pairs":
            return np.zeros(self.n_units, dtype=np.int64)
        return np.bincount(self.moves["v"].to_numpy(), minlength=self.n_units)


def movable_units(scn: Scenario) -> pd.DataFrame:
    """U: units open at plan_from whose kind is movable and that match the scope."""
    at = scn.timeline.units_as_of(scn.plan_from)
    mask = at["kind"].isin(scn.movable).to_numpy() & match(at, scn.scope)
    return at.loc[mask]


def count_target(scn: Scenario, t: Target, units: pd.DataFrame) -> TargetCount:
    """Counts of one target: baseline at its date, at plan_from, the required reduction."""
    tl = scn.timeline
    where = {k: list(v) for k, v in (t.where or {}).items()} or None
    base = tl.count(t.kind, t.baseline, where)
    at_pf = tl.count(t.kind, scn.plan_from, where)
    kinds = ["agency", "psu"] if t.kind == "all" else [t.kind]
    members = units["kind"].isin(kinds).to_numpy() & match(units, t.where)
    return TargetCount(target=t, baseline=base, at_plan_from=at_pf, required=t.required(base), members=members)


def choose_mode(scn: Scenario, units: pd.DataFrame, formulation: str = "auto") -> str:
    """``aggregated`` when it is exact (see the module docstring) and not refused, else ``pairs``."""
    if formulation not in ("auto", "pairs", "aggregated"):
        raise ValueError(f"formulation must be auto, pairs or aggregated, not {formulation!r}")
    r = scn.rules
    has_coords = {"lat", "lon"} <= set(units.columns) and bool((units["lat"].notna() & units["lon"].notna()).any())
    exact = (r.max_distance_km is None and r.max_staff is None and r.min_staff is None
             and (scn.objective.staff_km == 0 or not has_coords))
    if formulation == "aggregated" and not exact:
        raise ValueError("the aggregated formulation is exact only without distance/staff rules and with a cost independent of the absorbing unit")
    if formulation == "pairs":
        return "pairs"
    return "aggregated" if exact else "pairs"


def _check_coordinates(scn: Scenario, units: pd.DataFrame) -> None:
    if scn.rules.max_distance_km is None:
        return
    if not {"lat", "lon"} <= set(units.columns):
        bad = list(units.index)
    else:
        bad = list(units.index[units["lat"].isna() | units["lon"].isna()])
    if bad:
        shown = ", ".join(bad[:10]) + (f" … and {len(bad) - 10} more" if len(bad) > 10 else "")
        problems = pd.DataFrame([{
            "severity": "error", "file": scn.source, "line": None, "id": "", "column": "rules.max_distance_km",
            "value": str(scn.rules.max_distance_km),
            "message": (f"rules.max_distance_km needs lat/lon on every movable unit, but {len(bad)} "
                        f"have none: {shown}. Add coordinates to units.csv or drop the rule."),
        }])
        raise ValidationError(problems)


def move_rules(scn: Scenario) -> MoveRules:
    r, o = scn.rules, scn.objective
    return MoveRules(merge_within=tuple(r.merge_within), max_distance_km=r.max_distance_km, max_staff=r.max_staff,
                     protected=tuple(r.protected), per_merge=o.per_merge, staff_moved=o.staff_moved, staff_km=o.staff_km)


def _unit_decisions(units: pd.DataFrame, rules: MoveRules, codes: np.ndarray) -> pd.DataFrame:
    """Aggregated decision rows: one per unit that shares its group with another unit."""
    ids = units.index.to_numpy(dtype=object)
    valid = codes >= 0
    sizes = np.bincount(codes[valid], minlength=int(codes.max()) + 1 if valid.any() else 0)
    ok = valid & (sizes[np.where(valid, codes, 0)] > 1) if valid.any() else valid
    if rules.protected:
        ok &= ~np.isin(ids, np.asarray(rules.protected, dtype=object))
    u = np.flatnonzero(ok)
    staff = units["staff"].to_numpy(dtype=np.int64)
    return pd.DataFrame({
        "unit_id": ids[u], "into_id": "", "u": u, "v": np.full(u.size, -1, dtype=np.int64),
        "group": codes[u], "distance_km": np.zeros(u.size),
        "cost": rules.per_merge + rules.staff_moved * staff[u].astype(float),
    })


def prepare(scn: Scenario, *, formulation: str = "auto", log: Log | None = None) -> Instance:
    """Select U, generate the decision rows (timed) and count every target."""
    log = log or _quiet
    t0 = time.perf_counter()
    units = movable_units(scn)
    _check_coordinates(scn, units)
    mode = choose_mode(scn, units, formulation)
    if needs_pairs(scn, units):  # wired by plan helper: type compatibility and pins depend on the absorbing unit
        mode = "pairs"
    rules = move_rules(scn)
    codes = group_codes(units, rules.merge_within)
    moves = candidate_moves(units, rules) if mode == "pairs" else _unit_decisions(units, rules, codes)
    rule_blocking: list[dict] = []
    moves, rule_blocking = apply_rules(moves, units, scn)  # wired by plan helper
    t1 = time.perf_counter()
    targets = [count_target(scn, t, units) for t in scn.targets]
    what = "candidate moves" if mode == "pairs" else "units that can be absorbed (aggregated formulation)"
    log(f"{len(units)} movable units, {len(moves)} {what} ({t1 - t0:.2f} s)")
    inst = Instance(scenario=scn, units=units, moves=moves, targets=targets, mode=mode,
                    staff=units["staff"].to_numpy(dtype=np.int64), group=codes,
                    seconds={"candidates": t1 - t0})
    inst.rule_blocking = rule_blocking  # wired by plan helper
    return inst


# ---------------------------------------------------------------- the model


@dataclass
class Model:
    """A PuLP problem with handles on its variables and target rows."""

    prob: pulp.LpProblem
    x: list  # one LpVariable per decision row of inst.moves
    h: dict  # unit row -> LpVariable "absorbs others" (pairs mode)
    target_rows: dict  # target index -> LpConstraint
    instance: Instance
    seconds: float = 0.0
    absorbs: np.ndarray | None = None  # unit row each x absorbs when 1 (default: inst.moves["u"])

    def absorbed_units(self, chosen: np.ndarray) -> np.ndarray:
        """Boolean mask over U: the units absorbed when the x marked in ``chosen`` are 1."""
        src = self.instance.moves["u"].to_numpy() if self.absorbs is None else self.absorbs
        mask = np.zeros(self.instance.n_units, dtype=bool)
        mask[src[chosen]] = True
        return mask


def _slices(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For an array sorted by key: (distinct keys, start, end) of each run."""
    if keys.size == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e, e
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], keys.size]
    return keys[starts], starts, ends


def _exprs_by(keys: np.ndarray, variables: list, coefs=None) -> dict[int, pulp.LpAffineExpression]:
    """One expression per distinct key: sum of coef * var over the entries with that key."""
    order = np.argsort(keys, kind="stable")
    k, starts, ends = _slices(keys[order])
    vs = [variables[i] for i in order.tolist()]
    cs = [1] * len(vs) if coefs is None else np.asarray(coefs)[order].tolist()
    return {int(key): pulp.LpAffineExpression(dict(zip(vs[a:b], cs[a:b])))
            for key, a, b in zip(k.tolist(), starts.tolist(), ends.tolist())}


def _row(name: str, expr, sense: int, rhs: float) -> pulp.LpConstraint:
    return pulp.LpConstraint(expr, sense, name, rhs)


def define_decisions(prob: pulp.LpProblem, inst: Instance) -> list:
    """x: one binary per decision row (a move (u, v), or 'u is absorbed' when aggregated)."""
    x = list(prob.add_variable_dict("x", range(len(inst.moves)), 0, 1, pulp.LpBinary).values())
    if "pinned" in inst.moves.columns:  # wired by plan helper: pins.merge moves are made
        for i in np.flatnonzero(inst.moves["pinned"].to_numpy(dtype=bool)).tolist():
            x[i].lowBound = 1
    return x


def absorbed(inst: Instance, x: list) -> dict[int, pulp.LpAffineExpression]:
    """a[u] = sum over moves leaving u of x: 1 when u is absorbed."""
    return _exprs_by(inst.moves["u"].to_numpy(), x)


def define_hubs(prob: pulp.LpProblem, inst: Instance) -> dict:
    """h[v]: binary 'v absorbs others', for units that can both absorb and be absorbed."""
    if inst.mode != "pairs":
        return {}
    both = np.flatnonzero((inst.in_count() > 0) & (inst.out_count() > 0))
    return prob.add_variable_dict("h", both.tolist(), 0, 1, pulp.LpBinary)


def define_absorbed_once(prob, inst: Instance, a: dict, h: dict) -> None:
    """Each unit is absorbed at most once; with h: a unit that absorbs is not absorbed
    (h[u] + a[u] <= 1)."""
    rows = {}
    for u, expr in a.items():
        if u in h:
            expr = pulp.LpAffineExpression({**expr, h[u]: 1})
        elif len(expr) < 2:
            continue
        rows[f"once_{u}"] = pulp.LpConstraint(expr, pulp.LpConstraintLE, None, 1)
    prob.extend(rows)


def define_star(prob, inst: Instance, x: list, h: dict) -> None:
    """Merged groups are stars: x[u,v] <= h[v] for every move into a v that could itself be
    absorbed (h[v] + a[v] <= 1 is in define_absorbed_once)."""
    if inst.mode != "pairs" or not h:
        return
    v = inst.moves["v"].to_numpy()
    hv = np.zeros(inst.n_units, dtype=bool)
    hv[np.fromiter(h.keys(), dtype=np.int64, count=len(h))] = True
    le = pulp.LpConstraintLE
    prob.extend({f"star_{m}": pulp.LpConstraint(pulp.LpAffineExpression({x[m]: 1, h[w]: -1}), le, None, 0)
                 for m, w in zip(np.flatnonzero(hv[v]).tolist(), v[hv[v]].tolist())})


def define_group_caps(prob, inst: Instance, x: list) -> None:
    """Aggregated form of the star rule: in a merge group whose units can all be absorbed,
    at least one stands (to absorb the others)."""
    if inst.mode != "aggregated" or not len(inst.moves):
        return
    size = np.bincount(inst.group[inst.group >= 0])
    caps = _exprs_by(inst.moves["group"].to_numpy(), x)
    prob.extend({f"stand_{g}": _row(f"stand_{g}", expr, pulp.LpConstraintLE, int(size[g]) - 1)
                 for g, expr in caps.items() if len(expr) == size[g]})


def define_max_staff(prob, inst: Instance, x: list, h: dict) -> None:
    """staff[v] + staff absorbed by v <= max_staff, for every v that absorbs (with h[v] on the
    right-hand side where it exists); rows that can never bind are left out."""
    cap = inst.scenario.rules.max_staff
    if cap is None or inst.mode != "pairs" or not len(inst.moves):
        return
    u, v = inst.moves["u"].to_numpy(), inst.moves["v"].to_numpy()
    room = cap - inst.staff
    incoming = np.bincount(v, weights=inst.staff[u], minlength=inst.n_units)
    sel = (incoming > room)[v]
    exprs = _exprs_by(v[sel], [x[i] for i in np.flatnonzero(sel).tolist()], inst.staff[u[sel]])
    prob.extend({f"maxstaff_{w}": (_row(f"maxstaff_{w}", e - int(room[w]) * h[w], pulp.LpConstraintLE, 0) if w in h
                                   else _row(f"maxstaff_{w}", e, pulp.LpConstraintLE, int(room[w])))
                 for w, e in exprs.items()})


def define_min_staff(prob, inst: Instance, x: list, a: dict, present: np.ndarray | None = None) -> None:
    """A movable unit left standing ends with >= min_staff: with deficit d = min_staff - staff[v],
    sum of min(staff[u], d) x[u,v] + d a[v] >= d (coefficients clipped at d: still exact).
    ``present`` marks the units the rows are for (default: those with a move in ``inst``)."""
    floor = inst.scenario.rules.min_staff
    if floor is None or inst.mode != "pairs":
        return
    deficit = floor - inst.staff
    u, v = inst.moves["u"].to_numpy(), inst.moves["v"].to_numpy()
    sel = deficit[v] > 0
    incoming = _exprs_by(v[sel], [x[i] for i in np.flatnonzero(sel).tolist()], np.minimum(inst.staff[u[sel]], deficit[v[sel]]))
    if present is None:  # units without any move and below the floor are blocking units,
        present = np.zeros(inst.n_units, dtype=bool)  # found before any model is built
        present[u], present[v] = True, True
    rows = {}
    for w in np.flatnonzero((deficit > 0) & present).tolist():
        d = int(deficit[w])
        expr = pulp.LpAffineExpression(incoming.get(w, {}))
        if w in a:
            expr += d * a[w]
        rows[f"minstaff_{w}"] = _row(f"minstaff_{w}", expr, pulp.LpConstraintGE, d)
    prob.extend(rows)


def keep_groups(inst: Instance) -> np.ndarray:
    """keep_per group code of every unit of U (missing values form their own group)."""
    cols = list(inst.scenario.rules.keep_per)
    keys = inst.units[cols].astype("string").fillna("\x00")
    return keys.groupby(cols, sort=True).ngroup().to_numpy(dtype=np.int64)


def define_keep_per(prob, inst: Instance, a: dict) -> None:
    """Every keep_per group with an open movable unit keeps at least one unit standing (a group
    with a unit that can never be absorbed needs no row)."""
    if not inst.scenario.rules.keep_per:
        return
    codes = keep_groups(inst)
    size = np.bincount(codes)
    full = np.bincount(codes, weights=inst.out_count() > 0, minlength=size.size) == size
    order = np.argsort(codes, kind="stable")
    k, starts, ends = _slices(codes[order])
    prob.extend({f"keep_{g}": _row(f"keep_{g}", pulp.lpSum(a[u] for u in order[s:e].tolist()), pulp.LpConstraintLE, e - s - 1)
                 for g, s, e in zip(k.tolist(), starts.tolist(), ends.tolist()) if full[g]})


def define_targets(prob, inst: Instance, a: dict, which: list[int]) -> dict:
    """Every target holds after the moves: absorbed members >= need (rows kept even when
    need <= 0, so a frontier can move their right-hand side)."""
    rows = {}
    for i in which:
        tc = inst.targets[i]
        members = [u for u in np.flatnonzero(tc.members).tolist() if u in a]
        rows[i] = _row(f"target_{i}", pulp.lpSum(a[u] for u in members), pulp.LpConstraintGE, max(tc.need, 0))
    prob.extend({c.name: c for c in rows.values()})
    return rows


def define_cost(prob, inst: Instance, x: list) -> None:
    """Objective: sum of x * (per_merge + staff_moved staff[u] + staff_km staff[u] km(u,v))."""
    prob.setObjective(pulp.LpAffineExpression(dict(zip(x, inst.moves["cost"].tolist()))))


def define_max_absorbed(prob, inst: Instance, a: dict, target: int) -> None:
    """Objective for max_reduction: the number of absorbed units counting for ``target``."""
    members = [u for u in np.flatnonzero(inst.targets[target].members).tolist() if u in a]
    prob.setObjective(pulp.lpSum(a[u] for u in members))


def build_model(inst: Instance, *, maximise_target: int | None = None, targets: list[int] | None = None) -> Model:
    """The MILP: minimum cost meeting ``targets`` (default all), or, with ``maximise_target``,
    the most absorbed units counting for that target under the rules alone."""
    with _gc_paused():
        return _build_model(inst, maximise_target, targets)


@contextlib.contextmanager
def _gc_paused():
    """Pause Python's cyclic garbage collector while PuLP creates its many small objects (it
    creates no cycles we need collected; the repeated full collections otherwise double the
    build time of a national model)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _build_model(inst: Instance, maximise_target: int | None, targets: list[int] | None) -> Model:
    t0 = time.perf_counter()
    sense = pulp.LpMaximize if maximise_target is not None else pulp.LpMinimize
    prob = pulp.LpProblem("orgmodel_" + re.sub(r"\W", "_", inst.scenario.name or "scenario"), sense)
    x = define_decisions(prob, inst)
    h = define_hubs(prob, inst)
    a = absorbed(inst, x)
    define_absorbed_once(prob, inst, a, h)
    define_star(prob, inst, x, h)
    define_group_caps(prob, inst, x)
    define_max_staff(prob, inst, x, h)
    define_min_staff(prob, inst, x, a)
    define_keep_per(prob, inst, a)
    rows = {}
    if maximise_target is not None:
        define_max_absorbed(prob, inst, a, maximise_target)
    else:
        rows = define_targets(prob, inst, a, list(range(len(inst.targets))) if targets is None else targets)
        define_cost(prob, inst, x)
    return Model(prob=prob, x=x, h=h, target_rows=rows, instance=inst, seconds=time.perf_counter() - t0)


def define_domination(prob, inst: Instance) -> tuple[dict, list, np.ndarray]:
    """The star rule for when only *which* units are absorbed matters (max_reduction), in the
    merge groups of ``inst.moves``: z[u] = 1 when u is absorbed; u needs an out-neighbour left
    standing, z[u] <= sum over moves (u, v) of (1 - z[v]). Under min_staff a standing unit v below
    the floor (deficit d) must take in d staff, so moves *into such units only* keep a binary
    x[u,v] (x[u,v] <= z[u], x[u,v] <= 1 - z[v], sum over v of x[u,v] <= 1, and the min_staff row
    on x), and count for u's domination row in place of 1 - z[v]. Exact when max_staff cannot
    bite in these groups. Returns (a: unit -> expression, the variables, the unit each absorbs)."""
    u, v = inst.moves["u"].to_numpy(), inst.moves["v"].to_numpy()
    floor = inst.scenario.rules.min_staff
    deficit = (floor - inst.staff) if floor is not None else np.zeros(inst.n_units, dtype=np.int64)
    units = np.unique(u)
    z = prob.add_variable_dict("z", units.tolist(), 0, 1, pulp.LpBinary)
    into = np.flatnonzero(deficit[v] > 0)
    x = prob.add_variable_dict("y", into.tolist(), 0, 1, pulp.LpBinary)
    le, rows = pulp.LpConstraintLE, {}
    k, starts, ends = _slices(u)  # moves are sorted by u
    for uu, s0, e0 in zip(k.tolist(), starts.tolist(), ends.tolist()):
        plain = [w for w, m in zip(v[s0:e0].tolist(), range(s0, e0)) if m not in x]
        if any(w not in z for w in plain):  # a neighbour without a floor that is never absorbed always stands
            continue
        expr = {z[uu]: 1, **{z[w]: 1 for w in plain}, **{x[m]: -1 for m in range(s0, e0) if m in x}}
        rows[f"dominate_{uu}"] = pulp.LpConstraint(pulp.LpAffineExpression(expr), le, None, len(plain))
    for m in into.tolist():
        rows[f"goes_{m}"] = pulp.LpConstraint(pulp.LpAffineExpression({x[m]: 1, z[int(u[m])]: -1}), le, None, 0)
        if int(v[m]) in z:
            rows[f"stands_{m}"] = pulp.LpConstraint(pulp.LpAffineExpression({x[m]: 1, z[int(v[m])]: 1}), le, None, 1)
    for uu, ms in _exprs_by(u[into], [x[m] for m in into.tolist()]).items():
        if len(ms) > 1:
            rows[f"once_{uu}"] = pulp.LpConstraint(ms, le, None, 1)
    prob.extend(rows)
    a = {uu: pulp.LpAffineExpression({zz: 1}) for uu, zz in z.items()}
    sub = dataclasses.replace(inst, moves=inst.moves.iloc[into].reset_index(drop=True))
    present = np.zeros(inst.n_units, dtype=bool)
    present[u], present[v] = True, True
    define_min_staff(prob, sub, [x[m] for m in into.tolist()], a, present)
    return a, list(z.values()), units


def staff_groups(inst: Instance) -> np.ndarray:
    """Merge groups where max_staff can bite (a unit whose possible intake exceeds its room):
    there it matters where each unit goes, so max_reduction keeps the full move model."""
    r = inst.scenario.rules
    if r.max_staff is None or not len(inst.moves):
        return np.empty(0, dtype=np.int64)
    u, v = inst.moves["u"].to_numpy(), inst.moves["v"].to_numpy()
    bites = np.bincount(v, weights=inst.staff[u], minlength=inst.n_units) > r.max_staff - inst.staff
    return np.unique(inst.group[bites & (inst.group >= 0)])


def build_max_model(inst: Instance, target: int) -> Model:
    """The max_reduction problem. Its objective does not depend on where a unit goes, so in a
    merge group where max_staff cannot bite only *which* units are absorbed matters: one binary z
    per unit and the domination rows of :func:`define_domination` (n minus a minimum dominating
    set, plus the min_staff intake of units below the floor). Groups where max_staff bites keep
    the full move model. The groups are independent but for the keep_per rows and the objective."""
    if inst.mode != "pairs":
        return build_model(inst, maximise_target=target)
    with _gc_paused():
        t0 = time.perf_counter()
        prob = pulp.LpProblem("orgmodel_max_" + re.sub(r"\W", "_", inst.scenario.name or "scenario"), pulp.LpMaximize)
        in_x = np.isin(inst.moves["group"].to_numpy(), staff_groups(inst))
        full = dataclasses.replace(inst, moves=inst.moves.loc[in_x].reset_index(drop=True))
        compact = dataclasses.replace(inst, moves=inst.moves.loc[~in_x].reset_index(drop=True))
        x = list(prob.add_variable_dict("x", range(len(full.moves)), 0, 1, pulp.LpBinary).values())
        h = define_hubs(prob, full)
        a = absorbed(full, x)
        define_absorbed_once(prob, full, a, h)
        define_star(prob, full, x, h)
        define_max_staff(prob, full, x, h)
        define_min_staff(prob, full, x, a)
        a_compact, z, units = define_domination(prob, compact)
        a.update(a_compact)
        define_keep_per(prob, inst, a)
        define_max_absorbed(prob, inst, a, target)
        absorbs = np.concatenate([full.moves["u"].to_numpy(), units]).astype(np.int64)
        return Model(prob=prob, x=x + z, h=h, target_rows={}, instance=inst, seconds=time.perf_counter() - t0, absorbs=absorbs)


# ---------------------------------------------------------------- solving


@dataclass
class SolveResult:
    """What a solver call proved: status, values of x (None without a plan), objective, gap."""

    status: str
    values: np.ndarray | None
    objective: float | None
    gap: float | None
    seconds: float
    solver: str
    note: str = ""
    proven: bool = True  # False when a limit stopped the solver: optimality/infeasibility unproven


class FastHiGHS(pulp.HiGHS):
    """``pulp.HiGHS`` with a vectorised hand-over: the whole model goes to highspy in one
    ``addCols`` and one ``addRows`` call on numpy arrays (PuLP's own bridge makes one Python call
    per column and per row), and the status is read from HiGHS itself, so that a time limit is
    never mistaken for optimality."""

    _banner_shown = False
    _threads = None  # the thread count HiGHS's global scheduler was started with

    def createAndConfigureSolver(self, lp):
        import highspy

        if not FastHiGHS._banner_shown:  # HiGHS prints a banner on stdout once per process
            _silently(_new_highs)
            FastHiGHS._banner_shown = True
        if self.threads != FastHiGHS._threads:
            # HiGHS refuses a thread count other than the one its global scheduler started with
            highspy.Highs.resetGlobalScheduler(True)
            FastHiGHS._threads = self.threads
        super().createAndConfigureSolver(lp)

    def buildSolverModel(self, lp):
        import highspy

        hs = lp.solverModel
        inf = highspy.kHighsInf
        variables = lp.variables()
        for i, var in enumerate(variables):
            var.index = i
        n = len(variables)
        mult = -1.0 if lp.sense == pulp.LpMaximize else 1.0
        obj = lp.objective if lp.objective is not None else {}
        cost = np.fromiter((mult * obj.get(v, 0.0) for v in variables), dtype=np.float64, count=n)
        lb = np.fromiter((-inf if v.lowBound is None else v.lowBound for v in variables), dtype=np.float64, count=n)
        ub = np.fromiter((inf if v.upBound is None else v.upBound for v in variables), dtype=np.float64, count=n)
        empty_i, empty_f = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
        hs.addCols(n, cost, lb, ub, 0, empty_i, empty_i, empty_f)
        integer = np.fromiter((i for i, v in enumerate(variables) if v.cat == pulp.LpInteger), dtype=np.int32)
        if self.mip and integer.size:
            hs.changeColsIntegrality(integer.size, integer, np.full(integer.size, highspy.HighsVarType.kInteger))
        cons = list(lp._constraints.values())
        m = len(cons)
        if not m:
            return
        lengths = np.fromiter((len(c.expr) for c in cons), dtype=np.int64, count=m)
        nnz = int(lengths.sum())
        starts = np.zeros(m, dtype=np.int32)
        np.cumsum(lengths[:-1], out=starts[1:])
        index = np.fromiter((v.index for c in cons for v in c.expr), dtype=np.int32, count=nnz)
        value = np.fromiter((a for c in cons for a in c.expr.values()), dtype=np.float64, count=nnz)
        rhs = np.fromiter((-c.constant for c in cons), dtype=np.float64, count=m)
        sense = np.fromiter((c.sense for c in cons), dtype=np.int64, count=m)
        lower = np.where(sense == pulp.LpConstraintLE, -inf, rhs)
        upper = np.where(sense == pulp.LpConstraintGE, inf, rhs)
        hs.addRows(m, lower, upper, nnz, starts, index, value)

    def findSolutionValues(self, lp):
        import highspy

        hs = lp.solverModel
        status = hs.getModelStatus()
        info = hs.getInfo()
        variables = lp.variables()
        if info.primal_solution_status == 2:  # a feasible point is at hand
            values = np.asarray(hs.getSolution().col_value)
            for var in variables:
                var.varValue = float(values[var.index])
        else:
            for var in variables:
                var.varValue = None
        if status == highspy.HighsModelStatus.kOptimal:
            return pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible
        if info.primal_solution_status == 2:
            return pulp.LpStatusNotSolved, pulp.LpSolutionIntegerFeasible
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound


def _new_highs():
    import highspy

    return highspy.Highs()


def _silently(fn):
    """Call ``fn`` with the process's stdout (file descriptor 1) sent to /dev/null."""
    import sys

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


def _values(model: Model) -> np.ndarray:
    """The chosen decision rows of a solved model (a variable in no row nor the objective is
    not passed to the solver: it is free, and 0 is as good as any value)."""
    return np.asarray([(v.varValue or 0.0) > 0.5 for v in model.x], dtype=bool)


def _solve_highs(model: Model, time_limit: float, threads: int | None, log: Log) -> SolveResult:
    import highspy

    def progress(_type, _message, out, _in, _user):  # HiGHS found a better plan
        gap = f", gap {100 * out.mip_gap:.2f}%" if math.isfinite(out.mip_gap) else ""
        log(f"  plan found: cost {out.objective_function_value:,.2f}{gap} ({out.running_time:.1f} s)")

    solver = FastHiGHS(msg=False, timeLimit=max(time_limit, 0.01), threads=threads, gapRel=0.0, callbackTuple=(progress, None),
                       callbacksToActivate=[highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution], **HIGHS_OPTIONS)
    t0 = time.perf_counter()
    model.prob.solve(solver)
    secs = time.perf_counter() - t0
    hs = model.prob.solverModel
    ms, info = hs.getModelStatus(), hs.getInfo()
    has_plan = info.primal_solution_status == 2
    if ms == highspy.HighsModelStatus.kOptimal:
        return SolveResult(STATUS_OPTIMAL, _values(model), _obj(model), 0.0, secs, "highs")
    if ms in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return SolveResult(STATUS_INFEASIBLE, None, None, None, secs, "highs")
    why = hs.modelStatusToString(ms)
    if ms not in _HIGHS_LIMITS:
        raise RuntimeError(f"HiGHS failed to solve the model ({why}); this is a bug or a broken HiGHS installation")
    if has_plan:
        gap = info.mip_gap if math.isfinite(info.mip_gap) else None
        return SolveResult(STATUS_FEASIBLE, _values(model), _obj(model), gap, secs, "highs", note=f"HiGHS stopped: {why}", proven=False)
    return SolveResult(STATUS_INFEASIBLE, None, None, None, secs, "highs",
                       note=f"HiGHS stopped ({why}) before finding any plan: infeasibility is not proven", proven=False)


def _highs_limits() -> set:
    import highspy

    S = highspy.HighsModelStatus
    return {S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt, S.kObjectiveBound, S.kObjectiveTarget,
            S.kMemoryLimit}


_HIGHS_LIMITS = _highs_limits()


def _obj(model: Model) -> float:
    return float(pulp.value(model.prob.objective) or 0.0)


_CBC_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf|-inf|nan)"


def _cbc_log_bound(text: str) -> tuple[float | None, float | None]:
    """(objective, best bound) from a CBC log's final lines, when it printed them."""
    obj = re.findall(r"Objective value:\s+" + _CBC_NUM, text)
    bound = re.findall(r"Lower bound:\s+" + _CBC_NUM, text)
    return (float(obj[-1]) if obj else None, float(bound[-1]) if bound else None)


def _solve_cbc(model: Model, time_limit: float, threads: int | None, log: Log) -> SolveResult:
    fd, log_path = tempfile.mkstemp(prefix="orgmodel-cbc-", suffix=".log")
    os.close(fd)
    try:
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=max(time_limit, 0.01), threads=threads, gapRel=0.0,
                                   presolve=CBC_PRESOLVE, options=list(CBC_OPTIONS), logPath=log_path,
                                   _skip_v4_deprecation=True)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.prob.solve(solver)
        secs = time.perf_counter() - t0
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(log_path)
    st, sol = model.prob.status, model.prob.sol_status
    if st == pulp.LpStatusOptimal and sol == pulp.LpSolutionOptimal:
        return SolveResult(STATUS_OPTIMAL, _values(model), _obj(model), 0.0, secs, "cbc")
    if sol == pulp.LpSolutionIntegerFeasible:
        obj, bound = _cbc_log_bound(text)
        value = _obj(model)
        gap = None
        if bound is not None and math.isfinite(bound):
            if model.prob.sense == pulp.LpMaximize:
                bound = -bound  # CBC minimises the negated objective
            gap = abs(value - bound) / max(abs(value), 1e-9)
        return SolveResult(STATUS_FEASIBLE, _values(model), value, gap, secs, "cbc", note="CBC stopped on its time limit", proven=False)
    if st == pulp.LpStatusInfeasible:
        return SolveResult(STATUS_INFEASIBLE, None, None, None, secs, "cbc")
    return SolveResult(STATUS_INFEASIBLE, None, None, None, secs, "cbc",
                       note="CBC stopped before finding any plan: infeasibility is not proven", proven=False)


def _integral(prob: pulp.LpProblem, tol: float = 1e-6) -> bool:
    """Are all integer variables integral (within ``tol``)? If so, round them in place."""
    ints = [v for v in prob.variables() if v.cat == pulp.LpInteger]
    vals = np.array([np.nan if v.varValue is None else v.varValue for v in ints], dtype=np.float64)
    if not ints:
        return True
    rounded = np.round(vals)
    if np.isnan(vals).any() or np.abs(vals - rounded).max() > tol:
        return False
    for v, r in zip(ints, rounded.tolist()):
        v.varValue = r
    return True


def _solve_relaxation(model: Model, name: str, time_limit: float, threads: int | None) -> SolveResult | None:
    """Solve the LP relaxation. Its optimum bounds the MILP's, so an integral LP optimum is a
    proven MILP optimum (gap 0), and an infeasible relaxation proves the MILP infeasible.
    Returns None when neither holds (the branch and bound must decide)."""
    t0 = time.perf_counter()
    if name == "highs":
        import highspy

        model.prob.solve(FastHiGHS(mip=False, msg=False, timeLimit=max(time_limit, 0.01), threads=threads, presolve="off"))
        ms = model.prob.solverModel.getModelStatus()
        optimal, infeasible = ms == highspy.HighsModelStatus.kOptimal, ms == highspy.HighsModelStatus.kInfeasible
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.prob.solve(pulp.PULP_CBC_CMD(mip=False, msg=False, timeLimit=max(time_limit, 0.01), threads=threads,
                                               _skip_v4_deprecation=True))
        optimal = model.prob.status == pulp.LpStatusOptimal
        infeasible = model.prob.status == pulp.LpStatusInfeasible
    secs = time.perf_counter() - t0
    if infeasible:
        return SolveResult(STATUS_INFEASIBLE, None, None, None, secs, name, note="")
    if optimal and _integral(model.prob):
        return SolveResult(STATUS_OPTIMAL, _values(model), _obj(model), 0.0, secs, name, note="")
    return None


def run_solver(model: Model, *, name: str = "highs", time_limit: float = 60.0, threads: int | None = None,
               log: Log | None = None, lp_first: bool = True) -> SolveResult:
    """Solve a model with HiGHS or CBC within ``time_limit`` seconds.

    With ``lp_first`` the LP relaxation is solved first: the formulation is tight enough that it
    is often integral, which proves optimality without a branch and bound (HiGHS's MIP presolve
    alone can take longer than the whole LP on a national model)."""
    log = log or _quiet
    if name not in ("highs", "cbc"):
        raise ValueError(f"unknown solver {name!r}; use highs or cbc")
    if not model.prob.variables():  # nothing to decide: constant rows either hold or not
        ok = all(c.valid() for c in model.prob._constraints.values())
        return SolveResult(STATUS_OPTIMAL if ok else STATUS_INFEASIBLE, np.zeros(len(model.x), dtype=bool) if ok else None,
                           0.0 if ok else None, 0.0 if ok else None, 0.0, name)
    spent = 0.0
    if lp_first:
        t0 = time.perf_counter()
        res = _solve_relaxation(model, name, time_limit, threads)
        spent = time.perf_counter() - t0
        if res is not None:
            return res
        log(f"  LP relaxation is fractional ({spent:.2f} s): branch and bound…")
    solve = _solve_highs if name == "highs" else _solve_cbc
    res = solve(model, max(time_limit - spent, 0.01), threads, log)
    res.seconds += spent
    return res


# ---------------------------------------------------------------- answers


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


def blocking_units(inst: Instance) -> list[str]:
    """Movable units that can never meet ``min_staff``: too small alone, too small even after
    absorbing every unit that may move into them (capped at max_staff), and unable to be
    absorbed themselves."""
    floor = inst.scenario.rules.min_staff
    if floor is None:
        return []
    staff = inst.staff
    reach = staff.astype(np.float64).copy()
    if inst.mode == "pairs" and len(inst.moves):
        u, v = inst.moves["u"].to_numpy(), inst.moves["v"].to_numpy()
        reach += np.bincount(v, weights=staff[u], minlength=inst.n_units)
        if inst.scenario.rules.max_staff is not None:
            has_in = inst.in_count() > 0
            reach = np.where(has_in, np.minimum(reach, inst.scenario.rules.max_staff), reach)
    stuck = (reach < floor) & (inst.out_count() == 0)
    return sorted(inst.units.index[stuck].tolist())


def _exemptions(inst: Instance, budget: float, opts, log: Log) -> list[str]:
    """When min_staff is infeasible but no single unit is stuck: the fewest units whose
    min_staff must be waived for the rules to hold (a binary per min_staff row; minimise them)."""
    model = build_model(inst, targets=[])
    prob = model.prob
    waive = {}
    for name, c in list(prob._constraints.items()):
        if name.startswith("minstaff_"):
            vv = int(name.split("_", 1)[1])
            w = prob.add_variable(f"waive_{vv}", 0, 1, pulp.LpBinary)
            c.expr[w] = -c.constant  # ... + d * waive >= d
            waive[vv] = w
    prob.setObjective(pulp.lpSum(waive.values()))
    res = run_solver(model, name=opts.name, time_limit=budget, threads=opts.threads, log=log)
    if res.values is None:
        return []
    ids = inst.units.index
    return sorted(str(ids[vv]) for vv, w in waive.items() if (w.varValue or 0) > 0.5)


def rules_feasible(inst: Instance, *, opts, budget: float, log: Log) -> tuple[bool | None, SolveResult | None]:
    """Can the rules alone be met (targets aside)? Only min_staff can make them fail.
    Returns (True / False / None when a time limit left it open, the solver result)."""
    if inst.scenario.rules.min_staff is None:
        return True, None
    res = run_solver(build_model(inst, targets=[]), name=opts.name, time_limit=budget, threads=opts.threads, log=log)
    if res.values is not None:
        return True, res
    return (False if res.proven else None), res


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


def max_absorbable(inst: Instance, ti: int, *, opts, budget: float, known: int | None, log: Log) -> tuple[int | None, bool, bool]:
    """The most units of target ``ti`` the rules let one plan absorb (ignoring other targets),
    given ``known``, the count absorbed by a plan already known to meet the rules.
    Returns (count or None when none was found, True when the rules alone are proven impossible,
    True when the count is proven to be the maximum)."""
    bound = reduction_bound(inst, ti)
    if (known is not None and known >= bound) or _bound_is_exact(inst):
        return bound, False, True  # _bound_is_exact: no min_staff either, so the rules always hold
    if not len(inst.moves) or bound == 0:
        return (0 if known is not None else None), False, known is not None
    model = build_max_model(inst, ti)
    res = run_solver(model, name=opts.name, time_limit=budget, threads=opts.threads, log=log)
    if res.values is None:
        return (None, True, True) if res.proven else (known, False, False)
    found = int(model.absorbed_units(res.values)[inst.targets[ti].members].sum())
    return max(found, known or 0), False, res.status == STATUS_OPTIMAL


def _bound_is_exact(inst: Instance) -> bool:
    """Without distance, staff or keep_per rules every merge group is a clique: all its units
    but one can be absorbed, so :func:`reduction_bound` is the maximum itself."""
    r = inst.scenario.rules
    return r.max_distance_km is None and r.max_staff is None and r.min_staff is None and not r.keep_per


def _absorbed_mask(inst: Instance, chosen: np.ndarray) -> np.ndarray:
    mask = np.zeros(inst.n_units, dtype=bool)
    mask[inst.moves["u"].to_numpy()[chosen]] = True
    return mask


def plan_table(inst: Instance, chosen: np.ndarray | None) -> pd.DataFrame:
    """plan.csv rows for the chosen decision rows (aggregated rows get their absorbing unit:
    the largest unit left standing in the group, ties to the lowest id)."""
    if chosen is None or not chosen.any():
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(PLAN_COLUMNS, [object] * 5 + ["int64", "float64", "float64"])})
    rows = inst.moves.loc[chosen].copy()
    u = rows["u"].to_numpy()
    if inst.mode == "aggregated":
        v = _hubs(inst, _absorbed_mask(inst, chosen))[inst.group[u]]
        rows["v"] = v
        rows["into_id"] = inst.units.index.to_numpy(dtype=object)[v]
        rows["distance_km"] = _pair_distance(inst.units, u, v)
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
    return out.sort_values("unit_id", kind="stable").reset_index(drop=True)


def _hubs(inst: Instance, gone: np.ndarray) -> np.ndarray:
    """Per merge group code: the row of its largest standing unit (ties: lowest id), or -1."""
    g = inst.group
    hub = np.full(int(g.max()) + 1 if g.size else 0, -1, dtype=np.int64)
    standing = np.flatnonzero(~gone & (g >= 0))
    order = standing[np.lexsort((standing, -inst.staff[standing], g[standing]))]  # by group, staff desc, row
    groups, first = np.unique(g[order], return_index=True)
    hub[groups] = order[first]
    return hub


def _pair_distance(units: pd.DataFrame, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if not {"lat", "lon"} <= set(units.columns):
        return np.zeros(u.size)
    lat = units["lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = units["lon"].to_numpy(dtype=float, na_value=np.nan)
    d = haversine_km(lat[u], lon[u], lat[v], lon[v])
    return np.where(np.isnan(d), 0.0, d)


def _target_rows(inst: Instance, gone: np.ndarray, maxima: list[int | None]) -> list[dict]:
    out = []
    for tc, mx in zip(inst.targets, maxima):
        absorbed_members = int(gone[tc.members].sum())
        after = tc.at_plan_from - absorbed_members
        row = {
            "kind": tc.target.kind,
            "baseline_date": tc.target.baseline.isoformat(),
            "baseline": tc.baseline,
            "plan_from": tc.at_plan_from,
            "after": after,
            "required_reduction": tc.required,
            "achieved_reduction": tc.baseline - after,
            "max_reduction": None if mx is None else tc.already + mx,
            "met": bool(tc.baseline - after >= tc.required),
        }
        out.append(row)  # exactly the contract's keys; the filter is in Solution.scenario.targets
    return out


def _main_solve(inst: Instance, opts, budget: float, log: Log) -> tuple[SolveResult, float]:
    """The minimum-cost MILP with every target; returns (result, build seconds)."""
    if not len(inst.moves):  # nothing can move (min_staff deficits would be blocking units)
        ok = all(tc.need <= 0 for tc in inst.targets)
        return SolveResult(STATUS_OPTIMAL if ok else STATUS_INFEASIBLE, np.zeros(0, dtype=bool) if ok else None,
                           0.0 if ok else None, 0.0 if ok else None, 0.0, opts.name), 0.0
    model = build_model(inst)
    log(f"model: {len(model.x) + len(model.h)} variables, {len(model.prob._constraints)} constraints "
        f"({inst.mode} formulation, built in {model.seconds:.2f} s); solving with {opts.name} "
        f"(time limit {opts.time_limit_s:g} s)…")
    res = run_solver(model, name=opts.name, time_limit=budget, threads=opts.threads, log=log)
    log(f"{res.status} in {res.seconds:.2f} s" + (f" ({res.note})" if res.note else ""))
    return res, model.seconds


def _members_absorbed(inst: Instance, values: np.ndarray | None) -> list[int] | None:
    if values is None:
        return None
    gone = _absorbed_mask(inst, values)
    return [int(gone[tc.members].sum()) for tc in inst.targets]


def solve_scenario(scn: Scenario, *, log: Log | None = None, formulation: str = "auto") -> Solution:
    """Solve a scenario: the least-cost moves meeting every target under the rules, each
    target's max_reduction, and (when min_staff can never be met) the blocking units.

    ``solver.time_limit_s`` bounds the whole call: the main solve gets what is left of it, the
    max_reduction problems then share the rest (each at least a tenth of the limit)."""
    log = log or _quiet
    t_start = time.perf_counter()
    opts = scn.solver
    deadline = t_start + opts.time_limit_s
    inst = prepare(scn, formulation=formulation, log=log)
    timings = {"candidates": inst.seconds["candidates"], "build": 0.0, "solve": 0.0}
    notes: list[str] = []

    def budget() -> float:
        return max(deadline - time.perf_counter(), 0.1 * opts.time_limit_s)

    def timed(fn, *args, **kw):
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        timings["solve"] += time.perf_counter() - t0
        return out

    blocking = blocking_units(inst)
    result, rules = None, (False if blocking else None)  # rules: True / False / None (unknown)
    pin_blocking = getattr(inst, "rule_blocking", [])  # wired by plan helper
    if pin_blocking:
        rules = False
        log(f"{len(pin_blocking)} pin(s) contradict the rules: " + "; ".join(f"{b['unit_id']} -> {b['into_id']}: {b['reason']}" for b in pin_blocking))
    elif blocking:
        log(f"min_staff {scn.rules.min_staff} can never be met by {len(blocking)} unit(s): {', '.join(blocking[:10])}")
    else:
        result, build_s = _main_solve(inst, opts, budget(), log)
        timings["build"] += build_s
        timings["solve"] += result.seconds
        if result.note:
            notes.append(result.note)
    witness = _members_absorbed(inst, result.values) if result is not None else None
    if rules is None:
        if witness is not None or scn.rules.min_staff is None:
            rules = True
        else:  # no plan: are the rules alone satisfiable? (min_staff may not be)
            rules, res = timed(rules_feasible, inst, opts=opts, budget=budget(), log=log)
            witness = _members_absorbed(inst, res.values) if res is not None else None
    maxima: list[int | None] = [None] * len(inst.targets)
    if rules is not False:
        for ti, tc in enumerate(inst.targets):
            log(f"max_reduction of target {ti + 1}/{len(inst.targets)} ({tc.target.label()})…")
            known = witness[ti] if witness is not None else (0 if scn.rules.min_staff is None else None)
            share = max(budget() / (len(inst.targets) - ti), 0.1 * opts.time_limit_s)
            mx, broken, proven = timed(max_absorbable, inst, ti, opts=opts, budget=share, known=known, log=log)
            if broken:
                rules = False
                break
            maxima[ti] = mx
            if mx is None:
                notes.append(f"max_reduction of target {ti + 1} could not be determined within the time limit")
            elif not proven:
                notes.append(f"max_reduction of target {ti + 1} is the best found within the time limit, not a proven maximum")
    if rules is False:
        maxima, result = [None] * len(inst.targets), None
        if not blocking and not pin_blocking:
            blocking = timed(_exemptions, inst, budget(), opts, log)
            notes.append("the rules alone cannot be met (min_staff); blocking_units is the smallest set of "
                         "units whose min_staff would have to be waived")
    chosen = result.values if result is not None else None
    status = STATUS_INFEASIBLE if chosen is None else result.status
    plan = plan_table(inst, chosen)
    targets = _target_rows(inst, _absorbed_mask(inst, chosen) if chosen is not None else np.zeros(inst.n_units, dtype=bool), maxima)
    summary = {
        "scenario": scn.name,
        "status": status,
        "objective": None if status == STATUS_INFEASIBLE else round(float(plan["cost"].sum()), DECIMALS) + 0.0,
        "merges": int(len(plan)),
        "targets": targets,
    }
    summary["consequences"] = consequences(plan, inst.units, scn)  # wired by plan helper
    if pin_blocking:  # wired by plan helper
        summary["blocking"] = [dict(b) for b in pin_blocking]
    elif rules is False:
        summary["blocking_units"] = list(blocking)
    timings["total"] = time.perf_counter() - t_start
    gap = None if status == STATUS_INFEASIBLE or result.gap is None else round(float(result.gap), DECIMALS) + 0.0
    summary["solver"] = {"name": opts.name, "seconds": round(timings["build"] + timings["solve"], 3), "gap": gap}
    return Solution(scenario=scn, status=status, plan=plan, summary=summary, targets=pd.DataFrame(targets),
                    blocking_units=summary.get("blocking_units"), timings=timings, notes=notes, instance=inst)


# ---------------------------------------------------------------- the frontier


def frontier_points(max_reduction: int, steps: int | None = None, extra: tuple[int, ...] = ()) -> list[int]:
    """Reductions to evaluate: every integer 0..max when there are at most ``steps``+1 of them,
    else ``steps`` evenly spaced intervals (0 and the max included); plus the ``extra`` points in
    that range (the frontier adds the target's required reduction and the reduction already
    reached at plan_from, so the curve shows the cost of the target itself)."""
    steps = DEFAULT_FRONTIER_STEPS if steps is None else max(int(steps), 1)
    if max_reduction <= 0:
        return [0]
    if max_reduction <= steps:
        return list(range(max_reduction + 1))
    points = set(np.round(np.linspace(0, max_reduction, steps + 1)).astype(int).tolist())
    points.update(int(e) for e in extra if 0 < e < max_reduction)
    return sorted(points)


def frontier(scn: Scenario, *, steps: int | None = None, target: int = 0, log: Log | None = None,
             formulation: str = "auto") -> pd.DataFrame:
    """Minimum cost of reaching each reduction (against target ``target``'s baseline) from 0 to
    that target's max_reduction; the other targets are ignored. Columns: reduction,
    reduction_pct (of the baseline), min_cost, merges, status."""
    log = log or _quiet
    opts = scn.solver
    if not 0 <= target < len(scn.targets):
        raise ValueError(f"target index {target} out of range (the scenario has {len(scn.targets)})")
    inst = prepare(scn, formulation=formulation, log=log)
    tc = inst.targets[target]
    blocking = blocking_units(inst)
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(FRONTIER_COLUMNS, ["int64", "float64", "float64", "int64", object])})
    if blocking:
        log(f"min_staff can never be met by {', '.join(blocking[:10])}: no frontier")
        return empty
    rules, res = rules_feasible(inst, opts=opts, budget=opts.time_limit_s, log=log)
    witness = _members_absorbed(inst, res.values) if res is not None else None
    known = witness[target] if witness is not None else (0 if rules else None)
    mx, broken, _ = (None, True, True) if rules is False else max_absorbable(
        inst, target, opts=opts, budget=opts.time_limit_s, known=known, log=log)
    if mx is None:
        log("the rules alone cannot be met (min_staff): no frontier" if broken
            else "the maximum reduction could not be found within the time limit: no frontier")
        return empty
    top = tc.already + mx
    points = frontier_points(max(top, 0), steps, extra=(tc.required, tc.already))
    model = build_model(inst, targets=[target]) if len(inst.moves) else None
    rows = []
    for i, r in enumerate(points):
        need = r - tc.already
        if model is None:
            res = SolveResult(STATUS_OPTIMAL if need <= 0 else STATUS_INFEASIBLE,
                              np.zeros(0, dtype=bool), 0.0, 0.0, 0.0, opts.name)
        else:
            model.target_rows[target].constant = -float(max(need, 0))
            res = run_solver(model, name=opts.name, time_limit=opts.time_limit_s, threads=opts.threads, log=log)
        chosen = res.values if res.values is not None else np.zeros(len(inst.moves), dtype=bool)
        plan = plan_table(inst, chosen) if res.values is not None else plan_table(inst, None)
        rows.append({
            "reduction": int(r),
            "reduction_pct": round(100.0 * r / tc.baseline, DECIMALS) if tc.baseline else float("nan"),
            "min_cost": round(float(plan["cost"].sum()), DECIMALS) + 0.0 if res.values is not None else float("nan"),
            "merges": int(len(plan)),
            "status": res.status,
        })
        log(f"  [{i + 1}/{len(points)}] reduction {r}: {res.status}" + (f", cost {rows[-1]['min_cost']:,.1f}" if res.values is not None else ""))
    return pd.DataFrame(rows, columns=FRONTIER_COLUMNS)
