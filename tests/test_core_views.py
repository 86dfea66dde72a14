"""The package's shape (events before timeline, no cycle) and the one as-of View; the CLI defaults a
user expects (issue 12 item 7) on a tiny hand-drawn registry.

    2017-01-01  S2 --merge--> S1          2018-01-01  S3 dissolved
    2019-06-01  H2 --split--> N2 (90 staff) + N3 (30 staff)
    2020-03-01  N9 established            (the last event)
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BASE_UNITS, ROOT
from orgmodel import progress as P
from orgmodel.cli import main
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline
from orgmodel.views import View

UNITS = BASE_UNITS + "N2,TTYT B1,psu,district,health,DEP,B,90,3,,\nN3,TTYT B2,psu,district,health,DEP,B,30,3,,\nN9,Trường mới,psu,district,education,D1,A,9,4,,\n"
EVENTS = """\
E1,2017-01-01,merge,S2,S1,,,
E2,2018-01-01,dissolve,S3,,,,
E3,2019-06-01,split,H2,N2;N3,,,
E4,2020-03-01,establish,,N9,,,
"""


@pytest.fixture
def reg(make_registry):
    return make_registry(EVENTS, units_rows=UNITS)


def cli(args, capsys):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def _imports(module: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names.add((node.module or "").split(".")[0])
            names.update(a.name for a in node.names if not node.module)
    return names


def test_one_direction_events_before_timeline():
    pkg = ROOT / "orgmodel"
    assert "timeline" not in _imports(pkg / "registry.py") and "timeline" not in _imports(pkg / "events.py")
    assert "events" in _imports(pkg / "registry.py") and "events" in _imports(pkg / "timeline.py")
    for low in ("vocab.py", "events.py", "schema.py", "dates.py"):
        assert not _imports(pkg / low) & {"timeline", "views", "progress", "lineage", "cli", "registry"}, low
    code = "import sys, orgmodel.registry; print('orgmodel.timeline' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False"  # validating a registry never loads the timeline


def test_registry_carries_its_replay_and_no_side_channel(reg):
    r = load_registry(reg)
    assert r.replayed is not None and not hasattr(r, "_replay_cache")
    import orgmodel.timeline as T

    assert not hasattr(T, "timeline")  # the dead function is gone; the class stays
    tl = Timeline(r)
    assert tl.count("psu", "2019-06-01") == 4  # H1 S1 N2 N3 (S2, S3 and H2 gone)
    assert P.Target is __import__("orgmodel.vocab", fromlist=["Target"]).Target  # one Target class


def test_view_holds_the_dates_and_computes_once(reg):
    tl = Timeline(load_registry(reg))
    v = View(tl, "2019-12-31")
    assert str(v.baseline) == "2015-12-31" and str(v.as_of) == "2019-12-31"
    assert v.progress is v.progress and v.progress.attrs == {}  # dates are the view's, not the table's
    psu = v.progress.set_index("kind").loc["psu"]
    assert (psu["baseline"], psu["current"], psu["closed_split"]) == (5, 4, 1)
    assert v.progress_json["as_of"] == "2019-12-31" and v.counts["psu"] == 4
    r = v.reconciliation.set_index("kind").loc["all"]
    assert r["baseline"] + r["opened"] - r["closed"] == r["current"]
    assert v.breakdown("sector") is v.breakdown("sector")
    assert v.check("psu 20%").met and v.check("psu 20%").target.baseline == v.baseline
    assert v.warnings == [] and View(tl, "2020-03-02").warnings  # past the last event


def test_status_defaults_baseline_and_by_in_every_format(reg, capsys):
    code, out, _ = cli(["status", reg, "--as-of", "2019-12-31", "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["baseline"] == "2015-12-31" and list(data) == ["baseline", "as_of", "rows"]
    code, out, _ = cli(["status", reg, "--as-of", "2019-12-31", "--format", "json", "--by", "sector"], capsys)
    by = json.loads(out)["by"]
    assert by["column"] == "sector" and {r["sector"] for r in by["rows"]} == {"education", "health"}
    code, out, _ = cli(["status", reg, "--as-of", "2019-12-31", "--format", "csv", "--by", "level"], capsys)
    assert out.splitlines()[0] == "kind,level,baseline,current,reduced,reduced_pct,opened,closed"
    code, out, _ = cli(["status", reg, "--as-of", "2019-12-31", "--by", "district"], capsys)
    assert code == 0 and "cấp huyện" in out  # level values in Vietnamese by default


def test_a_date_past_the_last_event_warns_but_answers(reg, capsys):
    for args in (["status", reg, "--as-of", "2021-01-01", "--format", "json"], ["count", reg, "--as-of", "2021-01-01", "--format", "json"],
                 ["lineage", reg, "S2", "--as-of", "2021-01-01", "--format", "json"],
                 ["crosswalk", reg, "--to", "2021-01-01"], ["target", reg, "psu 10%", "--as-of", "2021-01-01"]):
        code, out, err = cli(args, capsys)
        assert code == 0 and out and "01/03/2020" in err, args  # the date as a Vietnamese text writes it
    code, out, err = cli(["status", reg, "--as-of", "2020-03-01", "--format", "json"], capsys)
    assert err == ""


def test_lineage_names_and_csv(reg, capsys, tmp_path):
    out_file = tmp_path / "lineage.csv"
    code, out, err = cli(["lineage", reg, "H2", "--as-of", "2019-12-31", "--out", out_file], capsys)
    assert code == 0 and "TTYT B1" in out and "TTYT B2" in out
    rows = out_file.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "from_id,from_name,to_id,to_name,event_id,type,date"
    assert rows[1:] == ["H2,Trung tâm Y tế B,N2,TTYT B1,E3,split,2019-06-01", "H2,Trung tâm Y tế B,N3,TTYT B2,E3,split,2019-06-01"]
    code, _, err = cli(["lineage", reg, "H2", "--as-of", "2019-12-31", "--out", reg / "x.csv"], capsys)
    assert code == 3 and not (reg / "x.csv").exists()


def test_target_first_met_never_after_as_of(reg, capsys):
    # psu: 5 at 2015; 4 from 2017-01-01 (20 %), 3 from 2018-01-01 (40 %)
    code, out, _ = cli(["target", reg, "psu 40%", "--as-of", "2017-06-30", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["met"] is False and data["first_met"] is None and data["baseline_date"] == "2015-12-31"
    code, out, _ = cli(["target", reg, "psu 40%", "--as-of", "2018-01-01", "--format", "json"], capsys)
    assert json.loads(out)["first_met"] == "2018-01-01"


def test_target_with_where_and_count(reg):
    from orgmodel.vocab import Target
    import datetime as dt

    tl = Timeline(load_registry(reg))
    t = Target(kind="psu", baseline=dt.date(2015, 12, 31), reduce_count=2, where={"sector": ("education",)})
    res = P.check_target(tl, t, "2019-12-31")
    assert (res.baseline_count, res.current, res.met, str(res.first_met)) == (3, 1, True, "2018-01-01")
    assert str(t) == "reduce psu by >= 2 against 2015-12-31" and t.label() == "psu -2 vs 2015-12-31 where sector=education"
