"""Scenario files: everything valid is read; everything wrong is refused with file, line and key."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from orgmodel.errors import InputError, ValidationError
from orgmodel.scenario import Target, load_scenario

pytestmark = pytest.mark.usefixtures("english")  # these tests check the English wording (Vietnamese: test_cli_language.py)

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]

FULL = """\
name: tiny-all-options
description: Every option at once
registry: tiny
plan_from: 2021-12-31
baseline: 2021-12-31
targets:
  - kind: psu
    reduce_pct: 10
  - kind: psu
    reduce_pct: 20
    baseline: 2015-12-31
  - kind: agency
    where: {parent_id: P-UBND}
    reduce_count: 1
movable: [psu]
scope: {sector: [health, education]}
rules:
  merge_within: [parent_id, sector]
  max_distance_km: 40
  max_staff: 600
  min_staff: 15
  keep_per: [locality, sector]
  protected: [H1]
objective:
  per_merge: 10
  staff_moved: 1
  staff_km: 0.1
solver:
  name: cbc
  time_limit_s: 30
  threads: 1
"""


@pytest.fixture
def folder(tmp_path):
    shutil.copytree(FIXTURES / "tiny", tmp_path / "tiny")
    return tmp_path


def write(folder: Path, text: str, name: str = "s.yaml") -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def refused(folder: Path, text: str, exc=ValidationError) -> str:
    with pytest.raises(exc) as info:
        load_scenario(write(folder, text))
    return str(info.value)


def test_every_option_is_read(folder):
    scn = load_scenario(write(folder, FULL))
    assert scn.name == "tiny-all-options" and scn.plan_from == dt.date(2021, 12, 31)
    assert [t.baseline for t in scn.targets] == [dt.date(2021, 12, 31), dt.date(2015, 12, 31), dt.date(2021, 12, 31)]
    assert scn.targets[0].reduce_pct == 10 and scn.targets[2].reduce_count == 1
    assert scn.targets[2].where == {"parent_id": ("P-UBND",)}
    assert scn.movable == ("psu",) and scn.scope == {"sector": ("education", "health")}
    r = scn.rules
    assert (r.merge_within, r.max_distance_km, r.max_staff, r.min_staff, r.keep_per, r.protected) == (
        ("parent_id", "sector"), 40.0, 600, 15, ("locality", "sector"), ("H1",))
    assert (scn.objective.per_merge, scn.objective.staff_moved, scn.objective.staff_km) == (10, 1, 0.1)
    assert (scn.solver.name, scn.solver.time_limit_s, scn.solver.threads) == ("cbc", 30, 1)
    assert len(scn.registry.units) == 15 and scn.timeline.count("psu", "2021-12-31") == 9


def test_defaults(folder):
    scn = load_scenario(write(folder, "name: d\nregistry: tiny\nplan_from: 2021-12-31\ntargets: [{kind: all, reduce_count: 1}]\n"))
    assert scn.baseline == scn.plan_from and scn.movable == ("agency", "psu") and scn.scope is None
    assert scn.rules.merge_within == ("parent_id", "sector") and scn.rules.protected == ()
    assert (scn.objective.per_merge, scn.objective.staff_moved, scn.objective.staff_km) == (10, 1, 0.1)
    assert (scn.solver.name, scn.solver.time_limit_s, scn.solver.threads) == ("highs", 60, None)


@pytest.mark.parametrize("pct,base,required", [(10, 676, 68), (Fraction(27, 2), 200, 27), (Fraction(25, 2), 8, 1),
                                               (20, 10, 2), (0, 50, 0), (100, 7, 7), (Fraction(1, 3), 300, 1)])
def test_required_reduction_is_exact(pct, base, required):
    assert Target(kind="psu", baseline=dt.date(2021, 1, 1), reduce_pct=Fraction(pct)).required(base) == required


def test_decimal_percentages_are_exact(folder):
    text = FULL.replace("reduce_pct: 10\n", "reduce_pct: 13.5\n", 1)
    assert load_scenario(write(folder, text)).targets[0].reduce_pct == Fraction(27, 2)


def test_typo_in_a_key_suggests_the_nearest(folder):
    msg = refused(folder, FULL.replace("max_distance_km", "max_distnce_km"))
    assert "s.yaml:19" in msg and "rules.max_distnce_km" in msg and "did you mean 'max_distance_km'" in msg
    msg = refused(folder, FULL.replace("targets:", "targts:"))
    assert "did you mean 'targets'" in msg and "required key 'targets' is missing" in msg


def test_key_at_the_wrong_level_is_placed(folder):
    msg = refused(folder, FULL + "min_staf: 3\nmax_staff: 500\n")
    assert "'max_staff'" in msg and "belongs under 'rules'" in msg


def test_all_problems_are_reported_together(folder):
    text = (FULL.replace("kind: agency", "kind: agencies").replace("name: cbc", "name: gurobi")
            .replace("sector]", "sectr]").replace("[H1]", "[H99]").replace("baseline: 2015-12-31", "baseline: 2015-02-30"))
    with pytest.raises(ValidationError) as info:
        load_scenario(write(folder, text))
    msg = str(info.value)
    assert "targets[2].kind: unknown kind 'agencies'" in msg and "did you mean 'agency'" in msg
    assert "unknown solver 'gurobi'" in msg
    assert "'2015-02-30' is not a valid date" in msg
    assert info.value.exit_code == 1
    # column and unit checks need the registry, so they come once the file itself is sound
    text2 = FULL.replace("sector]", "sectr]").replace("[H1]", "[H99]").replace("{parent_id: P-UBND}", "{parent_id: P-UBNX}")
    msg2 = refused(folder, text2)
    assert "unknown column 'sectr'" in msg2 and "did you mean 'sector'" in msg2
    assert "unknown unit 'H99'" in msg2
    assert "targets[2].where.parent_id: unknown unit 'P-UBNX'" in msg2 and "did you mean 'P-UBND'" in msg2


@pytest.mark.parametrize("old,new,expected", [
    ("reduce_pct: 10\n", "reduce_pct: 120\n", "between 0 and 100"),
    ("reduce_pct: 10\n", "reduce_pct: 10\n    reduce_count: 3\n", "exactly one of reduce_pct or reduce_count"),
    ("reduce_count: 1", "reduce_count: -1", "at least 0"),
    ("reduce_count: 1", "reduce_count: 1.5", "whole number"),
    ("max_staff: 600", "max_staff: lots", "must be a whole number"),
    ("max_distance_km: 40", "max_distance_km: 0", "more than 0"),
    ("movable: [psu]", "movable: [government]", "never merged"),
    ("movable: [psu]", "movable: [psus]", "did you mean 'psu'"),
    ("plan_from: 2021-12-31", "plan_from: 31/12/2021", "YYYY-MM-DD"),
    ("name: tiny-all-options", "name: two words", "slug"),
    ("scope: {sector: [health, education]}", "scope: {sector: [helth]}", "did you mean 'health'"),
    ("scope: {sector: [health, education]}", "scope: {sectors: health}", "unknown column 'sectors'"),
    ("per_merge: 10", "per_merge: -1", "at least 0"),
    ("time_limit_s: 30", "time_limit_s: 0", "more than 0"),
    ("merge_within: [parent_id, sector]", "merge_within: parent_id", "must be a list"),
    ("  staff_km: 0.1\n", "  staff_km: 0.1\n  per_merge: 5\n", "given twice"),
])
def test_malformed_values_are_refused(folder, old, new, expected):
    assert old in FULL
    msg = refused(folder, FULL.replace(old, new, 1))
    assert expected in msg and "s.yaml:" in msg


def test_missing_files_and_bad_yaml_are_usage_errors(folder):
    with pytest.raises(InputError) as info:
        load_scenario(folder / "nope.yaml")
    assert info.value.exit_code == 2
    msg = refused(folder, FULL.replace("registry: tiny", "registry: ../nowhere"), InputError)
    assert "registry" in msg and "does not exist" in msg
    msg = refused(folder, "name: x\ntargets: [\n", InputError)
    assert "not valid YAML" in msg and "s.yaml:" in msg
    msg = refused(folder, "- just\n- a list\n", InputError)
    assert "mapping" in msg


def test_max_distance_needs_coordinates_on_movable_units(folder):
    units = (folder / "tiny" / "units.csv").read_text(encoding="utf-8").replace("21.12,107.00", ",")
    (folder / "tiny" / "units.csv").write_text(units, encoding="utf-8")
    from orgmodel.optimise import solve_scenario

    scn = load_scenario(write(folder, FULL))
    with pytest.raises(ValidationError) as info:
        solve_scenario(scn)
    assert "rules.max_distance_km needs lat/lon" in str(info.value) and "S2" in str(info.value)


def test_cli_refuses_a_bad_scenario_without_traceback(folder):
    path = write(folder, FULL.replace("max_staff", "max_stuff"))
    proc = subprocess.run([sys.executable, "-m", "orgmodel", "solve", str(path), "--out", str(folder / "out")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert "did you mean 'max_staff'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (folder / "out").exists()


def test_bundled_scenarios_load_and_are_named_after_their_file():
    paths = sorted((ROOT / "scenarios").glob("*.yaml"))
    if not (ROOT / "data" / "quang-ninh" / "units.csv").exists() or not paths:
        pytest.skip("bundled registry or scenarios not present")
    for p in paths:
        scn = load_scenario(p)
        assert scn.name == p.stem, p
        assert scn.description.strip(), p


def test_make_dependencies_name_each_scenarios_registry_files(folder):
    from orgmodel.scenario import make_dependencies

    path = write(folder, FULL, "tiny-all-options.yaml")
    rules = make_dependencies([path, folder / "missing.yaml"], reports="reports")
    target, deps = rules.strip().split(": ")
    assert target == "reports/tiny-all-options/summary.json"
    assert {Path(d).name for d in deps.split()} == {"units.csv", "events.csv"}


# ---------------------------------------------------------------- version 1.1: pins and rules.compatible


def test_pins_and_compatible_are_read(folder):
    text = FULL + "pins:\n  merge: [[S2, S1], [H3, H2]]\n  forbid: [[S3, S4]]\n  keep: [S4, C1]\n"
    scn = load_scenario(write(folder, text.replace("  protected: [H1]\n", "  protected: [H1]\n  compatible: off\n")
                              .replace("scope: {sector: [health, education]}", "scope: {sector: [health, education, culture]}")))
    assert scn.pins.merge == (("S2", "S1"), ("H3", "H2")) and scn.pins.forbid == (("S3", "S4"),)
    assert scn.pins.keep == ("C1", "S4") and scn.rules.compatible == "off"


def test_version_1_scenarios_have_no_pins_and_implicit_compatibility(folder):
    scn = load_scenario(write(folder, FULL))
    assert not scn.pins and scn.rules.compatible is None


def test_yaml_no_means_compatible_off(folder):
    scn = load_scenario(write(folder, FULL.replace("  protected: [H1]\n", "  protected: [H1]\n  compatible: no\n")))
    assert scn.rules.compatible == "off"


def test_compatible_needs_unit_type_in_the_registry(folder):
    msg = refused(folder, FULL.replace("  protected: [H1]\n", "  protected: [H1]\n  compatible: default\n"))
    assert "s.yaml:" in msg and "needs a unit_type column" in msg


def test_pin_typo_is_suggested_and_located(folder):
    msg = refused(folder, FULL + "pins:\n  merge:\n    - [S2, S11]\n")
    assert "s.yaml:34:" in msg and "unknown unit 'S11'" in msg and "did you mean 'S1'" in msg


def test_pin_on_a_unit_closed_at_plan_from_is_refused(folder):
    msg = refused(folder, FULL + "pins:\n  keep: [S5]\n")
    assert "s.yaml:33:" in msg and "S5 is not open at plan_from 2021-12-31" in msg
