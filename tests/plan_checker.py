"""An independent checker of merge plans, and a brute-force solver for tiny instances.

Deliberately written from scenario-format.md alone: it does not import orgmodel.moves or
orgmodel.optimise. It re-derives which moves are allowed from the unit table and the rules,
verifies every rule and every target for a plan, and recomputes the cost of each move.
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

R_KM = 6371.0
SHIPPED_COMPATIBILITY = Path(__file__).resolve().parents[1] / "orgmodel" / "data" / "compatibility.csv"


@dataclass
class Rules:
    merge_within: tuple = ("parent_id", "sector")
    max_distance_km: float | None = None
    max_staff: int | None = None
    min_staff: int | None = None
    keep_per: tuple | None = None
    protected: tuple = ()
    per_merge: float = 10.0
    staff_moved: float = 1.0
    staff_km: float = 0.1
    # scenario-format 1.1: allowed (unit_type, into_type) -> columns both must share; None = off
    compatible: dict | None = None
    forbid: tuple = ()
    keep: tuple = ()
    merge: tuple = ()


def read_compatibility(path=SHIPPED_COMPATIBILITY) -> dict:
    """{(unit_type, into_type): (required equal columns)} read straight from the CSV."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {(r["unit_type"].strip(), r["into_type"].strip()):
                tuple(c.strip() for c in (r.get("requires") or "").split(";") if c.strip())
                for r in csv.DictReader(fh)}


@dataclass
class TargetSpec:
    """A target reduced to what a plan must do: absorb at least ``need`` of ``members``."""

    members: set
    baseline: int
    at_plan_from: int
    required: int
    label: str = ""

    @property
    def need(self) -> int:
        return self.required - (self.baseline - self.at_plan_from)


@dataclass
class Check:
    problems: list = field(default_factory=list)
    cost: float = 0.0

    def fail(self, msg: str) -> None:
        self.problems.append(msg)


def km(a: dict, b: dict) -> float:
    """Haversine distance; 0 when either end lacks coordinates."""
    vals = [a.get("lat"), a.get("lon"), b.get("lat"), b.get("lon")]
    if any(v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA for v in vals):
        return 0.0
    la1, lo1, la2, lo2 = (math.radians(float(v)) for v in vals)
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * R_KM * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or str(v) == ""


def allowed(units: dict, u: str, v: str, rules: Rules) -> bool:
    """May u be absorbed into v? (distinct, same merge_within values, distance, not protected)."""
    if u == v or u in rules.protected:
        return False
    a, b = units[u], units[v]
    for col in rules.merge_within:
        if _blank(a.get(col)) or _blank(b.get(col)) or str(a[col]) != str(b[col]):
            return False
    if rules.max_distance_km is not None and km(a, b) > rules.max_distance_km:
        return False
    if rules.compatible is not None:
        pair = (str(a.get("unit_type") or ""), str(b.get("unit_type") or ""))
        if _blank(a.get("unit_type")) or _blank(b.get("unit_type")) or pair not in rules.compatible:
            return False
        for col in rules.compatible[pair]:
            if _blank(a.get(col)) or str(a.get(col)) != str(b.get(col)):
                return False
    if u in rules.keep or (u, v) in rules.forbid:
        return False
    return True


def move_cost(units: dict, u: str, v: str, rules: Rules) -> float:
    s = int(units[u]["staff"])
    return rules.per_merge + rules.staff_moved * s + rules.staff_km * s * km(units[u], units[v])


def _records(U: pd.DataFrame) -> dict:
    recs = U.reset_index().to_dict("records") if "unit_id" not in U.columns else U.to_dict("records")
    return {str(r["unit_id"]): r for r in recs}


def check_moves(U: pd.DataFrame, moves: list[tuple[str, str]], rules: Rules, targets: list[TargetSpec]) -> Check:
    """Verify a set of moves (u absorbed into v) against every rule and target; sum their cost."""
    units = _records(U)
    chk = Check()
    absorbed_into: dict[str, str] = {}
    for u, v in moves:
        if u not in units or v not in units:
            chk.fail(f"move {u}->{v}: not both movable units open at plan_from")
            continue
        if u in absorbed_into:
            chk.fail(f"{u} is absorbed twice")
        absorbed_into[u] = v
        if not allowed(units, u, v, rules):
            chk.fail(f"move {u}->{v} is not allowed by the rules")
        chk.cost += move_cost(units, u, v, rules)
    for u, v in rules.merge:
        if absorbed_into.get(u) != v:
            chk.fail(f"pin merge {u}->{v} is not honoured")
    hubs = set(absorbed_into.values())
    for h in sorted(hubs & set(absorbed_into)):
        chk.fail(f"{h} absorbs others and is itself absorbed (not a star)")
    end_staff = {u: int(r["staff"]) for u, r in units.items()}
    for u, v in absorbed_into.items():
        if v in end_staff:
            end_staff[v] += int(units[u]["staff"])
    if rules.max_staff is not None:
        for h in sorted(hubs):
            if h in end_staff and end_staff[h] > rules.max_staff:
                chk.fail(f"{h} ends with {end_staff[h]} staff > max_staff {rules.max_staff}")
    if rules.min_staff is not None:
        for u in sorted(units):
            if u not in absorbed_into and end_staff[u] < rules.min_staff:
                chk.fail(f"{u} stands with {end_staff[u]} staff < min_staff {rules.min_staff}")
    if rules.keep_per:
        groups: dict = {}
        for u, r in units.items():
            groups.setdefault(tuple(str(r.get(c)) for c in rules.keep_per), []).append(u)
        for key, members in sorted(groups.items()):
            if all(m in absorbed_into for m in members):
                chk.fail(f"keep_per group {key} loses every unit")
    for t in targets:
        gone = sum(1 for u in absorbed_into if u in t.members)
        after = t.at_plan_from - gone
        if t.baseline - after < t.required:
            chk.fail(f"target {t.label}: reduction {t.baseline - after} < required {t.required}")
    return chk


def plan_moves(plan: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(plan["unit_id"].astype(str), plan["into_id"].astype(str)))


def check_plan_table(U: pd.DataFrame, plan: pd.DataFrame, rules: Rules, targets: list[TargetSpec]) -> Check:
    """Check a plan.csv table: the moves, and each row's own columns (kind, staff, km, cost)."""
    chk = check_moves(U, plan_moves(plan), rules, targets)
    units = _records(U)
    if list(plan["unit_id"]) != sorted(plan["unit_id"]):
        chk.fail("plan is not sorted by unit_id")
    for r in plan.to_dict("records"):
        u, v = str(r["unit_id"]), str(r["into_id"])
        if u not in units or v not in units:
            continue
        for col in ("kind", "sector", "locality"):
            if str(r[col]) != str(units[u][col]):
                chk.fail(f"{u}: {col} {r[col]!r} != {units[u][col]!r}")
        if int(r["staff"]) != int(units[u]["staff"]):
            chk.fail(f"{u}: staff {r['staff']} != {units[u]['staff']}")
        d = km(units[u], units[v])
        if abs(float(r["distance_km"]) - d) > 1e-5:
            chk.fail(f"{u}->{v}: distance {r['distance_km']} != {d:.6f}")
        c = move_cost(units, u, v, rules)
        if abs(float(r["cost"]) - c) > 1e-5 * max(1.0, abs(c)):
            chk.fail(f"{u}->{v}: cost {r['cost']} != recomputed {c:.6f}")
    return chk


# ---------------------------------------------------------------- brute force


def all_plans(U: pd.DataFrame, rules: Rules):
    """Every set of moves allowed by the rules (targets aside), as lists of (u, v)."""
    units = _records(U)
    ids = sorted(units)
    partners = {u: [v for v in ids if allowed(units, u, v, rules)] for u in ids}
    movers = [u for u in ids if partners[u]]
    for k in range(len(movers) + 1):
        for S in itertools.combinations(movers, k):
            Sset = set(S)
            choices = [[v for v in partners[u] if v not in Sset] for u in S]
            if any(not c for c in choices):
                continue
            for combo in itertools.product(*choices):
                moves = list(zip(S, combo))
                if not check_moves(U, moves, rules, []).problems:
                    yield moves


def brute_force(U: pd.DataFrame, rules: Rules, targets: list[TargetSpec]):
    """(minimum cost or None if infeasible, per target the max reduction or None if the rules
    alone cannot be met)."""
    units = _records(U)
    best = None
    most = [None] * len(targets)
    for moves in all_plans(U, rules):
        gone = {u for u, _ in moves}
        for i, t in enumerate(targets):
            red = (t.baseline - t.at_plan_from) + len(gone & t.members)
            most[i] = red if most[i] is None else max(most[i], red)
        if all(t.baseline - (t.at_plan_from - len(gone & t.members)) >= t.required for t in targets):
            cost = sum(move_cost(units, u, v, rules) for u, v in moves)
            best = cost if best is None else min(best, cost)
    return best, most


# ---------------------------------------------------------------- from a scenario


def _kinds(kind: str) -> tuple:
    return ("agency", "psu") if kind == "all" else (kind,)


def _match(row: dict, where: dict | None) -> bool:
    for col, values in (where or {}).items():
        vals = values if isinstance(values, (list, tuple)) else [values]
        if str(row.get(col)) not in {str(v) for v in vals}:
            return False
    return True


def scenario_inputs(scn):
    """(U, Rules, [TargetSpec]) re-derived from a loaded scenario with the timeline only."""
    tl = scn.timeline
    at = tl.units_as_of(scn.plan_from)
    rows = []
    for uid, r in zip(at.index, at.to_dict("records")):
        r = dict(r, unit_id=uid)
        if r["kind"] in scn.movable and _match(r, scn.scope):
            rows.append(r)
    U = pd.DataFrame(rows, columns=["unit_id"] + [c for c in at.columns if c != "unit_id"]).set_index("unit_id", drop=False)
    r, o = scn.rules, scn.objective
    mode = getattr(r, "compatible", None)
    compatible = None
    if mode != "off" and "unit_type" in at.columns:
        compatible = read_compatibility(SHIPPED_COMPATIBILITY if mode in (None, "default") else mode)
    pins = getattr(scn, "pins", None)
    rules = Rules(tuple(r.merge_within), r.max_distance_km, r.max_staff, r.min_staff,
                  tuple(r.keep_per) if r.keep_per else None, tuple(r.protected), o.per_merge, o.staff_moved, o.staff_km,
                  compatible=compatible, forbid=tuple(pins.forbid) if pins else (), keep=tuple(pins.keep) if pins else (),
                  merge=tuple(pins.merge) if pins else ())
    specs = []
    for t in scn.targets:
        def count(date):
            table = tl.units_as_of(date)
            return sum(1 for uid, row in zip(table.index, table.to_dict("records"))
                       if row["kind"] in _kinds(t.kind) and _match(row, t.where))
        base, at_pf = count(t.baseline), count(scn.plan_from)
        if t.reduce_count is not None:
            req = t.reduce_count
        else:  # smallest integer R with 100 R >= pct * base, in exact arithmetic
            req = 0
            while 100 * req < t.reduce_pct * base:
                req += 1
        members = {str(row["unit_id"]) for row in rows if row["kind"] in _kinds(t.kind) and _match(row, t.where)}
        specs.append(TargetSpec(members=members, baseline=base, at_plan_from=at_pf, required=req, label=t.kind))
    return U, rules, specs


def check_solution(sol, scn) -> list[str]:
    """Every problem with a Solution: its plan against the rules and targets, and its summary."""
    U, rules, specs = scenario_inputs(scn)
    s = sol.summary
    units = _records(U)
    bad_pins = [(u, v) for u, v in rules.merge if u not in units or v not in units or not allowed(units, u, v, rules)]
    if bad_pins:
        named = {(b.get("unit_id"), b.get("into_id")) for b in s.get("blocking", [])}
        if s["status"] != "infeasible":
            return [f"pins {bad_pins} contradict the rules but the answer is {s['status']}"]
        missing = [p for p in bad_pins if p not in named]
        if missing:
            return [f"pins {missing} contradict the rules but summary 'blocking' does not name them"]
    has_plan = s["status"] in ("optimal", "feasible")
    if s["status"] not in ("optimal", "feasible", "infeasible", "unknown"):
        chk = Check()
        chk.fail(f"unknown status {s['status']!r}")
    elif not has_plan:  # an answer without a plan: nothing to verify but emptiness
        chk = Check()
        if len(sol.plan):
            chk.fail(f"an {s['status']} answer must have an empty plan")
        if s["objective"] is not None:
            chk.fail(f"an {s['status']} answer has no objective")
    else:
        chk = check_plan_table(U, sol.plan, rules, specs)
        if abs(s["objective"] - chk.cost) > 1e-5 * max(1.0, chk.cost):
            chk.fail(f"objective {s['objective']} != recomputed {chk.cost:.6f}")
    if s["merges"] != len(sol.plan):
        chk.fail(f"merges {s['merges']} != {len(sol.plan)} plan rows")
    gone = set(sol.plan["unit_id"])
    for t, spec in zip(s["targets"], specs):
        after = spec.at_plan_from - len(gone & spec.members)
        want = {"baseline": spec.baseline, "plan_from": spec.at_plan_from, "after": after,
                "required_reduction": spec.required, "achieved_reduction": spec.baseline - after,
                # without a plan nothing is met: never "infeasible" beside a target that says met
                "met": has_plan and spec.baseline - after >= spec.required}
        for k, v in want.items():
            if t[k] != v:
                chk.fail(f"target {spec.label}: {k} {t[k]} != {v}")
        if t["max_reduction"] is not None and t["achieved_reduction"] > t["max_reduction"]:
            chk.fail(f"target {spec.label}: achieved {t['achieved_reduction']} > max_reduction {t['max_reduction']}")
    return chk.problems
