"""Every published national territorial figure (domain-facts.md), reproduced from the bundled
data/vietnam registry through the command a planner types: ``orgmodel count``."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from orgmodel.cli import main

VN = ROOT / "data" / "vietnam"


def count(capsys, *args) -> dict:
    with pytest.raises(SystemExit) as exc:
        main(["count", str(VN), *args, "--format", "json"])
    out = capsys.readouterr().out
    assert exc.value.code in (0, None), out
    return json.loads(out)


@pytest.mark.parametrize("as_of, provinces", [("2025-06-30", 63), ("2025-07-01", 34)])
def test_provinces_63_then_34(capsys, as_of, provinces):
    assert count(capsys, "--as-of", as_of, "--kind", "government", "--level", "province")["count"] == provinces


def test_communes_after_1_july_2025(capsys):
    got = count(capsys, "--as-of", "2025-07-01", "--kind", "government", "--level", "commune", "--by", "unit_type")
    assert got["count"] == 3321
    assert got["by"] == {"dac-khu": 13, "phuong": 687, "xa": 2621}


def test_communes_before_and_no_district_level_after(capsys):
    assert count(capsys, "--as-of", "2025-06-30", "--kind", "government", "--level", "commune")["count"] == 10035
    assert count(capsys, "--as-of", "2025-07-01", "--kind", "government", "--level", "district")["count"] == 0
    assert count(capsys, "--as-of", "2025-06-30", "--kind", "government", "--level", "district")["count"] == 696
