"""Optimisation benchmark: candidate generation, model build and solve, for the bundled province
and a generated national registry, with both solvers, against two naive baselines.

* **province**: every bundled scenario end to end (``python -m orgmodel solve``, process start
  included), with HiGHS, and the main one with CBC too;
* **national**: the national registry (``orgmodel.synth.generate_national(provinces=63, seed=0)``,
  87,550 units of which 48,442 PSUs open at 2021-12-31): Resolution 38's -10 % PSUs, merging
  PSUs of the same managing body and sector no more than ``max_distance_km`` apart (pairs
  formulation), and the same question without distances (aggregated formulation);
* **naive baselines** on the same national question and candidate moves: the straightforward
  PuLP model (pairwise star rows x[u,v] + x[v,w] <= 1 built in Python loops, PuLP's own HiGHS
  bridge) and the same naive matrix handed straight to highspy (``passModel`` on CSR arrays);
* **solver options**: the measurements behind ``HIGHS_OPTIONS`` and ``CBC_OPTIONS``.

Each heavy measurement runs in its own process so that its peak memory (ru_maxrss, plus the
CBC child process) is its own. Run with ``make bench`` or ``python -m bench optimise``; prints
figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = ROOT / "data" / "quang-ninh"
NATIONAL = ROOT / "data" / "national-63-seed0"  # generated on first use, git-ignored
SCENARIOS = ROOT / "scenarios"
MAIN_SCENARIO = SCENARIOS / "psu-10pct-2025.yaml"
PLAN_FROM = dt.date(2021, 12, 31)
DISTANCE_KM = 3.0
#: peak memory a budgeted national run may use (the 2-core, 23 GB machine of the bench; HiGHS grows
#: with the time it is given: the no-distance model took 6.5 GB in 60 s)
BUDGET_PEAK_MB = 1536.0
NAIVE_TIME_LIMIT = 300.0

TARGETS = {  # issue targets on a 2-core machine
    "province_end_to_end_s": 2.0,
    "national_build_s": 2.0,
    "national_build_solve_s": 10.0,
}


# ---------------------------------------------------------------- the national question


def national_scenario(registry, *, max_distance_km: float | None = DISTANCE_KM, staff_km: float = 0.1, solver: str = "highs",
                      time_limit: float = 600.0):
    """Resolution 38/NQ-CP on the national registry: -10 % PSUs against 2021, plan from 2021-12-31."""
    from orgmodel.scenario import Objective, Rules, Scenario, SolverOptions, Target

    return Scenario(
        name="national-psu-10pct", registry_path=Path(registry.path), plan_from=PLAN_FROM, baseline=PLAN_FROM,
        targets=[Target(kind="psu", baseline=PLAN_FROM, reduce_pct=Fraction(10))], movable=("psu",),
        # without the distance rule: compatibility off too, so that the aggregated formulation (one
        # decision per unit, no pairs) is what is measured; with unit types in force every pair
        # of a body and sector is a decision (1.2 million on this registry)
        rules=Rules(max_distance_km=max_distance_km, compatible=None if max_distance_km is not None else "off"),
        objective=Objective(staff_km=staff_km),
        solver=SolverOptions(name=solver, time_limit_s=time_limit), registry=registry,
        description="Resolution 38/NQ-CP: -10 % PSUs against 2021 (benchmark)",
    )


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(max(own, child), 1)


def _load(path: Path):
    from orgmodel.registry import load_registry

    reg = load_registry(path)
    return reg


def measure_ours(path: str, solver: str, max_distance_km: float | None, staff_km: float, pct: float = 10.0) -> dict:
    """Candidates, build and solve seconds of our pipeline on the national question."""
    from orgmodel.optimise import build_model, prepare, run_solver

    reg = _load(Path(path))
    scn = national_scenario(reg, max_distance_km=max_distance_km, staff_km=staff_km, solver=solver)
    scn.targets[0].reduce_pct = Fraction(pct)
    scn.timeline.units_as_of(PLAN_FROM)  # the registry's replay is not part of the optimisation
    t = time.perf_counter()
    inst = prepare(scn)
    cand = time.perf_counter() - t
    model = build_model(inst)
    res = run_solver(model, name=solver, time_limit=scn.solver.time_limit_s)
    return {"what": f"ours ({inst.mode}, -{pct:g}%)", "solver": solver, "moves": len(inst.moves), "variables": model.n_cols,
            "rows": model.n_rows, "candidates_s": cand, "build_s": model.seconds, "solve_s": res.seconds,
            "status": res.status, "objective": res.objective, "peak_mb": _peak_mb()}


def measure_budget(path: str, budget: float, pct: float, distance_km: float | None = DISTANCE_KM) -> dict:
    """`orgmodel solve` on the national registry with solver.time_limit_s = ``budget``: wall
    seconds of the whole command (process start, registry loading and writing included). Without
    ``distance_km`` every pair of a body and sector is a candidate (1.2 million): the hardest case."""
    with tempfile.TemporaryDirectory() as tmp:
        scn = Path(tmp) / "national.yaml"
        rule = f"rules:\n  max_distance_km: {distance_km:g}\n" if distance_km is not None else ""
        scn.write_text(f"name: national-budget\nregistry: {path}\nplan_from: {PLAN_FROM.isoformat()}\n"
                       f"targets:\n  - kind: psu\n    reduce_pct: {pct:g}\nmovable: [psu]\n"
                       f"{rule}solver:\n  time_limit_s: {budget:g}\n", encoding="utf-8")
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "orgmodel", "solve", str(scn), "--out", str(Path(tmp) / "out"), "--quiet"],
                              cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t
        written = Path(tmp) / "out" / "summary.json"  # judged on the answer written, whatever the exit
        summary = json.loads(written.read_text()) if written.exists() else {}
    return {"budget_s": budget, "pct": pct, "distance_km": distance_km, "wall_s": wall, "allowed_s": budget * 1.1 + 1.0,
            "exit": proc.returncode, "merges": summary.get("merges"),
            "status": summary.get("status", (proc.stderr.strip().splitlines() or ["?"])[-1][:80]),
            "gap": summary.get("solver", {}).get("gap"), "peak_mb": _peak_mb()}


def measure_frontier(scenario: str, repeat: int = 3) -> dict:
    """One scenario, in one process: a single solve and the 25-point frontier, each the median of
    ``repeat`` runs after a first solve (computation only: the registry is loaded once)."""
    import statistics

    from orgmodel.optimise import frontier_answer, solve_scenario
    from orgmodel.scenario import load_scenario

    scn = load_scenario(Path(scenario))
    sol = solve_scenario(scn)  # the first solve fills the timeline's caches: not counted
    solves, fronts = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        sol = solve_scenario(scn)
        solves.append(time.perf_counter() - t)
        t = time.perf_counter()
        ans = frontier_answer(scn)
        fronts.append(time.perf_counter() - t)
    return {"scenario": Path(scenario).stem, "solve_s": statistics.median(solves), "frontier_s": statistics.median(fronts),
            "points": len(ans.table), "method": ans.method, "blocks": ans.blocks, "block_solves": ans.solves,
            "all_optimal": bool((ans.table["status"] == "optimal").all()) if len(ans.table) else False,
            "status": sol.status, "peak_mb": _peak_mb()}


def _naive_inputs(path: str):
    from orgmodel.optimise import prepare

    reg = _load(Path(path))
    scn = national_scenario(reg)
    inst = prepare(scn, formulation="pairs")
    return inst, inst.targets[0]


def measure_naive_pulp(path: str) -> dict:
    """The straightforward PuLP model: variables and rows created one by one in Python loops,
    pairwise star rows x[u,v] + x[v,w] <= 1, solved through PuLP's own HiGHS bridge."""
    import pulp

    inst, tc = _naive_inputs(path)
    t = time.perf_counter()
    prob = pulp.LpProblem("naive", pulp.LpMinimize)
    moves = list(zip(inst.moves["unit_id"], inst.moves["into_id"], inst.moves["cost"]))
    x, out = {}, {}
    for u, v, _ in moves:
        x[u, v] = prob.add_variable(f"x_{u}_{v}", 0, 1, pulp.LpBinary)
        out.setdefault(u, []).append(v)
    prob += pulp.lpSum(c * x[u, v] for u, v, c in moves)
    for u, vs in out.items():
        prob += pulp.lpSum(x[u, v] for v in vs) <= 1
    for u, v, _ in moves:
        for w in out.get(v, []):
            prob += x[u, v] + x[v, w] <= 1
    members = set(inst.units.index[tc.members])
    prob += pulp.lpSum(x[u, v] for u, v, _ in moves if u in members) >= tc.need
    build = time.perf_counter() - t
    rows = len(prob._constraints)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob.solve(pulp.HiGHS(msg=False, timeLimit=NAIVE_TIME_LIMIT))
    solve = time.perf_counter() - t
    hs = prob.solverModel
    status = hs.modelStatusToString(hs.getModelStatus())
    return {"what": "naive PuLP", "solver": "highs", "moves": len(moves), "variables": len(x), "rows": rows, "candidates_s": 0.0,
            "build_s": build, "solve_s": solve, "status": status, "objective": pulp.value(prob.objective), "peak_mb": _peak_mb()}


def naive_matrix(inst, tc):
    """The naive model as CSR arrays: once rows, pairwise star rows, the target row."""
    n = len(inst.moves)
    u, v = inst.moves["u"].to_numpy(), inst.moves["v"].to_numpy()
    out_len = np.bincount(u, minlength=inst.n_units)
    out_start = np.r_[0, np.cumsum(out_len)[:-1]]  # moves are sorted by u
    # once rows: one per unit with a move; its moves are contiguous
    once_units = np.flatnonzero(out_len)
    once_starts, once_idx = out_start[once_units], np.arange(n)
    # star rows: (m, m2) for m = (u, v) and m2 = (v, w)
    k = out_len[v]
    first = np.repeat(np.arange(n), k)
    second = np.repeat(out_start[v], k) + (np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k))
    n_star = first.size
    star_idx = np.empty(2 * n_star, dtype=np.int64)
    star_idx[0::2], star_idx[1::2] = first, second
    member_moves = np.flatnonzero(tc.members[u])
    starts = np.concatenate([once_starts, n + 2 * np.arange(n_star), [n + 2 * n_star]])
    index = np.concatenate([once_idx, star_idx, member_moves]).astype(np.int32)
    value = np.ones(index.size)
    m = once_units.size + n_star + 1
    lower = np.r_[np.full(once_units.size + n_star, -np.inf), float(tc.need)]
    upper = np.r_[np.ones(once_units.size + n_star), np.inf]
    return inst.moves["cost"].to_numpy(dtype=np.float64), starts.astype(np.int32), index, value, lower, upper, m


def measure_naive_highspy(path: str) -> dict:
    """The same naive matrix handed straight to highspy (addVars, then addRows on CSR arrays), default options."""
    import highspy

    inst, tc = _naive_inputs(path)
    t = time.perf_counter()
    cost, starts, index, value, lower, upper, m = naive_matrix(inst, tc)
    n = cost.size
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", NAIVE_TIME_LIMIT)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger))
    h.addRows(m, lower, upper, index.size, starts, index, value)
    build = time.perf_counter() - t
    t = time.perf_counter()
    h.run()
    solve = time.perf_counter() - t
    return {"what": "naive -> highspy", "solver": "highs", "moves": n, "variables": n, "rows": m, "candidates_s": 0.0,
            "build_s": build, "solve_s": solve, "status": h.modelStatusToString(h.getModelStatus()),
            "objective": h.getInfo().objective_function_value, "peak_mb": _peak_mb()}


# ---------------------------------------------------------------- solver options


def _small_registry(folder: Path, n: int = 120, seed: int = 3) -> Path:
    """One merge group of ``n`` PSUs scattered over ~65 km (the tests' hard instance)."""
    rng = np.random.default_rng(seed)
    lines = ["unit_id,name,kind,level,sector,parent_id,locality,staff,autonomy,lat,lon",
             "ROOT,Tỉnh,government,province,general,,province,0,,,", "G1,Huyện,government,district,general,ROOT,x,0,,,"]
    for i in range(n):
        lines.append(f"U{i:03d},Unit {i},psu,district,a,G1,{rng.choice(['x', 'y', 'z'])},{int(rng.integers(3, 60))},,"
                     f"{21 + rng.random() * 0.6:.4f},{107 + rng.random() * 0.6:.4f}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "events.csv").write_text("event_id,date,type,sources,targets,new_parent_id,legal_basis,note\n", encoding="utf-8")
    return folder


def measure_options(_: str = "") -> dict:
    """Seconds to a proven optimum with each solver's defaults and with the options we chose."""
    from orgmodel import optimise as O
    from orgmodel.optim import solvers as S
    from orgmodel.registry import load_registry
    from orgmodel.scenario import Rules, load_scenario

    def highs(options: dict):
        def run(model):
            saved = dict(S.HIGHS_OPTIONS)
            S.HIGHS_OPTIONS.clear()
            S.HIGHS_OPTIONS.update(options)
            try:
                return S.run_highs(model, time_limit=60, lp_first=False)
            finally:
                S.HIGHS_OPTIONS.clear()
                S.HIGHS_OPTIONS.update(saved)
        return run

    def cbc(options: tuple):
        def run(model):
            saved = S.CBC_OPTIONS
            S.CBC_OPTIONS = options
            try:
                return S.run_cbc(model, time_limit=60, lp_first=False)
            finally:
                S.CBC_OPTIONS = saved
        return run

    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        reg = load_registry(_small_registry(Path(tmp) / "reg"))
        for rules, pct, label in [(Rules(merge_within=("parent_id", "sector"), max_staff=100), 40, "120 units, max_staff 100, -40 %"),
                                  (Rules(max_staff=90, max_distance_km=40.0), 45, "120 units, max_staff 90, 40 km, -45 %")]:
            scn = national_scenario(reg, max_distance_km=None)
            scn.rules, scn.targets[0].reduce_pct, scn.name = rules, Fraction(pct), "small"
            cases.append((label, O.prepare(scn)))
        if (SCENARIOS / "psu-min-staff-15-districts.yaml").exists():
            cases.append(("province psu-min-staff-15-districts", O.prepare(load_scenario(SCENARIOS / "psu-min-staff-15-districts.yaml"))))
        rows = []
        settings = [("highs default", highs({"mip_rel_gap": 0.0})), ("highs ours", highs(dict(S.HIGHS_OPTIONS))),
                    ("cbc default", cbc(())), ("cbc ours", cbc(S.CBC_OPTIONS))]
        for label, inst in cases:
            row = {"instance": label}
            for name, solve in settings:
                t = time.perf_counter()
                res = solve(O.build_model(inst))
                row[name] = round(time.perf_counter() - t, 2) if res.status == "optimal" else float("nan")
            rows.append(row)
    return {"rows": rows}


# ---------------------------------------------------------------- province end to end


def measure_province() -> list[dict]:
    """Wall seconds of ``python -m orgmodel solve`` for each bundled scenario (process included)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = sorted(SCENARIOS.glob("*.yaml"))
        runs = [(p, "highs") for p in paths]
        if MAIN_SCENARIO.exists():
            cbc = Path(tmp) / "cbc" / MAIN_SCENARIO.name
            cbc.parent.mkdir()
            text = MAIN_SCENARIO.read_text(encoding="utf-8").replace("registry: ../data/quang-ninh", f"registry: {PROVINCE}")
            cbc.write_text(text + "solver:\n  name: cbc\n", encoding="utf-8")
            runs.append((cbc, "cbc"))
        for p, solver in runs:
            out = Path(tmp) / f"out-{p.stem}-{solver}"
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "orgmodel", "solve", str(p), "--out", str(out), "--quiet"],
                                  cwd=ROOT, capture_output=True, text=True)
            wall = time.perf_counter() - t
            summary = json.loads((out / "summary.json").read_text()) if proc.returncode == 0 else {}
            rows.append({"scenario": p.stem, "solver": solver, "seconds": wall, "status": summary.get("status", f"exit {proc.returncode}"),
                         "merges": summary.get("merges"), "solver_s": summary.get("solver", {}).get("seconds")})
    return rows


# ---------------------------------------------------------------- commands as a planner runs them


def _command(args: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak MB, exit code) of ``python -m orgmodel ARGS``, process start included."""
    import os

    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "orgmodel", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t, round(usage.ru_maxrss / 1024, 1), proc.returncode


def measure_commands(repeat: int = 5) -> dict:
    """The main scenario's ``solve``, ``frontier`` and ``report`` commands, end to end: the ratios
    the issue states (frontier / solve, report / solve). Each round runs every command once, in
    turn (so that a slower or busier spell of the machine weighs on all of them alike); each figure
    is the median over ``repeat`` rounds. The report is timed with its figure cache in three
    states: empty (``ORGMODEL_CACHE=off``), holding the state's figures (a status report of the
    same registry and dates drawn before, the plan new), and holding every figure (the same report
    again)."""
    scn, as_of = str(MAIN_SCENARIO), "2025-12-31"
    runs: dict[str, list] = {k: [] for k in ("solve", "frontier", "report_cold", "report_new_plan", "report_cached")}
    with tempfile.TemporaryDirectory() as tmp:
        report = ["report", str(PROVINCE), "--as-of", as_of, "--scenario", scn, "--quiet"]
        for i in range(repeat):
            cache = {"ORGMODEL_CACHE": f"{tmp}/cache-{i}"}
            runs["solve"].append(_command(["solve", scn, "--quiet", "--out", f"{tmp}/solve-{i}"]))
            runs["frontier"].append(_command(["frontier", scn, "--quiet", "--out", f"{tmp}/frontier-{i}"]))
            runs["report_cold"].append(_command([*report, "--out", f"{tmp}/cold-{i}"], {"ORGMODEL_CACHE": "off"}))
            _command(["report", str(PROVINCE), "--as-of", as_of, "--quiet", "--out", f"{tmp}/status-{i}"], cache)  # the state's figures
            runs["report_new_plan"].append(_command([*report, "--out", f"{tmp}/new-plan-{i}"], cache))
            runs["report_cached"].append(_command([*report, "--out", f"{tmp}/cached-{i}"], cache))
    out = {}
    for name, got in runs.items():
        walls = sorted(r[0] for r in got)
        out[name] = {"wall_s": walls[len(walls) // 2], "peak_mb": max(r[1] for r in got),
                     "exit": max((r[2] for r in got), key=abs)}
    return out


# ---------------------------------------------------------------- running and reporting


TASKS = {"ours": measure_ours, "naive_pulp": measure_naive_pulp, "naive_highspy": measure_naive_highspy, "options": measure_options,
         "budget": measure_budget, "frontier": measure_frontier}


def _child(task: str, args_json: str) -> None:
    print(json.dumps(TASKS[task](*json.loads(args_json))))


def in_process(task: str, *args) -> dict:
    """Run one measurement in a fresh interpreter (its own peak memory)."""
    proc = subprocess.run([sys.executable, "-m", "bench.optimise_bench", task, json.dumps(list(args))],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        return {"what": task, "error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ensure_national(provinces: int = 63, seed: int = 0) -> Path:
    from bench.registry_bench import ensure_national as make

    if provinces == 63 and seed == 0:
        make(NATIONAL)
        return NATIONAL
    path = ROOT / "data" / f"national-{provinces}-seed{seed}"
    make(path, provinces=provinces, seed=seed)
    return path


def compile_package() -> None:
    """Compile orgmodel's modules to bytecode first, as Python does on a planner's machine after
    the first run (here PYTHONDONTWRITEBYTECODE may be set): commands are timed in that steady state."""
    import compileall

    compileall.compile_dir(str(ROOT / "orgmodel"), quiet=1)


def run(report=print, *, provinces: int = 63, seed: int = 0, naive: bool = True, cbc: bool = True, options: bool = True) -> dict:
    """Measure everything and print a report through ``report``; return the figures."""
    figures: dict = {}
    compile_package()
    report("\n== Optimisation: candidate moves, model build, solve ==")
    prov = measure_province() if PROVINCE.exists() else []
    figures["province"] = prov
    if prov:
        report("Province (data/quang-ninh), `orgmodel solve` end to end, process start included:")
        report(f"  {'scenario':<30}{'solver':<7}{'wall s':>8}{'solver s':>10}  {'status':<11}{'merges':>7}")
        for r in prov:
            report(f"  {r['scenario']:<30}{r['solver']:<7}{r['seconds']:>8.2f}{(r['solver_s'] or 0):>10.2f}  {r['status']:<11}{(r['merges'] or 0):>7}")
    if MAIN_SCENARIO.exists():
        fr = in_process("frontier", str(MAIN_SCENARIO))
        figures["frontier"] = fr
        if "error" not in fr:
            report(f"\nFrontier of {fr['scenario']} in-process ({fr['points']} points, {fr['method']}: {fr['blocks']} blocks, "
                   f"{fr['block_solves']} block solves, every point optimal: {fr['all_optimal']}): "
                   f"{fr['frontier_s']:.2f} s; one solve of the scenario {fr['solve_s']:.2f} s (computation only, registry loaded; "
                   f"medians of 3)")
        cmd = measure_commands()
        figures["commands"] = cmd
        report(f"\nCommands on {MAIN_SCENARIO.name} as a planner runs them (median of 5 rounds, process start included):")
        report(f"  {'command':<44}{'wall s':>8}{'/ solve':>9}{'peak MB':>9}")
        labels = {"solve": "orgmodel solve", "frontier": "orgmodel frontier (25 points)",
                  "report_cold": "orgmodel report --scenario, nothing cached",
                  "report_new_plan": "  the same, state's figures cached, new plan",
                  "report_cached": "  the same, every figure cached"}
        for key, label in labels.items():
            c = cmd[key]
            report(f"  {label:<44}{c['wall_s']:>8.2f}{c['wall_s'] / cmd['solve']['wall_s']:>9.2f}{c['peak_mb']:>9.1f}"
                   + ("" if c["exit"] == 0 else f"  exit {c['exit']}"))
    path = ensure_national(provinces, seed)
    rows = [in_process("ours", str(path), "highs", DISTANCE_KM, 0.1, 10.0), in_process("ours", str(path), "highs", DISTANCE_KM, 0.1, 30.0)]
    if cbc:
        rows.append(in_process("ours", str(path), "cbc", DISTANCE_KM, 0.1, 10.0))
    if naive:
        rows.append(in_process("naive_pulp", str(path)))
        rows.append(in_process("naive_highspy", str(path)))
    agg = [in_process("ours", str(path), "highs", None, 0.0)] + ([in_process("ours", str(path), "cbc", None, 0.0)] if cbc else [])
    figures["national"], figures["national_aggregated"] = rows, agg
    report(f"\nNational ({path.name}): PSUs against 2021, same managing body and sector, within {DISTANCE_KM:g} km "
           f"(-10 %, solved at the root; -30 %, the harder instance):")
    _table(rows, report)
    report("\nNational, -10 % without the distance rule and with cost independent of distance (aggregated formulation):")
    _table(agg, report)
    budgets = [in_process("budget", str(path), 5.0, 10.0), in_process("budget", str(path), 5.0, 30.0),
               in_process("budget", str(path), 30.0, 30.0), in_process("budget", str(path), 10.0, 10.0, None)]
    figures["budgets"] = budgets
    report("\nNational time budgets: `orgmodel solve` wall clock (process, loading and writing included); "
           f"within {DISTANCE_KM:g} km, and with no distance rule (1.2 million candidate pairs):")
    report(f"  {'budget s':>9}{'target':>8}{'distance':>10}{'wall s':>8}{'goal <=':>9}  {'status':<12}{'merges':>7}{'gap':>8}{'peak MB':>9}")
    for b in budgets:
        if "error" in b:
            report(f"  failed: {b['error']}")
            continue
        gap = "" if b["gap"] is None else f"{100 * b['gap']:.2f}%"
        dist = "none" if b["distance_km"] is None else f"{b['distance_km']:g} km"
        report(f"  {b['budget_s']:>9g}{'-' + format(b['pct'], 'g') + '%':>8}{dist:>10}{b['wall_s']:>8.2f}{b['allowed_s']:>9.2f}  "
               f"{str(b['status']):<12}{b.get('merges') or 0:>7}{gap:>8}{b['peak_mb']:>9.0f}")
    if options:
        opt = in_process("options", "")
        figures["options"] = opt
        if "rows" in opt:
            report("\nSolver options: seconds to a proven optimum (nan = not proven within 60 s):")
            names = [k for k in opt["rows"][0] if k != "instance"]
            report("  " + f"{'instance':<40}" + "".join(f"{n:>18}" for n in names))
            for r in opt["rows"]:
                report("  " + f"{r['instance']:<40}" + "".join(f"{r[n]:>18.2f}" for n in names))
    _targets(figures, report)
    return figures


def _table(rows: list[dict], report) -> None:
    report(f"  {'model':<26}{'solver':<7}{'moves':>9}{'vars':>9}{'rows':>10}{'cand s':>8}{'build s':>9}{'solve s':>9}{'total s':>9}  {'status':<20}{'objective':>14}{'peak MB':>9}")
    for r in rows:
        if "error" in r:
            report(f"  {r['what']:<26} failed: {r['error']}")
            continue
        total = r["candidates_s"] + r["build_s"] + r["solve_s"]
        obj = "" if r["objective"] is None else f"{r['objective']:,.1f}"
        report(f"  {r['what']:<26}{r['solver']:<7}{r['moves']:>9,}{r['variables']:>9,}{r['rows']:>10,}{r['candidates_s']:>8.2f}"
               f"{r['build_s']:>9.2f}{r['solve_s']:>9.2f}{total:>9.2f}  {str(r['status']):<20}{obj:>14}{r['peak_mb']:>9.0f}")


def _targets(figures: dict, report) -> None:
    """Every figure beside its goal, and our ratio to the naive PuLP build and to direct highspy."""
    report("\nGoals (2-core machine), figure beside goal:")
    main = [r for r in figures.get("province", []) if r["scenario"] == MAIN_SCENARIO.stem and r["solver"] == "highs"]
    nat = figures["national"][0] if figures.get("national") else {}
    checks = []
    if main:
        checks.append(("province end to end s", main[0]["seconds"], TARGETS["province_end_to_end_s"]))
    if "build_s" in nat:
        checks.append(("national build s (moves + model)", nat["candidates_s"] + nat["build_s"], TARGETS["national_build_s"]))
        checks.append(("national build+solve s", nat["build_s"] + nat["solve_s"], TARGETS["national_build_solve_s"]))
    cmd = figures.get("commands", {})
    if cmd:
        solve = max(cmd["solve"]["wall_s"], 1e-9)
        checks.append(("frontier / solve (commands)", cmd["frontier"]["wall_s"] / solve, 3.0))
        checks.append(("report / solve (figures cached)", cmd["report_cached"]["wall_s"] / solve, 3.0))
        checks.append(("report / solve (new plan)", cmd["report_new_plan"]["wall_s"] / solve, 3.0))
        checks.append(("report / solve (nothing cached)", cmd["report_cold"]["wall_s"] / solve, 3.0))
    fr = figures.get("frontier", {})
    info = []
    if "frontier_s" in fr:  # the goal is on the commands; computation alone is shown beside it
        info.append(("frontier / solve (computation only)", fr["frontier_s"] / max(fr["solve_s"], 1e-9),
                     f"{fr['block_solves']} LPs against 1"))
    for b in figures.get("budgets", []):
        if "wall_s" in b:
            where = "" if b.get("distance_km") is not None else ", no km"
            checks.append((f"budget {b['budget_s']:g} s (-{b['pct']:g}%{where}) wall s", b["wall_s"], b["allowed_s"]))
    peaks = [b["peak_mb"] for b in figures.get("budgets", []) if "peak_mb" in b]
    if peaks:
        checks.append(("budgeted runs, peak memory MB", max(peaks), BUDGET_PEAK_MB))
    for label, value, goal in checks:
        report(f"  {label:<32}{value:>9.2f}  goal <= {goal:<7g} {'OK' if value <= goal else 'MISSED'}")
    for label, value, why in info:
        report(f"  {label:<32}{value:>9.2f}  (information: {why}, registry loaded, no process start)")
    for b in figures.get("budgets", []):
        if "status" in b and b["status"] == "infeasible":
            report("  a budgeted run said infeasible: MISSED (only a proof may say so)")
    for what in ("naive PuLP", "naive -> highspy"):
        other = next((r for r in figures.get("national", []) if r.get("what") == what and "build_s" in r), None)
        if other and "build_s" in nat:
            ours, theirs = nat["build_s"] + nat["solve_s"], other["build_s"] + other["solve_s"]
            report(f"  vs {what:<17} build {other['build_s']:.2f} s / ours {nat['build_s']:.2f} s = {other['build_s'] / max(nat['build_s'], 1e-9):.1f}x; "
                   f"build+solve {theirs:.2f} s / ours {ours:.2f} s = {theirs / max(ours, 1e-9):.1f}x  {'OK (faster)' if ours < theirs else 'MISSED'}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench optimise", description=__doc__.splitlines()[0])
    p.add_argument("--provinces", type=int, default=63)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-naive", action="store_true", help="skip the naive baselines (the slow part)")
    p.add_argument("--no-cbc", action="store_true")
    p.add_argument("--no-options", action="store_true")
    a = p.parse_args(argv if argv is not None else [])
    run(print, provinces=a.provinces, seed=a.seed, naive=not a.no_naive, cbc=not a.no_cbc, options=not a.no_options)


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
