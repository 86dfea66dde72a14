"""The command-line contract: outputs, exit codes, and no tracebacks on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from orgmodel.cli import main

pytestmark = pytest.mark.usefixtures("english")  # these tests check the English wording (Vietnamese: test_cli_language.py)

EVENTS = "E1,2017-01-01,merge,S2,S1,,,\nE2,2018-01-01,dissolve,S3,,,,\n"


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_validate_ok(make_registry, capsys):
    code, out, err = run(["validate", make_registry(EVENTS)], capsys)
    assert code == 0 and out.strip() == "OK: 11 units, 2 events"


def test_validate_invalid_lists_every_problem(make_registry, capsys):
    path = make_registry("E1,2017-01-01,merge,S9,S1,,,\nE2,2018-01-01,dissolve,DEP,,,,\n")
    code, out, err = run(["validate", path], capsys)
    assert code == 1 and out == ""
    assert "events.csv:2: event 'E1'" in err and "events.csv:3: event 'E2'" in err
    assert "Traceback" not in err


def test_status_json_contract(make_registry, capsys):
    code, out, _ = run(["status", make_registry(EVENTS), "--baseline", "2016-12-31", "--as-of", "2018-12-31", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["baseline", "as_of", "rows"]
    assert data["baseline"] == "2016-12-31" and data["as_of"] == "2018-12-31"
    psu = data["rows"][1]
    assert psu == {"kind": "psu", "baseline": 5, "current": 3, "reduced": 2, "reduced_pct": 40.0, "opened": 0, "closed": 2,
                   "closed_by": {"merge": 1, "consolidate": 0, "split": 0, "dissolve": 1}}


def test_status_table_and_csv(make_registry, capsys):
    path = make_registry(EVENTS)
    code, out, _ = run(["status", path, "--baseline", "2016-12-31", "--as-of", "2018-12-31", "--by", "sector"], capsys)
    assert code == 0 and "Reduced (%)" in out and "Education" in out
    code, out, _ = run(["status", path, "--baseline", "2016-12-31", "--as-of", "2018-12-31", "--format", "csv"], capsys)
    assert out.splitlines()[0].startswith("kind,baseline,current,reduced,reduced_pct")


def test_lineage_json_and_errors(make_registry, capsys):
    path = make_registry(EVENTS)
    code, out, _ = run(["lineage", path, "S2", "--as-of", "2018-12-31", "--format", "json"], capsys)
    assert code == 0 and json.loads(out) == {"unit_id": "S2", "as_of": "2018-12-31", "successors": ["S1"]}
    code, out, _ = run(["lineage", path, "S3", "--as-of", "2018-12-31", "--format", "json"], capsys)
    assert json.loads(out)["successors"] == []
    code, _, err = run(["lineage", path, "NOPE", "--as-of", "2018-12-31"], capsys)
    assert code == 2 and "Unknown unit 'NOPE'" in err


def test_crosswalk_trajectory_target(make_registry, capsys, tmp_path, english):
    path = make_registry(EVENTS)
    code, out, _ = run(["crosswalk", path, "--from", "2016-12-31", "--to", "2018-12-31"], capsys)
    assert code == 0 and out.splitlines()[0] == "from_id,from_name,from_kind,to_id,to_name,to_kind,share,fate,via"
    code, _, err = run(["crosswalk", path, "--from", "2016-12-31", "--to", "2018-12-31", "--out", path / "cw.csv"], capsys)
    assert code == 3 and "never changes its input" in err and not (path / "cw.csv").exists()
    code, out, _ = run(["trajectory", path, "--format", "csv", "--from-year", "2016", "--to-year", "2018"], capsys)
    assert out.splitlines()[1:] == ["2016-12-31,2016,3,5,8", "2017-12-31,2017,3,4,7", "2018-12-31,2018,3,3,6"]
    code, out, _ = run(["target", path, "reduce psu by >= 40% against 2016-12-31", "--as-of", "2018-12-31", "--format", "json"], capsys)
    assert json.loads(out)["met"] is True and json.loads(out)["first_met"] == "2018-01-01"


@pytest.mark.parametrize("args, words", [
    (["status", "/no/such/folder", "--baseline", "2015-12-31", "--as-of", "2021-12-31"], "does not exist"),
    (["status", "{reg}", "--baseline", "31-12-2015", "--as-of", "2021-12-31"], "Bad baseline"),
    (["status", "{reg}", "--baseline", "2021-12-31", "--as-of", "2015-12-31"], "before --baseline"),
    (["lineage", "{reg}", "S1", "--as-of", "yesterday"], "Bad as-of date"),
    (["target", "{reg}", "cut everything", "--as-of", "2018-12-31"], "Cannot read target"),
])
def test_bad_input_messages(args, words, make_registry, capsys):
    path = make_registry(EVENTS)
    code, out, err = run([a.replace("{reg}", str(path)) for a in args], capsys)
    assert code == 2 and words in err and "Traceback" not in err


def test_python_m_entry_point_no_traceback(make_registry):
    path = make_registry("E1,2017-01-01,merge,S2,S2,,,\n")
    proc = subprocess.run([sys.executable, "-m", "orgmodel", "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 1 and "as both source and target" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "orgmodel", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "validate" in proc.stdout


def test_frontier_target_choice(tmp_path, capsys):
    from conftest import ROOT

    scenario = ROOT / "scenarios" / "psu-20pct-vs-2015.yaml"
    code, out, _ = run(["frontier", scenario, "--target", "2", "--steps", "2", "--out", tmp_path / "f", "-q"], capsys)
    assert code == 0 and (tmp_path / "f" / "frontier.csv").exists()
    rows = (tmp_path / "f" / "frontier.csv").read_text(encoding="utf-8-sig").splitlines()  # CSV outputs carry a BOM
    assert rows[0].startswith("reduction,reduction_pct,min_cost,merges")
    code, _, err = run(["frontier", scenario, "--target", "3", "--out", tmp_path / "g"], capsys)
    assert code == 2 and "has 2 target(s)" in err and not (tmp_path / "g").exists()
