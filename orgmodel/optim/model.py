"""The merge model of scenario-format.md as matrices: the instance, and one ``define_*`` function
per constraint family over whole tables.

:func:`prepare` turns a scenario into an :class:`Instance` (U, the candidate moves after the
merge rules of :mod:`orgmodel.rules`, the target counts). :func:`build_model` makes a
:class:`Model`: column bounds, costs and integrality as numpy arrays and the rows as one CSR
matrix, assembled by a :class:`Builder` from the blocks the ``define_*`` functions add (each a
vectorised table: row key, column, coefficient). No solver object is created here; the solvers
(:mod:`orgmodel.optim.solvers`) read the arrays.

Formulation (a binary x per decision row of ``Instance.moves``; a[u] = sum of x over the rows
leaving u = "u is absorbed"):

* ``pairs`` (always exact): one x per candidate move (u, v). A binary h[v] ("v absorbs") exists
  for every v that can both absorb and be absorbed; the star rule is the strong
  facility-location form x[u,v] <= h[v] with h[v] + a[v] <= 1. max_staff and min_staff use h[v]
  to tighten their rows; min_staff coefficients are clipped at the deficit. A pinned move
  (``pins.merge``) has lower bound 1.
* ``aggregated`` (chosen automatically when exact): when neither distance, staff, compatibility
  nor pin rules apply and the cost of a move does not depend on v, only *which* units are
  absorbed matters: one binary per unit and per group "one stands". The plan sends a group's
  absorbed units to its largest standing unit (ties: lowest id).
* max_reduction problems (:func:`build_max_model`) count units, so where a unit goes never
  matters: groups where no staff rule can bite use one binary per unit and domination rows.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import ValidationError
from ..i18n import _
from ..moves import MoveRules, candidate_moves, group_codes
from .. import fmt as F
from .. import rules as _rules
from ..scenario import Scenario, Target
from ..timeline import match

Log = Callable[[str], None]
INF = float("inf")


def quiet(_: str) -> None:
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
    moves: pd.DataFrame  # decision rows: moves.MOVE_COLUMNS + pinned (v = -1 when aggregated)
    targets: list[TargetCount]
    mode: str  # "pairs" | "aggregated"
    staff: np.ndarray
    group: np.ndarray  # merge_within group code per unit (-1: shares no group)
    blocking: list = field(default_factory=list)  # pins that contradict the rules (rules.apply_rules)
    open_units: pd.DataFrame | None = field(default=None, repr=False)  # every unit open at plan_from
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

    def pinned(self) -> np.ndarray:
        if "pinned" not in self.moves.columns:
            return np.zeros(len(self.moves), dtype=bool)
        return self.moves["pinned"].to_numpy(dtype=bool)


def movable_units(scn: Scenario, at: pd.DataFrame | None = None) -> pd.DataFrame:
    """U: units open at plan_from whose kind is movable and that match the scope."""
    at = scn.timeline.units_as_of(scn.plan_from) if at is None else at
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


def rules_may_filter(scn: Scenario, units: pd.DataFrame) -> bool:
    """Can :func:`orgmodel.rules.apply_rules` remove or pin a move here (compatibility of unit
    types, pins)? Then where a unit goes matters and the aggregated form is not exact.
    (``rules.needs_pairs`` decides when the rules module has it.)"""
    needs_pairs = getattr(_rules, "needs_pairs", None)
    if needs_pairs is not None:
        return bool(needs_pairs(scn, units))
    pins = getattr(scn, "pins", None)
    if pins is not None and any(getattr(pins, k, None) for k in ("merge", "forbid", "keep")):
        return True
    compatible = getattr(scn.rules, "compatible", None)
    return compatible not in (None, "off", False) and "unit_type" in units.columns


def choose_mode(scn: Scenario, units: pd.DataFrame, formulation: str = "auto") -> str:
    """``aggregated`` when it is exact (see the module docstring) and not refused, else ``pairs``."""
    if formulation not in ("auto", "pairs", "aggregated"):
        raise ValueError(f"formulation must be auto, pairs or aggregated, not {formulation!r}")
    r = scn.rules
    has_coords = {"lat", "lon"} <= set(units.columns) and bool((units["lat"].notna() & units["lon"].notna()).any())
    exact = (r.max_distance_km is None and r.max_staff is None and r.min_staff is None
             and (scn.objective.staff_km == 0 or not has_coords) and not rules_may_filter(scn, units))
    if formulation == "aggregated" and not exact:
        raise ValueError("the aggregated formulation is exact only without distance/staff/compatibility/pin rules "
                         "and with a cost independent of the absorbing unit")
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
        shown = ", ".join(bad[:10]) + (" … " + _("and {n} more", n=len(bad) - 10) if len(bad) > 10 else "")
        problems = pd.DataFrame([{
            "severity": "error", "file": scn.source, "line": None, "id": "", "column": "rules.max_distance_km",
            "value": str(scn.rules.max_distance_km),
            "message": _("rules.max_distance_km needs lat/lon on every movable unit, but {n} have none: {units}. Add "
                         "coordinates to units.csv or drop the rule.", n=len(bad), units=shown),
        }])
        raise ValidationError(problems)


def move_rules(scn: Scenario) -> MoveRules:
    r, o = scn.rules, scn.objective
    return MoveRules(merge_within=tuple(r.merge_within), max_distance_km=r.max_distance_km, max_staff=r.max_staff,
                     protected=tuple(r.protected), per_merge=o.per_merge, staff_moved=o.staff_moved, staff_km=o.staff_km)


def unit_decisions(units: pd.DataFrame, rules: MoveRules, codes: np.ndarray) -> pd.DataFrame:
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
        "cost": rules.per_merge + rules.staff_moved * staff[u].astype(float), "pinned": np.zeros(u.size, dtype=bool),
    })


#: pair decisions beyond which a run is warned of its size (make bench: 1.2 million pairs on the
#: national registry without a distance rule took 8.5 GB and two minutes with HiGHS)
LARGE_MOVES = 400_000
BYTES_PER_MOVE = 7_000
#: candidate moves beyond which the whole model is not handed to the solver but restrictions to
#: each unit's k least disruptive moves (optim.answers.restricted_solve; measured: HiGHS's LP
#: relaxation of the national model without a distance rule, 1.23 M moves, did not finish in 49 s)
HUGE_MODEL = 500_000


def prepare(scn: Scenario, *, formulation: str = "auto", log: Log | None = None) -> Instance:
    """Select U, generate the decision rows (then :func:`orgmodel.rules.apply_rules`: types that
    may merge, pins) and count every target."""
    log = log or quiet
    t0 = time.perf_counter()
    at = scn.timeline.units_as_of(scn.plan_from)
    units = movable_units(scn, at)
    _check_coordinates(scn, units)
    mode = choose_mode(scn, units, formulation)
    rules = move_rules(scn)
    codes = group_codes(units, rules.merge_within)
    moves = candidate_moves(units, rules) if mode == "pairs" else unit_decisions(units, rules, codes)
    moves, blocking = _rules.apply_rules(moves, units, scn)  # unit types that may merge, pins
    moves = moves.reset_index(drop=True)
    if "pinned" not in moves.columns:
        moves["pinned"] = False
    t1 = time.perf_counter()
    targets = [count_target(scn, t, units) for t in scn.targets]
    what = (_("{units} movable units, {n} candidate moves ({s} s)") if mode == "pairs"
            else _("{units} movable units, {n} units that can be absorbed (aggregated formulation) ({s} s)"))
    log(what.format(units=F.number(len(units)), n=F.number(len(moves)), s=F.number(t1 - t0, decimals=2)))
    if mode == "pairs" and len(moves) > HUGE_MODEL:
        log(_("warning: {n} candidate merges are too many to solve whole: the plan will be the best found among each "
              "unit's least disruptive moves, not proven optimal; a rules.max_distance_km, a narrower movable or where, "
              "or rules.compatible: off (one decision per unit) makes it smaller", n=F.number(len(moves))))
    elif mode == "pairs" and len(moves) > LARGE_MOVES:
        log(_("warning: {n} candidate merges make a model of about {gb} GB that may take minutes to solve; a "
              "rules.max_distance_km, a narrower movable or where, or rules.compatible: off (one decision per unit) "
              "makes it smaller", n=F.number(len(moves)), gb=F.number(len(moves) * BYTES_PER_MOVE / 1e9, decimals=1)))
    return Instance(scenario=scn, units=units, moves=moves, targets=targets, mode=mode,
                    staff=units["staff"].to_numpy(dtype=np.int64), group=codes, blocking=list(blocking),
                    open_units=at, seconds={"candidates": t1 - t0})


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


def keep_groups(inst: Instance) -> np.ndarray:
    """keep_per group code of every unit of U (missing values form their own group)."""
    cols = list(inst.scenario.rules.keep_per)
    keys = inst.units[cols].astype("string").fillna("\x00")
    return keys.groupby(cols, sort=True).ngroup().to_numpy(dtype=np.int64)


# ---------------------------------------------------------------- the model as matrices


@dataclass
class Lin:
    """A family of linear expressions as a table: entry i adds ``coef[i] * column[col[i]]`` to
    the expression of ``key[i]`` (e.g. a[u] = sum of x over the moves leaving u)."""

    key: np.ndarray
    col: np.ndarray
    coef: np.ndarray

    @staticmethod
    def of(key, col, coef=None) -> "Lin":
        key = np.asarray(key, dtype=np.int64)
        col = np.asarray(col, dtype=np.int64)
        coef = np.ones(key.size) if coef is None else np.broadcast_to(np.asarray(coef, dtype=np.float64), key.shape).copy()
        return Lin(key, col, coef)

    def __add__(self, other: "Lin") -> "Lin":
        return Lin(np.r_[self.key, other.key], np.r_[self.col, other.col], np.r_[self.coef, other.coef])

    def where(self, keep: np.ndarray) -> "Lin":
        return Lin(self.key[keep], self.col[keep], self.coef[keep])

    def keys(self) -> np.ndarray:
        return np.unique(self.key)


class Builder:
    """Collects columns and row blocks; :meth:`finish` assembles one CSR matrix."""

    def __init__(self) -> None:
        self.n = 0
        self.m = 0
        self._cols: list[tuple] = []  # (family, lb, ub, integer)
        self._rows: list[tuple] = []  # (family, rows, cols, vals, lo, hi)
        self.cost = None

    def add_cols(self, family: str, n: int, *, lb=0.0, ub=1.0, integer: bool = True) -> np.ndarray:
        idx = np.arange(self.n, self.n + n, dtype=np.int64)
        self._cols.append((family, np.broadcast_to(np.asarray(lb, dtype=np.float64), (n,)),
                           np.broadcast_to(np.asarray(ub, dtype=np.float64), (n,)), integer))
        self.n += n
        return idx

    def add_rows(self, family: str, lin: Lin, lo, hi, keys: np.ndarray | None = None) -> dict[int, int]:
        """One row per key of ``keys`` (default: the keys of ``lin``): lo <= expression <= hi
        (scalars or arrays aligned with ``keys``). Returns key -> row index."""
        keys = lin.keys() if keys is None else np.asarray(keys, dtype=np.int64)
        k = keys.size
        if not k:
            return {}
        pos = np.searchsorted(keys, lin.key)
        ok = (pos < k) & (keys[np.minimum(pos, k - 1)] == lin.key)
        rows = self.m + pos[ok]
        self._rows.append((family, rows, lin.col[ok], lin.coef[ok],
                           np.broadcast_to(np.asarray(lo, dtype=np.float64), (k,)),
                           np.broadcast_to(np.asarray(hi, dtype=np.float64), (k,))))
        first = self.m
        self.m += k
        return dict(zip(keys.tolist(), range(first, first + k)))

    def finish(self, instance: Instance, *, cost: np.ndarray, maximise: bool, decision: np.ndarray,
               absorbs: np.ndarray, target_rows: dict, seconds: float, extra: dict | None = None) -> "Model":
        fam_c = np.concatenate([np.full(c[1].size, c[0], dtype=object) for c in self._cols]) if self._cols else np.empty(0, dtype=object)
        lb = np.concatenate([c[1] for c in self._cols]) if self._cols else np.empty(0)
        ub = np.concatenate([c[2] for c in self._cols]) if self._cols else np.empty(0)
        integer = np.concatenate([np.full(c[1].size, c[3]) for c in self._cols]) if self._cols else np.empty(0, dtype=bool)
        if self._rows:
            r = np.concatenate([b[1] for b in self._rows])
            c = np.concatenate([b[2] for b in self._rows])
            v = np.concatenate([b[3] for b in self._rows])
            lo = np.concatenate([b[4] for b in self._rows])
            hi = np.concatenate([b[5] for b in self._rows])
            fam_r = np.concatenate([np.full(b[4].size, b[0], dtype=object) for b in self._rows])
        else:
            r = c = np.empty(0, dtype=np.int64)
            v = lo = hi = np.empty(0)
            fam_r = np.empty(0, dtype=object)
        order = np.lexsort((c, r))
        r, c, v = r[order], c[order], v[order]
        if r.size:  # merge duplicate (row, column) entries
            first = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
            idx = np.flatnonzero(first)
            v = np.add.reduceat(v, idx)
            r, c = r[idx], c[idx]
        start = np.zeros(self.m + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=self.m), out=start[1:])
        return Model(instance=instance, cost=np.asarray(cost, dtype=np.float64), lb=lb.copy(), ub=ub.copy(),
                     integer=integer.astype(bool), start=start, index=c.astype(np.int32), value=v,
                     row_lo=lo.copy(), row_hi=hi.copy(), row_family=fam_r, col_family=fam_c, maximise=maximise,
                     target_rows=target_rows, decision=np.asarray(decision, dtype=np.int64),
                     absorbs=np.asarray(absorbs, dtype=np.int64), seconds=seconds, extra=extra or {})


@dataclass
class Model:
    """A MILP as arrays: min (or max) cost @ col, lb <= col <= ub, row_lo <= A col <= row_hi,
    A in CSR (start, index, value). ``decision`` are the columns whose value 1 absorbs the unit
    ``absorbs`` (same order); ``target_rows`` maps a target index to its row."""

    instance: Instance
    cost: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    row_family: np.ndarray
    col_family: np.ndarray
    maximise: bool
    target_rows: dict
    decision: np.ndarray
    absorbs: np.ndarray
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)  # "hub": column of h per unit (-1: none); "waive": of each waiver

    @property
    def n_cols(self) -> int:
        return self.cost.size

    @property
    def n_rows(self) -> int:
        return self.row_lo.size

    @property
    def nnz(self) -> int:
        return self.index.size

    def row_of(self) -> np.ndarray:
        """Row index of each non-zero (COO form)."""
        return np.repeat(np.arange(self.n_rows), np.diff(self.start))

    def activity(self, col: np.ndarray) -> np.ndarray:
        """A @ col."""
        return np.bincount(self.row_of(), weights=self.value * col[self.index], minlength=self.n_rows)

    def feasible(self, col: np.ndarray, tol: float = 1e-6) -> bool:
        act = self.activity(col)
        return bool((act >= self.row_lo - tol).all() and (act <= self.row_hi + tol).all()
                    and (col >= self.lb - tol).all() and (col <= self.ub + tol).all())

    def chosen(self, col: np.ndarray) -> np.ndarray:
        """Decision columns set to 1 in a column vector."""
        return col[self.decision] > 0.5

    def absorbed_units(self, chosen: np.ndarray) -> np.ndarray:
        """Boolean mask over U: the units absorbed when the decisions marked in ``chosen`` are 1."""
        mask = np.zeros(self.instance.n_units, dtype=bool)
        mask[self.absorbs[chosen]] = True
        return mask

    def set_target(self, ti: int, need: float) -> None:
        self.row_lo[self.target_rows[ti]] = float(max(need, 0))


# ---------------------------------------------------------------- constraint families


def define_decisions(b: Builder, inst: Instance) -> np.ndarray:
    """x: one binary per decision row (a move (u, v), or 'u is absorbed' when aggregated); a
    pinned move has lower bound 1."""
    return b.add_cols("x", len(inst.moves), lb=inst.pinned().astype(np.float64))


def absorbed(inst: Instance, x: np.ndarray) -> Lin:
    """a[u] = sum over moves leaving u of x: 1 when u is absorbed."""
    return Lin.of(inst.moves["u"].to_numpy(), x)


def define_hubs(b: Builder, inst: Instance) -> np.ndarray:
    """h[v]: binary 'v absorbs others', for units that can both absorb and be absorbed; returns
    the column of h per unit (-1: none)."""
    h = np.full(inst.n_units, -1, dtype=np.int64)
    if inst.mode != "pairs":
        return h
    both = np.flatnonzero((inst.in_count() > 0) & (inst.out_count() > 0))
    h[both] = b.add_cols("h", both.size)
    return h


def define_absorbed_once(b: Builder, inst: Instance, a: Lin, h: np.ndarray) -> None:
    """Each unit is absorbed at most once; with h: a unit that absorbs is not absorbed
    (h[u] + a[u] <= 1)."""
    has_h = np.flatnonzero(h >= 0)
    n_a = np.bincount(a.key, minlength=inst.n_units)
    keys = np.union1d(has_h, np.flatnonzero(n_a >= 2))
    b.add_rows("once", a + Lin.of(has_h, h[has_h]), -INF, 1.0, keys)


def define_star(b: Builder, inst: Instance, x: np.ndarray, h: np.ndarray) -> None:
    """Merged groups are stars: x[u,v] <= h[v] for every move into a v that could itself be
    absorbed (h[v] + a[v] <= 1 is in define_absorbed_once)."""
    if inst.mode != "pairs":
        return
    v = inst.moves["v"].to_numpy()
    m = np.flatnonzero(h[v] >= 0)
    b.add_rows("star", Lin.of(m, x[m]) + Lin.of(m, h[v[m]], -1.0), -INF, 0.0, m)


def define_group_caps(b: Builder, inst: Instance, x: np.ndarray) -> None:
    """Aggregated form of the star rule: in a merge group whose units can all be absorbed,
    at least one stands (to absorb the others)."""
    if inst.mode != "aggregated" or not len(inst.moves):
        return
    size = np.bincount(inst.group[inst.group >= 0])
    g = inst.moves["group"].to_numpy()
    full = np.flatnonzero(np.bincount(g, minlength=size.size) == size)
    b.add_rows("stand", Lin.of(g, x), -INF, (size[full] - 1).astype(np.float64), full)


def define_max_staff(b: Builder, inst: Instance, x: np.ndarray, h: np.ndarray) -> None:
    """staff[v] + staff absorbed by v <= max_staff, for every v that absorbs (with h[v] on the
    left-hand side where it exists); rows that can never bind are left out."""
    cap = inst.scenario.rules.max_staff
    if cap is None or inst.mode != "pairs" or not len(inst.moves):
        return
    u, v = inst.moves["u"].to_numpy(), inst.moves["v"].to_numpy()
    room = (cap - inst.staff).astype(np.float64)
    incoming = np.bincount(v, weights=inst.staff[u], minlength=inst.n_units)
    sel = np.flatnonzero((incoming > room)[v])
    keys = np.unique(v[sel])
    with_h = keys[h[keys] >= 0]
    lin = Lin.of(v[sel], x[sel], inst.staff[u[sel]]) + Lin.of(with_h, h[with_h], -room[with_h])
    b.add_rows("maxstaff", lin, -INF, np.where(h[keys] >= 0, 0.0, room[keys]), keys)


def define_min_staff(b: Builder, inst: Instance, x: np.ndarray, a: Lin, present: np.ndarray | None = None,
                     waive: bool = False) -> np.ndarray:
    """A movable unit left standing ends with >= min_staff: with deficit d = min_staff - staff[v],
    sum of min(staff[u], d) x[u,v] + d a[v] >= d (coefficients clipped at d: still exact).
    ``present`` marks the units the rows are for (default: those with a move in ``inst``). With
    ``waive``, each row gets a binary w (+ d w) that waives it; returns those columns (-1: none)."""
    waived = np.full(inst.n_units, -1, dtype=np.int64)
    floor = inst.scenario.rules.min_staff
    if floor is None or inst.mode != "pairs":
        return waived
    deficit = (floor - inst.staff).astype(np.float64)
    u, v = inst.moves["u"].to_numpy(), inst.moves["v"].to_numpy()
    if present is None:  # units without any move and below the floor are blocking units,
        present = np.zeros(inst.n_units, dtype=bool)  # found before any model is built
        present[u], present[v] = True, True
    keys = np.flatnonzero((deficit > 0) & present)
    sel = np.flatnonzero(deficit[v] > 0)
    lin = Lin.of(v[sel], x[sel], np.minimum(inst.staff[u[sel]], deficit[v[sel]]))
    lin = lin + Lin(a.key, a.col, a.coef * deficit[a.key])
    if waive and keys.size:
        waived[keys] = b.add_cols("waive", keys.size)
        lin = lin + Lin.of(keys, waived[keys], deficit[keys])
    b.add_rows("minstaff", lin, deficit[keys], INF, keys)
    return waived


def define_keep_per(b: Builder, inst: Instance, a: Lin) -> None:
    """Every keep_per group with an open movable unit keeps at least one unit standing (a group
    with a unit that can never be absorbed needs no row)."""
    if not inst.scenario.rules.keep_per:
        return
    codes = keep_groups(inst)
    size = np.bincount(codes)
    can = np.zeros(inst.n_units, dtype=bool)
    can[a.key] = True
    full = np.flatnonzero(np.bincount(codes, weights=can, minlength=size.size) == size)
    b.add_rows("keep", Lin(codes[a.key], a.col, a.coef), -INF, (size[full] - 1).astype(np.float64), full)


def define_targets(b: Builder, inst: Instance, a: Lin, which: list[int]) -> dict[int, int]:
    """Every target holds after the moves: absorbed members >= need (rows kept even when
    need <= 0, so a frontier can move their right-hand side)."""
    rows = {}
    for i in which:
        tc = inst.targets[i]
        lin = a.where(tc.members[a.key])
        got = b.add_rows(f"target_{i}", Lin(np.zeros_like(lin.key), lin.col, lin.coef), float(max(tc.need, 0)), INF,
                         np.zeros(1, dtype=np.int64))
        rows[i] = got[0]
    return rows


def define_cost(b: Builder, inst: Instance, x: np.ndarray) -> np.ndarray:
    """Objective: sum of x * (per_merge + staff_moved staff[u] + staff_km staff[u] km(u,v))."""
    cost = np.zeros(b.n)
    cost[x] = inst.moves["cost"].to_numpy(dtype=np.float64)
    return cost


def define_max_absorbed(b: Builder, inst: Instance, a: Lin, target: int) -> np.ndarray:
    """Objective for max_reduction: the number of absorbed units counting for ``target``."""
    cost = np.zeros(b.n)
    lin = a.where(inst.targets[target].members[a.key])
    np.add.at(cost, lin.col, lin.coef)
    return cost


def build_model(inst: Instance, *, maximise_target: int | None = None, targets: list[int] | None = None,
                waive_min_staff: bool = False) -> Model:
    """The MILP: minimum cost meeting ``targets`` (default all), or, with ``maximise_target``,
    the most absorbed units counting for that target under the rules alone. With
    ``waive_min_staff`` the objective is the number of min_staff rows waived (no targets)."""
    t0 = time.perf_counter()
    b = Builder()
    x = define_decisions(b, inst)
    h = define_hubs(b, inst)
    a = absorbed(inst, x)
    define_absorbed_once(b, inst, a, h)
    define_star(b, inst, x, h)
    define_group_caps(b, inst, x)
    define_max_staff(b, inst, x, h)
    waived = define_min_staff(b, inst, x, a, waive=waive_min_staff)
    define_keep_per(b, inst, a)
    rows: dict = {}
    if waive_min_staff:
        cost = np.zeros(b.n)
        cost[waived[waived >= 0]] = 1.0
    elif maximise_target is not None:
        cost = define_max_absorbed(b, inst, a, maximise_target)
    else:
        rows = define_targets(b, inst, a, list(range(len(inst.targets))) if targets is None else targets)
        cost = define_cost(b, inst, x)
    return b.finish(inst, cost=cost, maximise=maximise_target is not None and not waive_min_staff, decision=x,
                    absorbs=inst.moves["u"].to_numpy(), target_rows=rows, seconds=time.perf_counter() - t0,
                    extra={"hub": h, **({"waive": waived} if waive_min_staff else {})})


def define_domination(b: Builder, inst: Instance) -> tuple[Lin, np.ndarray, np.ndarray]:
    """The star rule for when only *which* units are absorbed matters (max_reduction), in the
    merge groups of ``inst.moves``: z[u] = 1 when u is absorbed; u needs an out-neighbour left
    standing, z[u] <= sum over moves (u, v) of (1 - z[v]). Under min_staff a standing unit v below
    the floor (deficit d) must take in d staff, so moves *into such units only* keep a binary
    y[u,v] (y <= z[u], y <= 1 - z[v], sum over v of y[u,v] <= 1, and the min_staff row on y),
    and count for u's domination row in place of 1 - z[v]. Exact when max_staff cannot bite in
    these groups. Returns (a: unit -> z, the z columns, the unit each z absorbs)."""
    u, v = inst.moves["u"].to_numpy(), inst.moves["v"].to_numpy()
    floor = inst.scenario.rules.min_staff
    deficit = (floor - inst.staff) if floor is not None else np.zeros(inst.n_units, dtype=np.int64)
    units = np.unique(u)
    zc = np.full(inst.n_units, -1, dtype=np.int64)
    zc[units] = b.add_cols("z", units.size)
    into = np.flatnonzero(deficit[v] > 0)
    y = b.add_cols("y", into.size)
    ym = np.full(len(inst.moves), -1, dtype=np.int64)
    ym[into] = y
    plain = ym < 0
    # u's row: z[u] + sum over plain moves of z[v] - sum of y <= number of plain moves;
    # skipped when a plain neighbour can never be absorbed (it always stands)
    never = plain & (zc[v] < 0)
    skip = np.zeros(inst.n_units, dtype=bool)
    skip[u[never]] = True
    keys = units[~skip[units]]
    lin = Lin.of(units, zc[units]) + Lin.of(u[plain], zc[v[plain]]) + Lin.of(u[into], y, -1.0)
    lin = lin.where(~skip[lin.key])
    b.add_rows("dominate", lin, -INF, np.bincount(u[plain], minlength=inst.n_units)[keys].astype(np.float64), keys)
    b.add_rows("goes", Lin.of(into, y) + Lin.of(into, zc[u[into]], -1.0), -INF, 0.0, into)
    stands = into[zc[v[into]] >= 0]
    b.add_rows("stands", Lin.of(stands, ym[stands]) + Lin.of(stands, zc[v[stands]]), -INF, 1.0, stands)
    ny = np.bincount(u[into], minlength=inst.n_units)
    b.add_rows("once_y", Lin.of(u[into], y), -INF, 1.0, np.flatnonzero(ny > 1))
    a = Lin.of(units, zc[units])
    sub = dataclasses.replace(inst, moves=inst.moves.iloc[into].reset_index(drop=True))
    present = np.zeros(inst.n_units, dtype=bool)
    present[u], present[v] = True, True
    define_min_staff(b, sub, y, a, present)
    return a, zc[units], units


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
    per unit and the domination rows of :func:`define_domination`. Groups where max_staff bites
    keep the full move model. (Pinned moves into a particular unit keep the full model too.)"""
    if inst.mode != "pairs" or inst.pinned().any():
        return build_model(inst, maximise_target=target)
    t0 = time.perf_counter()
    b = Builder()
    in_x = np.isin(inst.moves["group"].to_numpy(), staff_groups(inst))
    full = dataclasses.replace(inst, moves=inst.moves.loc[in_x].reset_index(drop=True))
    compact = dataclasses.replace(inst, moves=inst.moves.loc[~in_x].reset_index(drop=True))
    x = define_decisions(b, full)
    h = define_hubs(b, full)
    a = absorbed(full, x)
    define_absorbed_once(b, full, a, h)
    define_star(b, full, x, h)
    define_max_staff(b, full, x, h)
    define_min_staff(b, full, x, a)
    a_compact, z, units = define_domination(b, compact)
    a = a + a_compact
    define_keep_per(b, inst, a)
    cost = define_max_absorbed(b, inst, a, target)
    decision = np.r_[x, z]
    absorbs = np.r_[full.moves["u"].to_numpy(), units].astype(np.int64)
    return b.finish(inst, cost=cost, maximise=True, decision=decision, absorbs=absorbs, target_rows={},
                    seconds=time.perf_counter() - t0)
