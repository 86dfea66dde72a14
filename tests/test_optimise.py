"""The MILP against brute force, the independent checker, and the infeasible, blocking-unit and
time-limited paths, with both solvers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orgmodel.optimise import (build_model, frontier, frontier_answer, frontier_points, prepare, run_solver,
                               solve_scenario)
from orgmodel.plan import summary_json, write_frontier, write_solution
from orgmodel.registry import load_registry
from orgmodel.scenario import load_scenario
from orgmodel.timeline import Timeline

from plan_checker import brute_force, check_solution, scenario_inputs

pytestmark = pytest.mark.usefixtures("english")  # these tests check the English wording (Vietnamese: test_cli_language.py)

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "unit_id,name,kind,level,sector,parent_id,locality,staff,autonomy,lat,lon"


# ---------------------------------------------------------------- building small registries


def write_case(folder: Path, units: list[dict], scenario: dict, events: str = "") -> Path:
    """Write a registry (ROOT, G1, G2 governments + ``units``) and a scenario; return its path."""
    reg = folder / "reg"
    reg.mkdir(parents=True, exist_ok=True)
    lines = [HEADER,
             "ROOT,Tỉnh,government,province,general,,province,0,,,",
             "G1,Huyện 1,government,district,general,ROOT,x,0,,,",
             "G2,Huyện 2,government,district,general,ROOT,y,0,,,",
             "G3,Huyện 3,government,district,a,ROOT,z,0,,,"]  # so that sector 'a' always exists
    for u in units:
        lat = "" if u.get("lat") is None else f"{u['lat']:.4f}"
        lon = "" if u.get("lon") is None else f"{u['lon']:.4f}"
        lines.append(f"{u['id']},Unit {u['id']},{u['kind']},district,{u['sector']},{u['parent']},{u['locality']},{u['staff']},,{lat},{lon}")
    (reg / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (reg / "events.csv").write_text("event_id,date,type,sources,targets,new_parent_id,legal_basis,note\n" + events, encoding="utf-8")
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump({"name": "case", "registry": "reg", **scenario}, allow_unicode=True), encoding="utf-8")
    return path


@st.composite
def cases(draw, max_units=7):
    n = draw(st.integers(4, max_units))
    coords = draw(st.booleans())
    units = []
    for i in range(n):
        units.append({
            "id": f"U{i}", "kind": draw(st.sampled_from(["psu", "psu", "agency"])),
            "sector": draw(st.sampled_from(["a", "b"])), "parent": draw(st.sampled_from(["G1", "G2"])),
            "locality": draw(st.sampled_from(["x", "y"])), "staff": draw(st.integers(0, 40)) if draw(st.integers(0, 5)) else 0,
            "lat": 21 + draw(st.integers(0, 30)) / 100 if coords else None,
            "lon": 107 + draw(st.integers(0, 30)) / 100 if coords else None,
        })
    # one extra PSU merged away in 2018: it counts in 2015 baselines, not at plan_from
    events = ""
    if draw(st.booleans()):
        units.append({"id": "Z", "kind": "psu", "sector": "a", "parent": "G1", "locality": "x", "staff": 5,
                      "lat": 21.0 if coords else None, "lon": 107.0 if coords else None})
        events = "E1,2018-01-01,merge,Z,U0,,,\n"
    rules = {"merge_within": draw(st.sampled_from([["parent_id", "sector"], ["parent_id"], ["sector"]]))}
    if coords and draw(st.booleans()):
        rules["max_distance_km"] = draw(st.sampled_from([8, 20, 35]))
    if draw(st.booleans()):
        rules["max_staff"] = draw(st.integers(20, 90))
    if draw(st.integers(0, 2)) == 0:
        rules["min_staff"] = draw(st.integers(1, 15))
    if draw(st.booleans()):
        rules["keep_per"] = ["locality"]
    if draw(st.booleans()):
        rules["protected"] = [f"U{draw(st.integers(0, n - 1))}"]
    targets = []
    for _ in range(draw(st.integers(1, 2))):
        t = {"kind": draw(st.sampled_from(["psu", "agency", "all"]))}
        if draw(st.booleans()):
            t["reduce_count"] = draw(st.integers(0, 4))
        else:
            t["reduce_pct"] = draw(st.sampled_from([10, 25, 40, 50, 12.5, 60]))
        if draw(st.booleans()):
            t["baseline"] = "2015-12-31"
        if draw(st.booleans()):
            t["where"] = {"sector": "a"}
        targets.append(t)
    scenario = {
        "plan_from": "2021-12-31", "targets": targets, "rules": rules,
        "objective": {"per_merge": draw(st.sampled_from([0, 10])), "staff_moved": draw(st.sampled_from([0, 1])),
                      "staff_km": draw(st.sampled_from([0, 0.1, 1]))},
    }
    if draw(st.booleans()):
        scenario["movable"] = ["psu"]
    return units, scenario, events


def assert_agrees_with_brute_force(scn, sol):
    U, rules, specs = scenario_inputs(scn)
    best, most = brute_force(U, rules, specs)
    event(f"status {sol.status}" + (", blocking" if "blocking_units" in sol.summary else "")
          + (f", {len(sol.plan)} merges" if len(sol.plan) else ""))
    assert check_solution(sol, scn) == []
    s = sol.summary
    rules_feasible = most[0] is not None if most else True
    if best is None:
        assert s["status"] == "infeasible"
        assert len(sol.plan) == 0
    else:
        assert s["status"] == "optimal", s
        assert math.isclose(s["objective"], best, rel_tol=1e-7, abs_tol=1e-6), (s["objective"], best)
    for t, m in zip(s["targets"], most):
        assert t["max_reduction"] == m
    if not rules_feasible:
        assert s["blocking_units"], s
    else:
        assert "blocking_units" not in s


# ---------------------------------------------------------------- brute force agreement


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cases())
def test_highs_matches_brute_force(tmp_path_factory, case):
    units, scenario, events = case
    path = write_case(tmp_path_factory.mktemp("case"), units, scenario, events)
    scn = load_scenario(path)
    assert_agrees_with_brute_force(scn, solve_scenario(scn))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cases(max_units=6))
def test_cbc_matches_brute_force(tmp_path_factory, case):
    units, scenario, events = case
    scenario = dict(scenario, solver={"name": "cbc"})
    path = write_case(tmp_path_factory.mktemp("case"), units, scenario, events)
    scn = load_scenario(path)
    assert_agrees_with_brute_force(scn, solve_scenario(scn))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_aggregated_formulation_equals_pairs(tmp_path_factory, case):
    """Where the aggregated form applies (no distance/staff rules, cost independent of the
    absorbing unit) it gives the same optimum, max_reduction and status as the pairs form."""
    units, scenario, events = case
    scenario = dict(scenario, rules={k: v for k, v in scenario["rules"].items()
                                     if k in ("merge_within", "keep_per", "protected")},
                    objective=dict(scenario["objective"], staff_km=0))
    path = write_case(tmp_path_factory.mktemp("case"), units, scenario, events)
    scn = load_scenario(path)
    agg, pairs = solve_scenario(scn), solve_scenario(scn, formulation="pairs")
    assert agg.instance.mode == "aggregated" and pairs.instance.mode == "pairs"
    assert agg.summary["status"] == pairs.summary["status"]
    if pairs.summary["objective"] is None:
        assert agg.summary["objective"] is None and agg.plan.empty
    else:
        assert agg.summary["objective"] == pytest.approx(pairs.summary["objective"])
    assert [t["max_reduction"] for t in agg.summary["targets"]] == [t["max_reduction"] for t in pairs.summary["targets"]]
    assert check_solution(agg, scn) == []


# ---------------------------------------------------------------- hand-made cases


def _units(rows):
    return [dict(zip(["id", "kind", "sector", "parent", "locality", "staff", "lat", "lon"], r)) for r in rows]


def test_tiny_fixture_plan_is_checked_and_reproducible(tmp_path):
    scn = load_scenario(FIXTURES / "scenarios" / "tiny-basic.yaml")
    first = solve_scenario(scn)
    assert first.status == "optimal"
    assert check_solution(first, scn) == []
    t = first.summary["targets"][0]
    assert (t["baseline"], t["plan_from"], t["required_reduction"], t["achieved_reduction"]) == (10, 9, 3, 3)
    a = write_solution(first, scn, tmp_path / "a")
    b = write_solution(solve_scenario(scn), scn, tmp_path / "b")
    assert (a / "plan.csv").read_bytes() == (b / "plan.csv").read_bytes()
    sa, sb = (json.loads((p / "summary.json").read_text()) for p in (a, b))
    sa["solver"].pop("seconds"), sb["solver"].pop("seconds")
    assert sa == sb
    assert list(sa) == ["scenario", "status", "objective", "merges", "targets", "consequences", "solver", "language"]
    assert list(sa["targets"][0]) == ["kind", "baseline_date", "baseline", "plan_from", "after",
                                      "required_reduction", "achieved_reduction", "max_reduction", "met"]
    assert list(sa["solver"]) == ["name", "gap"]


def test_after_registry_is_valid_and_counts_the_plan(tmp_path):
    scn = load_scenario(FIXTURES / "scenarios" / "tiny-basic.yaml")
    sol = solve_scenario(scn)
    out = write_solution(sol, scn, tmp_path / "out")
    after = load_registry(out / "after")
    tl = Timeline(after)
    assert tl.count("psu", "2022-01-01") == sol.summary["targets"][0]["after"]
    ev = pd.read_csv(out / "after" / "events.csv", dtype=str, keep_default_na=False)
    planned = ev[ev["event_id"].str.startswith("PLAN-")]
    assert set(planned["date"]) == {"2022-01-01"} and set(planned["type"]) == {"merge"}
    assert (planned["legal_basis"] == "").all() and planned["note"].str.contains("tiny-basic").all()
    assert "S6" not in set(pd.read_csv(out / "after" / "units.csv")["unit_id"])  # opened after plan_from
    assert "E2" not in set(ev["event_id"])
    assert "opened after" in (out / "after" / "README.md").read_text()


def test_infeasible_targets_answer_with_max_reduction(tmp_path):
    units = _units([("A", "psu", "a", "G1", "x", 10, None, None), ("B", "psu", "a", "G1", "x", 12, None, None),
                    ("C", "psu", "b", "G1", "x", 9, None, None), ("D", "psu", "b", "G2", "x", 9, None, None)])
    path = write_case(tmp_path, units, {"plan_from": "2021-12-31", "targets": [{"kind": "psu", "reduce_count": 2}]})
    for solver in ("highs", "cbc"):
        scn = load_scenario(path)
        scn.solver.name = solver
        sol = solve_scenario(scn)
        assert sol.status == "infeasible" and sol.plan.empty
        assert sol.summary["objective"] is None and sol.summary["merges"] == 0
        assert sol.summary["targets"][0]["max_reduction"] == 1
        assert sol.summary["targets"][0]["met"] is False
        assert "blocking_units" not in sol.summary
    out = write_solution(sol, scn, tmp_path / "out")
    assert (out / "plan.csv").read_text(encoding="utf-8-sig") == "unit_id,into_id,kind,sector,locality,staff,distance_km,cost,name,into_name,unit_type,into_type,reason\n"


def test_blocking_units_when_min_staff_can_never_be_met(tmp_path):
    units = _units([("A", "psu", "a", "G1", "x", 40, None, None), ("B", "psu", "a", "G1", "x", 20, None, None),
                    ("LONE", "psu", "b", "G2", "y", 6, None, None)])
    path = write_case(tmp_path, units, {"plan_from": "2021-12-31", "targets": [{"kind": "psu", "reduce_count": 0}],
                                        "rules": {"min_staff": 15}})
    sol = solve_scenario(load_scenario(path))
    assert sol.status == "infeasible"
    assert sol.summary["blocking_units"] == ["LONE"]
    assert sol.summary["targets"][0]["max_reduction"] is None
    assert sol.plan.empty


def test_blocking_units_found_by_the_solver_when_no_unit_is_stuck_alone(tmp_path):
    """Two 5-staff units that may only merge with each other: either could be absorbed, but
    whoever stands has 10 < 15. No unit is stuck on its own; the rules still fail."""
    units = _units([("A", "psu", "a", "G1", "x", 5, None, None), ("B", "psu", "a", "G1", "x", 5, None, None),
                    ("C", "psu", "b", "G1", "x", 30, None, None)])
    path = write_case(tmp_path, units, {"plan_from": "2021-12-31", "targets": [{"kind": "psu", "reduce_count": 0}],
                                        "rules": {"min_staff": 15}})
    for solver in ("highs", "cbc"):
        scn = load_scenario(path)
        scn.solver.name = solver
        sol = solve_scenario(scn)
        assert sol.status == "infeasible"
        assert sol.summary["targets"][0]["max_reduction"] is None
        assert sol.summary["blocking_units"] in (["A"], ["B"])


def _big_case(tmp_path, n=160, seed=3, time_limit=1.0, solver="highs"):
    """160 units in one merge group, distance costs, a staff cap and a 45% cut: HiGHS needs a few
    seconds to prove the optimum, so a one-second limit stops it with a plan and a gap."""
    rng = np.random.default_rng(seed)
    units = _units([(f"U{i:03d}", "psu", "a", "G1", rng.choice(["x", "y", "z"]), int(rng.integers(3, 60)),
                     21 + rng.random() * 0.6, 107 + rng.random() * 0.6) for i in range(n)])
    scenario = {"plan_from": "2021-12-31", "targets": [{"kind": "psu", "reduce_pct": 45}],
                "rules": {"max_staff": 90, "max_distance_km": 40},
                "solver": {"name": solver, "time_limit_s": time_limit}}
    return write_case(tmp_path, units, scenario)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_time_limit_is_never_reported_as_optimal(tmp_path, solver, english):
    scn = load_scenario(_big_case(tmp_path, solver=solver, time_limit=1.0 if solver == "highs" else 2.0))
    sol = solve_scenario(scn)
    assert sol.status in ("feasible", "unknown", "optimal")  # never "infeasible" without a proof
    assert check_solution(sol, scn) == []
    if sol.status == "optimal":  # only if it really proved it: gap 0, and a long run must agree
        assert sol.summary["solver"]["gap"] == 0
        proof = run_solver(build_model(prepare(scn)), name="highs", time_limit=120)
        assert proof.status == "optimal" and proof.objective == pytest.approx(sol.summary["objective"])
    elif sol.status == "feasible":
        assert sol.summary["solver"]["gap"] is not None and sol.summary["solver"]["gap"] >= 0
        assert len(sol.plan) > 0 and all(t["met"] for t in sol.summary["targets"])
    else:
        assert sol.plan.empty and sol.summary["objective"] is None
        assert not any(t["met"] for t in sol.summary["targets"])
        assert any("time limit" in n for n in sol.notes)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_time_limit_with_a_plan_is_feasible_with_a_gap(tmp_path, solver):
    """320 units: both solvers find plans within 2-3 s but need over 10 s to prove the optimum,
    so a 3 s limit must give 'feasible' with a positive gap (or, on a slower machine, no plan
    and 'unknown'), never 'optimal' nor 'infeasible'."""
    scn = load_scenario(_big_case(tmp_path, n=320, seed=5))
    model = build_model(prepare(scn))
    res = run_solver(model, name=solver, time_limit=3.0)
    if res.status == "optimal":  # only if it really proved it: gap 0, and a long run must agree
        assert res.gap == 0 and res.proven
        proof = run_solver(build_model(prepare(scn)), name="highs", time_limit=300)
        assert proof.status == "optimal" and res.objective == pytest.approx(proof.objective, rel=1e-9)
        return
    assert res.status in ("feasible", "unknown")
    assert not res.proven
    if res.status == "feasible":
        assert res.gap is not None and res.gap > 0 and res.values is not None and res.values.any()
    else:
        assert res.values is None and res.objective is None and "plan or proof" in res.note


def test_frontier_is_monotone_and_ends_at_max(tmp_path):
    scn = load_scenario(FIXTURES / "scenarios" / "tiny-basic.yaml")
    df = frontier(scn)
    sol = solve_scenario(scn)
    assert list(df.columns) == ["reduction", "reduction_pct", "min_cost", "merges", "status", "meets_1"]
    assert df["reduction"].iloc[0] == 0 and df["reduction"].iloc[-1] == sol.summary["targets"][0]["max_reduction"]
    assert (df["status"] == "optimal").all()
    assert (np.diff(df["min_cost"]) >= -1e-9).all()
    row = df[df["reduction"] == sol.summary["targets"][0]["required_reduction"]].iloc[0]
    assert row["min_cost"] == pytest.approx(sol.summary["objective"])
    path = write_frontier(df, scn, tmp_path / "f")
    assert path.read_text(encoding="utf-8-sig").splitlines()[0] == "reduction,reduction_pct,min_cost,merges,status,meets_1"
    assert (df["meets_1"] == (df["reduction"] >= sol.summary["targets"][0]["required_reduction"])).all()


def test_frontier_points():
    assert frontier_points(0) == [0]
    assert frontier_points(5) == [0, 1, 2, 3, 4, 5]
    pts = frontier_points(1000, steps=10)
    assert pts[0] == 0 and pts[-1] == 1000 and len(pts) == 11
    assert frontier_points(1000, steps=10, extra=(70, 24, 2000, -5)) == sorted(pts + [70, 24])


def test_highspy_matrices_match_pulp_and_cbc(tmp_path):
    """The arrays handed to highspy in one call give the same optimum as the same model built in
    PuLP and solved by PuLP's own HiGHS bridge, and as CBC."""
    import pulp

    from orgmodel.optim.solvers import pulp_problem

    scn = load_scenario(_big_case(tmp_path, n=40, seed=11, time_limit=60))
    inst = prepare(scn)
    ours = run_solver(build_model(inst), name="highs", time_limit=60, lp_first=False)
    cbc = run_solver(build_model(inst), name="cbc", time_limit=60)
    prob, _ = pulp_problem(build_model(inst))
    prob.solve(pulp.HiGHS(msg=False, gapRel=0.0))
    assert ours.status == cbc.status == "optimal" and prob.status == pulp.LpStatusOptimal
    assert ours.objective == pytest.approx(pulp.value(prob.objective)) == pytest.approx(cbc.objective)


def test_summary_json_is_stable_text():
    s = {"scenario": "x", "status": "optimal", "objective": 1.5, "merges": 0, "targets": [], "solver": {"name": "highs", "seconds": 0.1, "gap": 0.0}}
    assert summary_json(s) == json.dumps(s, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- the bundled scenarios

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))


#: scenarios/README.md's words for unit types, in its "answer" column
README_TYPES = {"kindergartens": "mam-non", "primary": "tieu-hoc", "lower-secondary": "thcs", "commune health stations": "tram-y-te",
                "notary office": "cong-chung"}


def readme_answer(stem: str) -> dict:
    """What scenarios/README.md's table says the answer of scenario ``stem`` is: status, number
    of merges, max_reduction, units named (blocking, or merged), number of blocking units, merges
    by type (each only where the row states it)."""
    import re

    rows = [r for r in (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8").splitlines() if r.startswith(f"| `{stem}` |")]
    assert len(rows) == 1, f"scenarios/README.md has no row (or several) for {stem}"
    answer = rows[0].rstrip(" |").split(" | ")[-1]
    status = re.match(r"\**(optimal|infeasible)", answer)
    assert status, f"scenarios/README.md, {stem}: the answer should start with optimal or infeasible"
    out = {"status": status.group(1)}
    if m := re.search(r"(\d+) merges?\b", answer):
        out["merges"] = int(m.group(1))
    if m := re.search(r"max(?:_reduction)? (\d+)", answer):
        out["max_reduction"] = int(m.group(1))
    ID = r"`([A-Z][A-Z0-9-]+)`"
    if ids := sorted(re.findall(ID, answer)):
        out["named"] = ids  # unit ids the row names: blocking units, or units of the plan
    if pairs := sorted(re.findall(ID + " into " + ID, answer)):
        out["pairs"] = pairs  # "`X` into `Y`": the plan moves X into Y
    into = [i for group in re.findall(r"into ((?:`[A-Z][A-Z0-9-]+`(?:, | and )?)+)", answer) for i in re.findall(ID, group)]
    if into:
        out["into"] = sorted(set(into))  # "into `Y`, `Z`": units the plan keeps and merges others into
    if m := re.search(r"(\d+) blocking units", answer):
        out["n_blocking"] = int(m.group(1))
    types = {README_TYPES[w]: int(n) for n, w in re.findall(r"(\d+) (" + "|".join(README_TYPES) + r")", answer)}
    if types:
        out["types"] = types
    return out


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / "data" / "quang-ninh" / "units.csv").exists() or not BUNDLED, reason="bundled registry not present")
@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_scenarios_answer_and_pass_the_checker(path):
    scn = load_scenario(path)
    sol = solve_scenario(scn)
    assert check_solution(sol, scn) == []
    s = sol.summary
    said = readme_answer(path.stem)  # the answer scenarios/README.md gives is the one the solver finds
    got = {"status": s["status"], "merges": len(sol.plan), "max_reduction": s["targets"][0]["max_reduction"],
           "blocking": sorted(s.get("blocking_units", [])), "n_blocking": len(s.get("blocking_units", [])),
           "types": {t: n for t, n in sol.plan["unit_id"].map(scn.timeline.units["unit_type"]).value_counts().items()
                     if t in said.get("types", {})}}
    listed = said.pop("named", [])
    pairs, into = said.pop("pairs", []), said.pop("into", [])
    assert said == {k: got[k] for k in said}
    assert set(pairs) <= set(zip(sol.plan["unit_id"], sol.plan["into_id"]))
    assert set(into) <= set(sol.plan["into_id"])
    named = got["blocking"] if s["status"] == "infeasible" else set(sol.plan["unit_id"]) | set(sol.plan["into_id"])
    assert set(listed) <= set(named)  # units the row names: blocking ones, or ones the plan merges
    if s["status"] == "infeasible":
        assert len(sol.plan) == 0
        if "blocking_units" in s:
            assert s["blocking_units"] and all(t["max_reduction"] is None for t in s["targets"])
        else:
            assert any(t["max_reduction"] < t["required_reduction"] for t in s["targets"])
    else:
        assert s["status"] == "optimal" and all(t["met"] for t in s["targets"])
        assert all(t["max_reduction"] >= t["achieved_reduction"] for t in s["targets"])


def test_outputs_refuse_the_registry_and_foreign_folders(tmp_path):
    from orgmodel.errors import OutputError

    scn = load_scenario(FIXTURES / "scenarios" / "tiny-basic.yaml")
    sol = solve_scenario(scn)
    with pytest.raises(OutputError):
        write_solution(sol, scn, FIXTURES / "tiny" / "out")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError):
        write_solution(sol, scn, foreign)
    with pytest.raises(OutputError):
        write_frontier(frontier(scn), scn, foreign)
    assert (foreign / "notes.txt").read_text() == "keep me" and not (FIXTURES / "tiny" / "out").exists()
    out = write_solution(sol, scn, tmp_path / "ours")
    write_frontier(frontier(scn), scn, out)  # a folder orgmodel wrote keeps its plan
    assert {p.name for p in out.iterdir()} >= {"plan.csv", "summary.json", "after", "frontier.csv"}


def test_changing_the_thread_count_between_solves(tmp_path):
    scn = load_scenario(FIXTURES / "scenarios" / "tiny-basic.yaml")
    for threads in (1, 2, None, 1):
        scn.solver.threads = threads
        assert solve_scenario(scn).status == "optimal"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(8, 30), min_staff=st.sampled_from([None, 10, 20]),
       max_staff=st.sampled_from([None, 60, 120]), dist=st.sampled_from([None, 15.0]))
def test_compact_max_model_equals_the_full_move_model(tmp_path_factory, seed, n, min_staff, max_staff, dist):
    """max_reduction from the compact model (domination rows, binaries only into units below
    min_staff) equals the full move model's, on instances too big for brute force."""
    from orgmodel.optimise import build_max_model

    rng = np.random.default_rng(seed)
    units = _units([(f"U{i:02d}", "psu", "a", rng.choice(["G1", "G2"]), rng.choice(["x", "y"]), int(rng.integers(2, 40)),
                     21 + rng.random() * 0.3, 107 + rng.random() * 0.3) for i in range(n)])
    rules = {k: v for k, v in {"min_staff": min_staff, "max_staff": max_staff, "max_distance_km": dist}.items() if v is not None}
    scn = load_scenario(write_case(tmp_path_factory.mktemp("m"), units, {"plan_from": "2021-12-31",
                                                                        "targets": [{"kind": "psu", "reduce_count": 0}], "rules": rules}))
    inst = prepare(scn, formulation="pairs")
    compact, full = build_max_model(inst, 0), build_model(inst, maximise_target=0)
    a, b = run_solver(compact, time_limit=30), run_solver(full, time_limit=30)
    assert a.status == b.status
    if a.values is not None:
        assert a.objective == pytest.approx(b.objective)
        assert int(compact.absorbed_units(a.values).sum()) == round(a.objective)


# ---------------------------------------------------------------- the exact frontier by decomposition


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cases(), which=st.integers(0, 1))
def test_frontier_by_decomposition_equals_the_full_milp_and_brute_force(tmp_path_factory, case, which):
    """Every point of the decomposed frontier (block curves + knapsack) has the cost of the full
    MILP solved at that point, and the curve ends at the brute-force maximum of the swept target
    (targets with a ``where`` filter included: the knapsack runs over the members' count)."""
    units, scenario, events = case
    path = write_case(tmp_path_factory.mktemp("front"), units, scenario, events)
    scn = load_scenario(path)
    target = min(which, len(scn.targets) - 1)
    dec = frontier_answer(scn, target=target, method="decomposition")
    per = frontier_answer(scn, target=target, method="per-point")
    U, rules, specs = scenario_inputs(scn)
    most = brute_force(U, rules, [specs[target]])[1][0]
    event(f"method {dec.method}, {len(dec.table)} points")
    if most is None:  # the rules alone cannot be met: no curve, and it says why
        assert dec.table.empty and dec.why and "min_staff" in dec.why
        assert per.table.empty and per.why
        return
    assert dec.method == "decomposition" and dec.max_reduction == most == per.max_reduction
    assert (dec.table["status"] == "optimal").all()
    assert list(dec.table["reduction"]) == list(per.table["reduction"])
    assert np.allclose(dec.table["min_cost"], per.table["min_cost"], rtol=1e-7, atol=1e-6), (dec.table, per.table)
    # each point's plan is a real plan: the checker accepts it at that reduction
    for i, t in enumerate(scn.targets):
        assert dec.table[f"meets_{i + 1}"].dtype == bool


def test_frontier_of_an_infeasible_scenario_says_why(tmp_path):
    units = _units([("A", "psu", "a", "G1", "x", 40, None, None), ("B", "psu", "a", "G1", "x", 20, None, None),
                    ("LONE", "psu", "b", "G2", "y", 6, None, None)])
    path = write_case(tmp_path, units, {"plan_from": "2021-12-31", "targets": [{"kind": "psu", "reduce_count": 0}],
                                        "rules": {"min_staff": 15}})
    ans = frontier_answer(load_scenario(path))
    assert ans.table.empty and "LONE" in ans.why and "min_staff" in ans.why


def test_a_budget_spent_before_the_solve_is_unknown_never_infeasible(tmp_path, english):
    """A time limit that runs out before any plan or proof: 'unknown', no plan, no target met,
    and a note that says why (scenario-format 1.1); never 'infeasible'."""
    import time

    scn = load_scenario(_big_case(tmp_path, n=40, seed=11, time_limit=0.001))
    sol = solve_scenario(scn, started=time.perf_counter() - 1.0)
    assert sol.status == "unknown" and sol.plan.empty and sol.summary["objective"] is None
    assert not any(t["met"] for t in sol.summary["targets"])
    assert any("time limit" in n for n in sol.notes)
    assert check_solution(sol, scn) == []


def test_solver_threads_are_capped_to_the_machine():
    import os

    from orgmodel.optim.solvers import cap_threads

    assert cap_threads(None) is None
    assert cap_threads(10**6) == (os.cpu_count() or 1)
    assert cap_threads(1) == 1


@pytest.mark.parametrize("lp_first", [False, True])
def test_a_solver_stopped_with_a_plan_is_feasible_with_its_gap(tmp_path, monkeypatch, lp_first):
    """HiGHS told to stop at its first plan (a solution limit, so the test does not depend on the
    machine's speed): the answer is 'feasible' with a positive gap, never 'optimal'."""
    from orgmodel.optim import solvers

    monkeypatch.setitem(solvers.HIGHS_OPTIONS, "mip_max_improving_sols", 1)
    scn = load_scenario(_big_case(tmp_path, n=160, seed=3, time_limit=120))
    res = run_solver(build_model(prepare(scn)), name="highs", time_limit=120, lp_first=lp_first)
    assert res.status == "feasible" and not res.proven, res
    assert res.gap is not None and res.gap > 0 and res.values.any()


def _groups_case(tmp_path, seed=5):
    """Six merge groups of 3-14 units (distance costs, a staff cap): six blocks of different sizes."""
    rng = np.random.default_rng(seed)
    rows = []
    for g, n in enumerate([3, 5, 8, 10, 12, 14]):
        rows += [(f"G{g}U{i:02d}", "psu", "ab"[g % 2], f"G{1 + g // 2}", "x", int(rng.integers(3, 40)),
                  21 + rng.random() * 0.3, 107 + rng.random() * 0.3) for i in range(n)]
    scenario = {"plan_from": "2021-12-31", "targets": [{"kind": "psu", "reduce_pct": 30}],
                "rules": {"max_staff": 80, "max_distance_km": 25}, "solver": {"time_limit_s": 60}}
    return write_case(tmp_path, _units(rows), scenario)


def test_block_curves_in_worker_threads_equal_one_thread(tmp_path, monkeypatch):
    """Drawn: six blocks; the frontier with every block's LPs in worker threads, where some LPs
    come back 'fractional' (forced here) and are finished by a branch and bound in the calling
    thread, is the frontier of one thread, point for point, plan for plan."""
    from orgmodel.optim import solvers, sweep

    scn = load_scenario(_groups_case(tmp_path))
    monkeypatch.setattr(sweep, "workers", lambda threads: 1)
    one = frontier_answer(scn, method="decomposition")
    real, handed_back = solvers.HighsRun.solve, []

    def sometimes_fractional(self, *args, lp_only=False, **kw):
        if lp_only and len(handed_back) < 40 and (self.model.row_lo[-1] % 3 == 1):
            handed_back.append(float(self.model.row_lo[-1]))
            return None  # as a fractional LP does: the caller finishes this level
        return real(self, *args, lp_only=lp_only, **kw)

    monkeypatch.setattr(solvers.HighsRun, "solve", sometimes_fractional)
    monkeypatch.setattr(sweep, "workers", lambda threads: 2)
    monkeypatch.setattr(sweep, "PARALLEL_MIN_COLS", 0)
    many = frontier_answer(scn, method="decomposition")
    assert handed_back, "no level was handed back to the calling thread"
    assert one.method == many.method == "decomposition" and one.blocks == many.blocks == 6
    pd.testing.assert_frame_equal(one.table, many.table)
    assert (many.table["status"] == "optimal").all() and many.max_reduction == one.max_reduction


def test_star_bound_is_reached_and_never_cut(tmp_path):
    """Drawn: three groups (2, 3 and 4 units, 1 km apart, 100 km allowed: pairs formulation) where
    any unit may absorb any other: each group absorbs all but one, the bound ends every curve
    without a proof of infeasibility one level up, and the maximum is the brute-force one."""
    from orgmodel.optim import sweep
    from orgmodel.optim.answers import Clock

    rows = [(f"G{g}U{i}", "psu", "a", f"G{g}", "x", 10 + i, 21 + 0.01 * i, 107.0)
            for g, n in enumerate([2, 3, 4], start=1) for i in range(n)]
    path = write_case(tmp_path, _units(rows), {"plan_from": "2021-12-31", "targets": [{"kind": "psu", "reduce_count": 1}],
                                               "rules": {"max_distance_km": 100}})
    scn = load_scenario(path)
    inst = prepare(scn)
    assert inst.mode == "pairs"
    model = build_model(inst, targets=[0])
    tr = model.target_rows[0]
    label = sweep.blocks_of(model, [tr])
    coef = np.zeros(model.n_cols)
    coef[model.index[model.start[tr]:model.start[tr + 1]]] = 1.0
    rows_ = np.setdiff1d(np.arange(model.n_rows), [tr])
    row_block = label[model.index[model.start[rows_]]]
    tops = []
    for b in range(label.max() + 1):
        sub = sweep.sub_model(model, np.flatnonzero(label == b), rows_[row_block == b], coef)
        sub.extra["top"] = sweep.star_bound(inst, sub)
        curve = sweep.block_curve(sub, sub.extra["decisions"], Clock(60), None, "highs")
        tops.append((sub.extra["top"], len(curve.cost) - 1, curve.solves))
    assert sorted(tops) == [(1, 1, 1), (2, 2, 2), (3, 3, 3)]  # levels 1..top solved, none beyond, level 0 free
    assert frontier_answer(scn).max_reduction == 1 + 2 + 3 == brute_force(*scenario_inputs(scn)[:2], [scenario_inputs(scn)[2][0]])[1][0]


def test_a_console_budget_counts_from_the_process_start(tmp_path):
    """The time limit is wall clock for the whole command: a console run's clock starts when the
    process started (imports included), an in-process call's when it is made."""
    import subprocess
    import sys

    code = ("import time; time.sleep(0.4); from orgmodel.optim.answers import process_started; "
            "print(time.perf_counter() - process_started())")
    spent = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert 0.4 <= spent < 30


def test_writing_the_answer_is_set_aside_from_the_budget(tmp_path, monkeypatch):
    """The solver's deadline leaves time to write the answer, more for a bigger registry (after/
    rewrites it), and never less than 5 % of the budget."""
    import time

    from orgmodel.optim.answers import WRITE_S_PER_ROW, Clock, write_seconds

    small = load_scenario(FIXTURES / "scenarios" / "tiny-basic.yaml")
    big = load_scenario(_big_case(tmp_path))
    rows = lambda s: len(s.registry.units) + len(s.registry.events)  # noqa: E731
    assert write_seconds(big) - write_seconds(small) == pytest.approx(WRITE_S_PER_ROW * (rows(big) - rows(small)))
    t = time.perf_counter()
    assert Clock(10, t, reserve=2.0).deadline == pytest.approx(t + 8.0)
    assert Clock(10, t, reserve=0.1).deadline == pytest.approx(t + 9.5)  # the 5 % floor
    # solve_scenario keeps it: writing that would take longer than the budget leaves no time to solve
    from orgmodel.optim import answers

    monkeypatch.setattr(answers, "WRITE_S_FIXED", small.solver.time_limit_s + 1.0)
    sol = solve_scenario(small)
    assert sol.status == "unknown" and sol.plan.empty


def test_a_very_large_pairs_model_is_announced(tmp_path, monkeypatch, english):
    """A pairs model beyond LARGE_MOVES decisions says how big it is and how to make it smaller."""
    from orgmodel.optim import model as M

    scn = load_scenario(_big_case(tmp_path, n=30))
    said: list[str] = []
    prepare(scn, log=said.append)
    assert not any("GB" in s for s in said)
    monkeypatch.setattr(M, "LARGE_MOVES", 10)
    said.clear()
    inst = prepare(scn, log=said.append)
    assert inst.mode == "pairs" and len(inst.moves) > 10
    warning = [s for s in said if "GB" in s]
    assert warning and "max_distance_km" in warning[0] and f"{len(inst.moves)} candidate merges" in warning[0]
    monkeypatch.setattr(M, "HUGE_MODEL", 10)  # beyond it, no memory figure: the model is not solved whole
    said.clear()
    prepare(scn, log=said.append)
    assert not any("GB" in s for s in said)
    assert any("too many to solve whole" in s and "max_distance_km" in s for s in said)
