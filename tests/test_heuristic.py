"""The greedy start (orgmodel.optim.heuristic): a plan in hand before the solver starts, kept as
``feasible`` (never ``optimal``) when the solver stops on its limit with nothing better, with a
gap measured against a proven lower bound."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from orgmodel.optim import answers, solvers
from orgmodel.optim.heuristic import cost_bound, greedy_plan
from orgmodel.optim.model import build_model, prepare
from orgmodel.optim.solvers import STATUS_OPTIMAL, STATUS_UNKNOWN, SolveResult, keep_start
from orgmodel.optimise import solve_scenario
from orgmodel.scenario import load_scenario
from plan_checker import check_solution
from test_optimise import cases, write_case

pytestmark = pytest.mark.usefixtures("english")

# Three PSUs of one managing body and sector, on a line 1 km apart; distance costs nothing here:
#
#     A (20 staff) --1 km-- B (4) --1 km-- C (5)
#
# moving a unit costs 10 + its staff: B 14, C 15, A 30. Two must go: the cheapest plan takes B
# and C into A (29), which is what the greedy takes too (B first, then C; C cannot join B, gone).
LINE = [{"id": "A", "kind": "psu", "sector": "a", "parent": "G1", "locality": "x", "staff": 20, "lat": 21.0, "lon": 107.0},
        {"id": "B", "kind": "psu", "sector": "a", "parent": "G1", "locality": "x", "staff": 4, "lat": 21.0, "lon": 107.0096},
        {"id": "C", "kind": "psu", "sector": "a", "parent": "G1", "locality": "x", "staff": 5, "lat": 21.0, "lon": 107.0192}]
LINE_SCENARIO = {"plan_from": "2021-12-31", "targets": [{"kind": "psu", "reduce_count": 2}],
                 "objective": {"per_merge": 10, "staff_moved": 1, "staff_km": 0}}


def _model(path):
    scn = load_scenario(path)
    return scn, build_model(prepare(scn))


def _absorbed(model, col) -> set[str]:
    return set(model.instance.units.index[model.absorbed_units(model.chosen(col))])


def test_greedy_takes_the_cheapest_moves_that_keep_the_rules(tmp_path):
    _scn, model = _model(write_case(tmp_path, LINE, LINE_SCENARIO))
    col = greedy_plan(model)
    assert col is not None and model.feasible(col)
    assert _absorbed(model, col) == {"B", "C"}  # (where they go is decided with the plan: A)
    assert float(model.cost @ col) == pytest.approx(29.0)


def _moves(model, col) -> set[tuple[str, str]]:
    inst = model.instance
    ids, chosen = inst.units.index, model.chosen(col)
    return {(ids[a], ids[b]) for a, b in zip(inst.moves["u"].to_numpy()[chosen], inst.moves["v"].to_numpy()[chosen])}


def _unit(uid, staff, lon):
    return {"id": uid, "kind": "psu", "sector": "a", "parent": "G1", "locality": "x", "staff": staff, "lat": 21.0, "lon": lon}


def test_greedy_keeps_the_staff_cap(tmp_path):
    # A (20) B (4) C (5) D (6), max_staff 27, two must go. Cheapest first: B (14) into A (24);
    # C (15) may not join A (29 > 27) nor B (gone): it joins D. A greedy blind to the cap would
    # put C into A, a plan the model refuses, and answer nothing.
    units = [_unit("A", 20, 107.0), _unit("B", 4, 107.01), _unit("C", 5, 107.02), _unit("D", 6, 107.03)]
    scenario = {**LINE_SCENARIO, "rules": {"max_staff": 27}}
    _scn, model = _model(write_case(tmp_path, units, scenario))
    col = greedy_plan(model)
    assert model.instance.mode == "pairs" and _moves(model, col) == {("B", "A"), ("C", "D")}


def test_greedy_keeps_stars(tmp_path):
    # A (3) B (2) C (50) D (60): B (12) goes first, into A; A (13) is next cheapest but has just
    # absorbed B, so it stays; C (60) joins A. A greedy blind to stars would chain B -> A -> C.
    units = [_unit("A", 3, 107.0), _unit("B", 2, 107.01), _unit("C", 50, 107.02), _unit("D", 60, 107.03)]
    scenario = {**LINE_SCENARIO, "rules": {"max_staff": 1000}}  # a cap that never binds: pair decisions
    _scn, model = _model(write_case(tmp_path, units, scenario))
    col = greedy_plan(model)
    assert model.instance.mode == "pairs" and _moves(model, col) == {("B", "A"), ("C", "A")}


def test_greedy_gives_up_when_no_plan_exists(tmp_path):
    # max_staff 26 on A (20) B (4) C (5): two into any one unit makes 29
    _scn, model = _model(write_case(tmp_path, LINE, {**LINE_SCENARIO, "rules": {"max_staff": 26}}))
    assert greedy_plan(model) is None


def test_greedy_gives_no_start_under_min_staff(tmp_path):
    _scn, model = _model(write_case(tmp_path, LINE, {**LINE_SCENARIO, "rules": {"min_staff": 5}}))
    assert greedy_plan(model) is None


def _give_up(model, **kw):
    """A solver that stopped on its limit with neither a plan nor a proof."""
    return SolveResult(STATUS_UNKNOWN, None, None, None, 0.0, "highs", "time limit", proven=False)


def test_a_solver_that_gives_up_leaves_the_greedy_plan_feasible_with_its_gap(tmp_path, monkeypatch):
    monkeypatch.setitem(solvers.RUNNERS, "highs", _give_up)
    scn = load_scenario(write_case(tmp_path, LINE, LINE_SCENARIO))
    sol = solve_scenario(scn)
    assert sol.status == "feasible" and check_solution(sol, scn) == []
    assert sorted(zip(sol.plan["unit_id"], sol.plan["into_id"])) == [("B", "A"), ("C", "A")]
    # the bound: B and C at their cheapest moves (14 + 15) = the plan's cost: gap 0, still unproven
    assert sol.summary["solver"]["gap"] == pytest.approx(0.0)
    assert any("greedy start" in n for n in sol.notes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_the_greedy_plan_passes_the_independent_checker(tmp_path_factory, monkeypatch, case):
    """With the solver giving up, whatever the greedy answers is a plan the independent checker
    accepts (stars, caps, keep_per, protected units, targets), and its gap is not negative."""
    units, scenario, events = case
    monkeypatch.setitem(solvers.RUNNERS, "highs", _give_up)
    scn = load_scenario(write_case(tmp_path_factory.mktemp("g"), units, scenario, events))
    sol = solve_scenario(scn)
    assert sol.status != STATUS_OPTIMAL
    if sol.status == "feasible":
        assert check_solution(sol, scn) == []
        assert sol.summary["solver"]["gap"] is None or sol.summary["solver"]["gap"] >= -1e-9


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_cost_bound_never_exceeds_the_optimum_nor_the_start(tmp_path_factory, case):
    units, scenario, events = case
    scn = load_scenario(write_case(tmp_path_factory.mktemp("b"), units, scenario, events))
    model = build_model(prepare(scn))
    bound, start = cost_bound(model), greedy_plan(model)
    if bound is not None and start is not None:
        assert bound <= float(model.cost @ start) + 1e-6
    res = solvers.run_solver(model, time_limit=30)
    if bound is not None and res.status == STATUS_OPTIMAL:
        assert bound <= res.objective + 1e-6


def _found(model, col, note="stopped") -> SolveResult:
    """A solver that stopped on its limit holding the plan ``col``."""
    return SolveResult("feasible", model.chosen(col), float(model.cost @ col), 0.5, 0.0, "highs", note, proven=False, col=col)


def test_the_better_plan_is_kept_and_a_proven_one_never_replaced(tmp_path):
    # A (20) B (4) C (5) D (6), one must go: the start takes B (14); the solver's own plans are
    # C into A (15, worse) or B into A (14, as good)
    units = [_unit("A", 20, 107.0), _unit("B", 4, 107.01), _unit("C", 5, 107.02), _unit("D", 6, 107.03)]
    scenario = {**LINE_SCENARIO, "targets": [{"kind": "psu", "reduce_count": 1}], "rules": {"max_staff": 1000}}
    _scn, model = _model(write_case(tmp_path, units, scenario))
    start = greedy_plan(model)
    assert _moves(model, start) == {("B", "A")}
    pick = {m: j for j, m in enumerate(zip(model.instance.units.index[model.instance.moves["u"]],
                                           model.instance.units.index[model.instance.moves["v"]]))}
    worse, as_good = np.zeros(model.n_cols), np.zeros(model.n_cols)
    worse[model.decision[pick[("C", "A")]]] = 1.0
    as_good[model.decision[pick[("B", "A")]]] = 1.0
    hub_a = model.extra["hub"][model.instance.units.index.get_loc("A")]  # A absorbs: its h column is 1
    worse[hub_a] = as_good[hub_a] = 1.0
    assert model.feasible(worse) and model.feasible(as_good)
    kept = keep_start(model, _found(model, worse), start)
    assert kept.status == "feasible" and kept.objective == pytest.approx(14.0) and "greedy start" in kept.note
    solver_plan = _found(model, as_good)
    assert keep_start(model, solver_plan, start) is solver_plan
    proven = solvers.run_solver(model, time_limit=30)
    assert proven.status == STATUS_OPTIMAL and keep_start(model, proven, start) is proven
    broken = np.zeros(model.n_cols)  # a start that breaks the target row is never used
    gave_up = _give_up(model)
    assert keep_start(model, gave_up, broken) is gave_up
    said_infeasible = SolveResult("infeasible", None, None, None, 0.0, "cbc")  # beside a plan meeting every row
    assert keep_start(model, said_infeasible, start).status == "feasible"


def test_no_solve_is_started_that_could_not_stop_in_time(tmp_path, monkeypatch):
    """A model too big for the time left is not handed to the solver (it would overrun the limit):
    the answer is the greedy plan, feasible."""
    called = []
    monkeypatch.setitem(solvers.RUNNERS, "highs", lambda model, **kw: called.append(1) or _give_up(model))
    monkeypatch.setattr(answers, "BIG_MODEL", 0)
    monkeypatch.setattr(answers, "HIGHS_START_S_PER_NNZ", 1e6)  # every model "needs" hours to start
    scn = load_scenario(write_case(tmp_path, LINE, LINE_SCENARIO))
    sol = solve_scenario(scn)
    assert sol.status == "feasible" and not called
    assert np.isclose(sol.summary["objective"], 29.0)


# ---------------------------------------------------------------- a model too large to solve whole

# Five PSUs of one body and sector on a line, 1 km apart; moving a unit costs 10 + its staff +
# 0.1 x staff x km, so each unit's least costly moves are to its nearest neighbours:
#
#     P (30) -- Q (3) -- R (4) -- S (5) -- T (40)
#
# Two must go: Q into P and R into S (27.7), the optimum of the whole, which each unit's two least
# costly moves hold. (With one move each, ties taken by row, R could only join Q: 28.8.)
ROW = [_unit(uid, staff, 107.0 + i * 0.0096) for i, (uid, staff) in enumerate([("P", 30), ("Q", 3), ("R", 4), ("S", 5), ("T", 40)])]
ROW_SCENARIO = {"plan_from": "2021-12-31", "targets": [{"kind": "psu", "reduce_count": 2}], "rules": {"max_staff": 1000},
                "objective": {"per_merge": 10, "staff_moved": 1, "staff_km": 0.1}}


def test_a_huge_model_is_solved_restricted_to_each_units_nearest_moves(tmp_path, monkeypatch, english):
    monkeypatch.setattr(answers.M, "HUGE_MODEL", 0)  # every pair model counts as too large to solve whole
    monkeypatch.setattr(answers, "NEAREST", (2,))  # two moves per unit: its two least costly
    scn = load_scenario(write_case(tmp_path, ROW, ROW_SCENARIO))
    whole = solvers.run_solver(build_model(prepare(scn)), time_limit=30)
    handed = []
    real = answers.run_solver
    monkeypatch.setattr(answers, "run_solver", lambda model, **kw: handed.append(len(model.decision)) or real(model, **kw))
    sol = solve_scenario(scn)
    assert handed[0] == 10  # the solver saw two moves per unit, not the 20 of the whole model
    # every plan of the restriction is a plan of the whole: checked, and never called optimal
    assert sol.status == "feasible" and check_solution(sol, scn) == []
    # here the nearest moves hold the optimum of the whole model
    assert whole.status == STATUS_OPTIMAL and sol.summary["objective"] == pytest.approx(whole.objective)
    assert sorted(sol.plan["unit_id"]) == ["Q", "R"]
    assert 0 <= sol.summary["solver"]["gap"] < 1


def test_nearest_moves_keep_pins_and_the_plan_in_hand(tmp_path):
    from orgmodel.optim.heuristic import nearest_moves

    _scn, model = _model(write_case(tmp_path, ROW, ROW_SCENARIO))
    inst = model.instance
    ids = inst.units.index
    one = nearest_moves(inst, 1)
    u, v = inst.moves["u"].to_numpy()[one], inst.moves["v"].to_numpy()[one]
    assert len(one) == inst.n_units and len(set(u)) == inst.n_units  # one move per unit
    # each unit's cheapest move is to a neighbour on the line
    assert all(abs(ids.get_loc(ids[a]) - ids.get_loc(ids[b])) == 1 for a, b in zip(u, v))
    far = np.zeros(len(inst.moves), dtype=bool)
    far[int(np.flatnonzero((inst.moves["u"].to_numpy() == 0) & (inst.moves["v"].to_numpy() == 4))[0])] = True  # P into T
    assert np.flatnonzero(far)[0] in nearest_moves(inst, 1, far)
