"""Each event type replayed on a tiny hand-drawn registry; states as of dates; the graph."""

from __future__ import annotations

import pytest

from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline
from conftest import BASE_UNITS

pytestmark = pytest.mark.usefixtures("english")  # these tests check the English wording (Vietnamese: test_cli_language.py)

NEW_UNITS = BASE_UNITS + """\
N1,Trường mới,psu,district,education,D1,A,15,4,,
N2,TTYT B1,psu,district,health,DEP,B,100,3,,
N3,TTYT B2,psu,district,health,DEP,B,50,3,,
N4,Phòng TC-KH,agency,province,health,DEP,province,12,,,
"""


def tl_of(make_registry, events, units=NEW_UNITS):
    return Timeline(load_registry(make_registry(events, units_rows=units)))


def open_ids(tl, date):
    return set(tl.units_as_of(date).index)


def test_start_state(make_registry):
    tl = tl_of(make_registry, "", units=BASE_UNITS)
    assert tl.counts("2000-01-01") == {"agency": 3, "psu": 5, "all": 8}
    assert tl.count("government", "2000-01-01") == 3
    st = tl.units_as_of("2000-01-01")
    assert st.index.is_monotonic_increasing and st.at["S1", "parent_id"] == "D1"


def test_establish(make_registry):
    tl = tl_of(make_registry, "E1,2018-01-01,establish,,N1,,,\n")
    assert "N1" not in open_ids(tl, "2017-12-31")
    assert "N1" in open_ids(tl, "2018-01-01")  # as of D includes events dated D
    assert tl.units_as_of("2018-01-01").at["N1", "parent_id"] == "D1"


def test_merge_moves_children_and_closes_sources(make_registry):
    tl = tl_of(make_registry, "E1,2018-01-01,merge,D2,D1,,,\n")
    st = tl.units_as_of("2018-01-01")
    assert "D2" not in st.index and st.at["S3", "parent_id"] == "D1"
    assert tl.units_as_of("2017-12-31").at["S3", "parent_id"] == "D2"
    assert tl.life.at["D2", "close_type"] == "merge"


def test_consolidate(make_registry):
    tl = tl_of(make_registry, "E1,2018-01-01,consolidate,DIV1;DIV2,N4,,,\n")
    assert open_ids(tl, "2018-01-01") >= {"N4"} and not open_ids(tl, "2018-01-01") & {"DIV1", "DIV2"}
    assert tl.counts("2018-01-01")["agency"] == 2


def test_split(make_registry):
    tl = tl_of(make_registry, "E1,2018-01-01,split,H2,N2;N3,,,\n")
    assert {"N2", "N3"} <= open_ids(tl, "2018-01-01") and "H2" not in open_ids(tl, "2018-01-01")
    assert tl.counts("2018-01-01")["psu"] == 7  # N1 has no opening event: it exists from the start


def test_separate_keeps_source(make_registry):
    tl = tl_of(make_registry, "E1,2018-01-01,separate,H2,N2,,,\n")
    assert {"H2", "N2"} <= open_ids(tl, "2018-01-01")


def test_dissolve_with_and_without_targets(make_registry):
    tl = tl_of(make_registry, "E1,2018-01-01,dissolve,S2,S1,,,\nE2,2019-01-01,dissolve,S3,,,,\n")
    assert not open_ids(tl, "2019-01-01") & {"S2", "S3"}
    assert tl.life.at["S3", "close_type"] == "dissolve"
    assert list(tl.edges["target"]) == ["S1"]


def test_transfer(make_registry):
    tl = tl_of(make_registry, "E1,2018-01-01,transfer,S3;S2,,D2,,\n")
    st = tl.units_as_of("2018-06-01")
    assert st.at["S3", "parent_id"] == "D2" and st.at["S2", "parent_id"] == "D2"
    assert tl.units_as_of("2017-06-01").at["S2", "parent_id"] == "D1"


def test_same_day_chain_in_file_order(make_registry):
    # S2 merges into S1, then S1 into S3, same day: as of that day only S3 is left
    tl = tl_of(make_registry, "E1,2018-01-01,merge,S2,S1,,,\nE2,2018-01-01,merge,S1,S3,,,\n")
    assert not open_ids(tl, "2018-01-01") & {"S1", "S2"}


def test_dissolve_after_children_moved_same_day(make_registry):
    events = "E1,2018-01-01,transfer,S3,,D1,,\nE2,2018-01-01,dissolve,D2,,,,\n"
    tl = tl_of(make_registry, events)
    assert "D2" not in open_ids(tl, "2018-01-01")


def test_graph_as_of(make_registry):
    tl = tl_of(make_registry, "E1,2018-01-01,merge,D2,D1,,,\n")
    g = tl.graph_as_of("2018-01-01")
    assert g.has_edge("D1", "S3") and "D2" not in g
    assert g.nodes["S3"]["kind"] == "psu" and g.nodes["S3"]["staff"] == 25
    import networkx as nx

    assert nx.is_arborescence(g)
    # built once per date and shared read-only: a caller cannot change what the next one reads
    assert tl.graph_as_of("2018-01-01") is g and tl.graph_as_of("2017-12-31") is not g
    with pytest.raises(nx.NetworkXError):
        g.add_edge("D1", "X")


def test_where_filter_uses_parent_as_of_date(make_registry):
    tl = tl_of(make_registry, "E1,2018-01-01,transfer,S3,,D1,,\n")
    assert tl.count("psu", "2017-12-31", where={"parent_id": "D1"}) == 3  # S1, S2, N1
    assert tl.count("psu", "2018-12-31", where={"parent_id": "D1"}) == 4
    assert tl.count("psu", "2018-12-31", where={"parent_id": ["D1", "DEP"]}) == 8


def test_unknown_kind_and_unit(make_registry):
    from orgmodel.errors import InputError

    tl = tl_of(make_registry, "", units=BASE_UNITS)
    with pytest.raises(InputError, match="Unknown kind"):
        tl.count("school", "2018-01-01")
    with pytest.raises(InputError, match="Unknown unit"):
        tl.position("ZZ")
