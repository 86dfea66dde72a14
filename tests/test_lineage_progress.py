"""Lineage, crosswalk shares, progress and reconciliation on small hand-drawn registries."""

from __future__ import annotations

import pytest

from orgmodel import lineage as L
from orgmodel import progress as P
from orgmodel.errors import InputError
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline
from conftest import BASE_UNITS

pytestmark = pytest.mark.usefixtures("english")  # these tests check the English wording (Vietnamese: test_cli_language.py)

UNITS = BASE_UNITS + """\
N2,TTYT B1,psu,district,health,DEP,B,90,3,,
N3,TTYT B2,psu,district,health,DEP,B,30,3,,
N4,Phòng TC-KH,agency,province,health,DEP,province,12,,,
N5,Trường mới,psu,district,education,D1,A,15,4,,
"""
EVENTS = """\
E1,2017-01-01,merge,S2,S1,,,
E2,2018-01-01,split,H2,N2;N3,,,
E3,2019-01-01,consolidate,DIV1;DIV2,N4,,,
E4,2019-06-01,dissolve,N3,H1,,,
E5,2020-01-01,merge,S1,S3,,,
E6,2020-03-01,dissolve,S3,,,,
E7,2020-04-01,establish,,N5,,,
"""


@pytest.fixture
def tl(make_registry):
    return Timeline(load_registry(make_registry(EVENTS, units_rows=UNITS)))


def test_lineage_graph_edges(tl):
    g = L.lineage_graph(tl)
    assert g.edges["S2", "S1"] == {"event_id": "E1", "type": "merge", "date": g.edges["S2", "S1"]["date"]}
    assert g.edges["H2", "N3"]["type"] == "split" and g.edges["N3", "H1"]["type"] == "dissolve"
    assert g.number_of_edges() == 7


def test_successors(tl):
    assert L.successors(tl, "S2", "2017-06-01") == ["S1"]
    assert L.successors(tl, "S2", "2016-06-01") == ["S2"]
    assert L.successors(tl, "H2", "2018-06-01") == ["N2", "N3"]
    assert L.successors(tl, "H2", "2019-06-01") == ["H1", "N2"]  # N3 dissolved into H1
    assert L.successors(tl, "S2", "2020-03-01") == []  # S1 -> S3 dissolved without targets
    with pytest.raises(InputError, match="not yet open"):
        L.successors(tl, "N5", "2019-01-01")


def test_crosswalk_shares(tl):
    cw = L.crosswalk(tl, "2016-12-31", "2019-12-31")
    h2 = cw[cw["from_id"] == "H2"].set_index("to_id")["share"]
    assert h2.to_dict() == pytest.approx({"N2": 0.75, "H1": 0.25})  # split by staff 90:30, then N3 -> H1
    assert cw.groupby("from_id")["share"].sum().round(9).eq(1.0).all()
    assert cw[cw["from_id"] == "S2"]["to_id"].tolist() == ["S1"]
    assert set(cw["from_id"]) == set(tl.units_as_of("2016-12-31").index)
    later = L.crosswalk(tl, "2016-12-31", "2020-12-31")
    s2 = later[later["from_id"] == "S2"].iloc[0]
    assert s2["to_id"] == "" and s2["fate"] == "dissolved" and s2["via"] == "E1>E5>E6"
    assert "N5" not in set(later["from_id"])


def test_crosswalk_backwards_refused(tl):
    with pytest.raises(InputError, match="before"):
        L.crosswalk(tl, "2020-01-01", "2019-01-01")


def test_progress_and_reconciliation(tl):
    t = P.progress(tl, "2016-12-31", "2020-12-31").set_index("kind")
    # psu: 5 at start; -S2 (merge) -H2 (split) +N2 +N3 -N3 (dissolve) -S1 (merge) -S3 (dissolve) +N5
    assert t.loc["psu", ["baseline", "current", "opened", "closed"]].tolist() == [5, 3, 3, 5]
    assert t.loc["psu", ["closed_merge", "closed_split", "closed_dissolve"]].tolist() == [2, 1, 2]
    assert t.loc["agency", ["baseline", "current", "closed_consolidate"]].tolist() == [3, 2, 2]
    for k in ("agency", "psu", "all"):
        r = t.loc[k]
        assert r["baseline"] + r["opened"] - r["closed"] == r["current"]
        assert r["closed"] == sum(r[f"closed_{x}"] for x in P.CLOSED_BY)
    assert t.loc["all", "reduced"] == 3 and t.loc["all", "reduced_pct"] == pytest.approx(37.5)
    js = P.progress_json(P.progress(tl, "2016-12-31", "2020-12-31"), "2016-12-31", "2020-12-31")
    assert [r["kind"] for r in js["rows"]] == ["agency", "psu", "all"]
    assert js["rows"][1]["closed_by"] == {"merge": 2, "consolidate": 0, "split": 1, "dissolve": 2}


def test_breakdown_and_trajectory(tl):
    b = P.breakdown(tl, "2016-12-31", "2020-12-31", "sector")
    assert b.set_index(["kind", "sector"]).loc[("psu", "education"), "current"] == 1
    tr = P.trajectory(tl, 2016, 2020)
    assert tr["psu"].tolist() == [5, 4, 5, 4, 3] and tr["all"].tolist() == [8, 7, 8, 6, 5]
    with pytest.raises(InputError):
        P.breakdown(tl, "2016-12-31", "2020-12-31", "colour")


def test_target_check_exact_and_first_met(tl):
    res = P.check_target(tl, "reduce psu by >= 20% against 2016-12-31", "2020-12-31")
    assert res.required == 1 and res.met and res.first_met.isoformat() == "2017-01-01"
    res = P.check_target(tl, "reduce psu by >= 40% against 2016-12-31", "2020-12-31")
    assert res.required == 2 and res.met and res.first_met.isoformat() == "2020-01-01"
    # 41% needs 3 fewer: reached on 2020-03-01 (S3 dissolved), lost again on 2020-04-01 (N5 opens)
    res = P.check_target(tl, "psu 41% against 2016-12-31", "2020-12-31")
    assert res.required == 3 and not res.met and res.first_met.isoformat() == "2020-03-01"
    res = P.check_target(tl, "psu 61% against 2016-12-31", "2020-12-31")
    assert res.required == 4 and not res.met and res.first_met is None
    assert P.required_reduction(P.Fraction(10), 841) == 85  # 100*85 >= 10*841 but 100*84 < 8410
    with pytest.raises(InputError):
        P.parse_target("cut schools a lot")
