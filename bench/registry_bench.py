"""Registry benchmark: load+validate, timeline build, as-of states, status, crosswalk, lineage —
for the bundled province and a generated national registry, each in its own process so that the
peak memory (ru_maxrss) belongs to that registry alone.

Run through ``make bench`` (or ``python -m bench registry``). Prints figures; asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = ROOT / "data" / "quang-ninh"
NATIONAL = ROOT / "data" / "national-63-seed0"  # generated on first use, git-ignored

TARGETS = {  # issue targets on a 2-core machine
    "load_validate_s": 3.0,
    "as_of_ms": 50.0,
    "crosswalk_s": 1.0,
    "peak_mb": 1536.0,
}


def _synth_key(provinces: int, seed: int) -> str:
    """What the generated registry depends on: the generator's files, the provinces and the seed."""
    import hashlib

    h = hashlib.sha256(f"{provinces} {seed}".encode())
    for f in sorted((ROOT / "orgmodel" / "synth").rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(f.relative_to(ROOT).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def ensure_national(path: Path = NATIONAL, provinces: int = 63, seed: int = 0) -> float:
    """Generate the national registry, again whenever the generator changed; return the
    generation time (0 when the registry there is current)."""
    key = _synth_key(provinces, seed)
    stamp = path / ".synth-key"
    if (path / "units.csv").exists() and stamp.exists() and stamp.read_text().strip() == key:
        return 0.0
    from orgmodel import synth

    t = time.perf_counter()
    from orgmodel.files import output_dir

    units, events, meta = synth.generate_national(provinces=provinces, seed=seed)
    with output_dir(path, force=True) as tmp:
        synth.write_registry(units, events, tmp, meta=meta)
        (tmp / ".synth-key").write_text(key + "\n")
    return time.perf_counter() - t


def _timed(fn, *args, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, out


def measure(path: Path) -> dict:
    """All figures for one registry (runs in the current process)."""
    from orgmodel import lineage as L
    from orgmodel import progress as P
    from orgmodel.registry import load_registry
    from orgmodel.timeline import Timeline, replay

    fig: dict = {"registry": path.name}
    fig["load_validate_s"], reg = _timed(load_registry, path)
    fig["units"], fig["events"] = len(reg.units), len(reg.events)
    fig["timeline_s"], tl = _timed(Timeline, reg)
    years = range(2016, 2026)
    dates = [dt.date(y, m, 28 if m == 2 else 30) for y in years for m in (6, 12)][:20]
    t = time.perf_counter()
    for d in dates:
        tl.units_as_of(d)
    fig["as_of_ms"] = 1000 * (time.perf_counter() - t) / len(dates)
    t = time.perf_counter()
    for d in dates:
        P.progress(tl, "2015-12-31", d)
    fig["status_ms"] = 1000 * (time.perf_counter() - t) / len(dates)
    # the naive alternative: replay every event from scratch for each date
    ev = reg.events
    t = time.perf_counter()
    for d in dates[:3]:
        replay(reg.units, ev[[x <= d for x in ev["date"]]], start=reg.start, files=reg.files)
    fig["replay_per_date_ms"] = 1000 * (time.perf_counter() - t) / 3
    fig["as_of_speedup"] = fig["replay_per_date_ms"] / max(fig["as_of_ms"], 1e-9)
    last = dt.date(2025, 12, 31)
    fig["crosswalk_s"], cw = _timed(L.crosswalk, tl, "2015-12-31", last)
    fig["crosswalk_rows"] = len(cw)
    life = tl.life_table()
    gone = sorted(life.index[life["open_date"].isna() & life["close_date"].notna()])  # 2015 units closed since
    sample = gone[:: max(1, len(gone) // 1000)][:1000]
    t = time.perf_counter()
    for u in sample:
        L.successors(tl, u, last)
    fig["lineage_1000_s"] = (time.perf_counter() - t) * 1000 / max(len(sample), 1)
    fig["lineage_graph_s"], _ = _timed(L.lineage_graph, tl)
    fig["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return fig


def _child(path: str) -> None:
    print(json.dumps(measure(Path(path))))


def run(paths: list[Path]) -> list[dict]:
    rows = []
    for p in paths:
        proc = subprocess.run([sys.executable, "-m", "bench.registry_bench", str(p)], cwd=ROOT, capture_output=True, text=True)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(f"benchmark of {p} failed")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return rows


def report(rows: list[dict], gen_s: float) -> None:
    print("\n== Registry: load, time travel, status, crosswalk, lineage ==")
    if gen_s:
        print(f"national registry generated in {gen_s:.1f} s")
    head = f"{'registry':<22}{'units':>8}{'events':>8}{'load+val s':>12}{'timeline s':>12}{'as-of ms':>10}{'status ms':>11}{'replay ms':>11}{'speed-up':>10}{'xwalk s':>9}{'lineage s':>11}{'graph s':>9}{'peak MB':>9}"
    print(head)
    for r in rows:
        print(f"{r['registry']:<22}{r['units']:>8}{r['events']:>8}{r['load_validate_s']:>12.2f}{r['timeline_s']:>12.2f}{r['as_of_ms']:>10.1f}"
              f"{r['status_ms']:>11.1f}{r['replay_per_date_ms']:>11.0f}{r['as_of_speedup']:>9.0f}x{r['crosswalk_s']:>9.2f}{r['lineage_1000_s']:>11.2f}{r['lineage_graph_s']:>9.2f}{r['peak_mb']:>9.0f}")
    nat = rows[-1]
    print("targets (national):")
    for key, target in TARGETS.items():
        value = nat[key]
        print(f"  {key:<16} {value:>9.2f}  target < {target:g}  ({value / target:.2f} of target) {'OK' if value < target else 'MISSED'}")
    print("  lineage s = successors() at 2025-12-31 of 1,000 units of 2015 that closed since; graph s = the whole lineage graph;")
    print("  replay ms = replaying all events up to one date from scratch (what the timeline saves: speed-up)")


def report_vietnam(path: Path = ROOT / "data" / "vietnam", goal_s: float = 3.0) -> None:
    """The real national registry (make data): load+validate and the as-of state at 2025-07-01,
    in a fresh process, against the issue's goal of 3 s."""
    code = ("import sys,time;t=time.perf_counter();from orgmodel.registry import load_registry;from orgmodel.timeline import Timeline;"
            f"r=load_registry({str(path)!r});tl=Timeline(r);n=len(tl.units_as_of('2025-07-01'));"
            "print(len(r.units),n,time.perf_counter()-t)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    print("\n== data/vietnam (real national registry): load + validate + as-of 2025-07-01 ==")
    if proc.returncode:
        print("  not loadable by this orgmodel:", (proc.stderr.strip().splitlines() or ["?"])[-1][:200])
        return
    units, open_after, secs = proc.stdout.split()
    print(f"  {units} units, {open_after} open on 2025-07-01: {float(secs):.2f} s  target < {goal_s:g}  "
          f"({float(secs) / goal_s:.2f} of target) {'OK' if float(secs) < goal_s else 'MISSED'}")


def main() -> None:
    gen_s = ensure_national()
    report(run([PROVINCE, NATIONAL]), gen_s)
    report_vietnam()


if __name__ == "__main__":
    _child(sys.argv[1])
