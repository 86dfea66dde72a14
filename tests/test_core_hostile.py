"""Legal but extreme registries, generated at test time: no recursion limit, no crash at the
calendar's ends (issue 15 item 5)."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest

from orgmodel import lineage as L
from orgmodel.cli import main
from orgmodel.errors import InputError, ValidationError
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline

pytestmark = pytest.mark.usefixtures("english")  # these tests check the English wording (Vietnamese: test_cli_language.py)

HEADER = "unit_id,name,kind,level,sector,parent_id,locality,staff"
EVENTS = "event_id,date,type,sources,targets,new_parent_id,legal_basis,note"


def write(folder, units, events):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.csv").write_text("\n".join([HEADER, *units]) + "\n", encoding="utf-8")
    (folder / "events.csv").write_text("\n".join([EVENTS, *events]) + "\n", encoding="utf-8")
    return folder


def cli(args, capsys):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """C0 -> C1 -> ... -> C3000, one merge a day from 2016-01-01 (longer than Python's recursion limit)."""
    n = 3000
    assert n > sys.getrecursionlimit()
    d0 = dt.date(2016, 1, 1)
    units = ["P,Root,government,province,general,,province,1"] + [f"C{i},Unit {i},psu,province,health,P,province,1" for i in range(n + 1)]
    events = [f"E{i},{d0 + dt.timedelta(days=i)},merge,C{i},C{i + 1},,," for i in range(n)]
    return write(tmp_path_factory.mktemp("chain"), units, events)


def test_merge_chain_crosswalk_and_lineage(chain, capsys):
    tl = Timeline(load_registry(chain))
    cw = L.crosswalk(tl, "2015-12-31", "2030-01-01")
    c0 = cw[cw["from_id"] == "C0"].iloc[0]
    assert c0["to_id"] == "C3000" and c0["share"] == 1.0 and c0["via"].count(">") == 2999
    assert L.successors(tl, "C0", "2030-01-01") == ["C3000"]
    assert len(L.lineage_table(tl, "C0", "2030-01-01")) == 3000
    code, out, _ = cli(["lineage", chain, "C0", "--as-of", "2030-01-01", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["successors"] == ["C3000"]


@pytest.fixture(scope="module")
def deep(tmp_path_factory):
    """A0 manages A1 manages ... A19999: a 20,000-deep hierarchy, with merges and a transfer at depth."""
    n = 20000
    units = ["P,Root,government,province,general,,province,1"] + [
        f"A{i},Unit {i},agency,province,health,{'P' if i == 0 else f'A{i - 1}'},province,1" for i in range(n)]
    events = [f"E1,2016-01-01,merge,A{n - 1},A{n - 2},,,", f"E2,2016-02-01,transfer,A{n - 2},,A0,,",
              f"E3,2016-03-01,merge,A{n // 2},A1,,,"]
    return write(tmp_path_factory.mktemp("deep"), units, events), n


def test_deep_hierarchy_validates_and_answers(deep):
    folder, n = deep
    tl = Timeline(load_registry(folder))
    assert tl.parents_as_of("2016-03-01")[f"A{n // 2 + 1}"] == "A1"  # the merged unit's child moved up
    assert tl.count("agency", "2016-12-31") == n - 2
    g = tl.graph_as_of("2016-12-31")
    assert g.number_of_nodes() == n - 1


def test_deep_cycle_and_merge_into_descendant_refused(deep, tmp_path):
    folder, n = deep
    units = (folder / "units.csv").read_text(encoding="utf-8").replace("A0,Unit 0,agency,province,health,P,", f"A0,Unit 0,agency,province,health,A{n - 1},")
    bad = write(tmp_path / "cycle", units.splitlines()[1:], [])
    with pytest.raises(ValidationError) as info:
        load_registry(bad)
    msg = str(info.value)
    assert "cycle in the management hierarchy: A0 -> " in msg and f"… {n - 11} more" in msg and len(msg) < 2000
    down = write(tmp_path / "down", (folder / "units.csv").read_text(encoding="utf-8").splitlines()[1:], [f"E1,2016-01-01,merge,A1,A{n - 1},,,"])
    with pytest.raises(ValidationError, match="would make a cycle in the hierarchy"):
        load_registry(down)


@pytest.fixture
def ends(tmp_path):
    units = ["P,Root,government,province,general,,province,1", "A,a,psu,province,health,P,province,1",
             "B,b,psu,province,health,P,province,1", "N,n,psu,province,health,P,province,1"]
    return write(tmp_path / "ends", units, ["E1,0001-01-01,merge,A,B,,,", "E2,9999-12-31,establish,,N,,,"])


@pytest.mark.parametrize("args", [
    ["validate", "{reg}"],
    ["status", "{reg}", "--baseline", "0001-01-01", "--as-of", "9999-12-31", "--format", "json"],
    ["status", "{reg}", "--baseline", "0001-01-01", "--as-of", "9999-12-31", "--by", "sector"],
    ["trajectory", "{reg}", "--format", "csv"],
    ["trajectory", "{reg}", "--from-year", "9998", "--format", "csv"],
    ["crosswalk", "{reg}", "--from", "0001-01-01", "--to", "9999-12-31"],
    ["lineage", "{reg}", "A", "--as-of", "9999-12-31"],
    ["target", "{reg}", "psu 10% against 0001-01-01", "--as-of", "9999-12-31"],
    ["count", "{reg}", "--as-of", "0001-01-01", "--by", "kind", "--format", "json"],
    ["count", "{reg}", "--as-of", "9999-12-31", "--format", "json"],
])
def test_calendar_ends_answered(args, ends, capsys):
    code, out, err = cli([a.replace("{reg}", str(ends)) for a in args], capsys)
    assert code == 0 and "Traceback" not in err and "Internal error" not in err


@pytest.mark.parametrize("args, words", [
    (["trajectory", "{reg}", "--to-year", "10000"], "between 1 and 9999"),
    (["count", "{reg}", "--as-of", "10000-01-01"], "Bad as-of date"),
    (["lineage", "{reg}", "N", "--as-of", "0001-01-01"], "not yet open"),
    (["status", "{reg}", "--as-of", "0001-01-01"], "before --baseline"),
])
def test_calendar_ends_refused_clearly(args, words, ends, capsys):
    code, out, err = cli([a.replace("{reg}", str(ends)) for a in args], capsys)
    assert code == 2 and words in err and "Internal error" not in err


def test_years_at_the_ends_in_the_api(ends):
    from orgmodel import progress as P

    tl = Timeline(load_registry(ends))
    traj = P.trajectory(tl)
    assert traj["year"].iat[0] == 1 and traj["year"].iat[-1] == 9999 and traj["psu"].iat[-1] == 2
    with pytest.raises(InputError):
        P.trajectory(tl, 0, 10000)
