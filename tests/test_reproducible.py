"""Same inputs, same bytes: exports do not depend on the hash seed or set/dict order."""

from __future__ import annotations

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
