"""Same inputs, same bytes: exports do not depend on the hash seed or set/dict order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import QN, ROOT


def run(args, seed, cwd=ROOT):
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    return subprocess.run([sys.executable, "-m", "orgmodel", *map(str, args)], capture_output=True, env=env, cwd=cwd, check=True).stdout


@pytest.mark.parametrize("args", [
    ["crosswalk", QN, "--from", "2015-12-31", "--to", "2025-12-31"],
    ["status", QN, "--baseline", "2015-12-31", "--as-of", "2021-12-31", "--format", "csv", "--by", "locality"],
    ["trajectory", QN, "--format", "csv"],
    ["lineage", QN, "HB-UBND", "--as-of", "2025-12-31", "--format", "json"],
])
def test_exports_are_byte_identical_across_hash_seeds(args):
    assert run(args, 1) == run(args, 4242)


def _solve(scenario, out, seed):
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    subprocess.run([sys.executable, "-m", "orgmodel", "solve", str(scenario), "--out", str(out), "--quiet"],
                   capture_output=True, env=env, cwd=ROOT, check=True)
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    summary = json.loads(files.pop("summary.json"))
    summary["solver"].pop("seconds")
    return files, summary


@pytest.mark.parametrize("name", ["psu-20pct-vs-2015", "health-centres-regional"])
def test_solve_is_byte_identical_across_hash_seeds(name, tmp_path):
    scenario = ROOT / "scenarios" / f"{name}.yaml"
    a = _solve(scenario, tmp_path / "a", 1)
    b = _solve(scenario, tmp_path / "b", 987654)
    assert a == b
    assert {"plan.csv", "after/units.csv", "after/events.csv"} <= set(a[0])
