"""Quảng Ninh's territorial history (data/territory/quang-ninh), read independently of orgmodel.

The files are plain tables (communes.csv, districts.csv, changes.csv) that the registry generator
turns into events. Here a small pandas replay checks that they reproduce the published figures
(domain-facts) at every date the issue names, and that their changes are internally consistent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
TERR = ROOT / "data" / "territory" / "quang-ninh"
RAW = ROOT / "data" / "raw" / "quang-ninh"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(TERR / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def terr():
    return read("communes.csv"), read("districts.csv"), read("changes.csv")


def state(table: pd.DataFrame, changes: pd.DataFrame, date: str) -> pd.DataFrame:
    """Units open at ``date`` (opened on or before, not closed on or before), with the name and
    unit_type in force then (reclassify changes applied in date order)."""
    opened = (table["opened"] == "") | (table["opened"] <= date)
    closed = (table["closed"] != "") & (table["closed"] <= date)
    out = table[opened & ~closed].set_index("unit_id")[["code", "name", "unit_type"]].copy()
    rc = changes[(changes["type"] == "reclassify") & (changes["date"] <= date)].sort_values("date", kind="stable")
    for _, ev in rc.iterrows():
        pairs = dict(p.split("=", 1) for p in ev["changes"].split(";"))
        for uid in ev["sources"].split(";"):
            if uid in out.index:
                for col, val in pairs.items():
                    out.loc[uid, col] = val
    return out


# published figures (domain-facts.md, "Quảng Ninh's territorial units")
COMMUNES = {
    "2015-12-31": (186, {"phuong": 67, "thi-tran": 8, "xa": 111}),
    "2019-12-31": (186, {"phuong": 67, "thi-tran": 8, "xa": 111}),
    "2020-01-01": (177, {"phuong": 72, "thi-tran": 7, "xa": 98}),
    "2024-10-31": (177, {"phuong": 72, "thi-tran": 7, "xa": 98}),
    "2024-11-01": (171, {"phuong": 73, "thi-tran": 7, "xa": 91}),
    "2025-06-30": (171, {"phuong": 73, "thi-tran": 7, "xa": 91}),
    "2025-07-01": (54, {"phuong": 30, "xa": 22, "dac-khu": 2}),
}
DISTRICTS = {
    "2015-12-31": (14, {"thanh-pho": 4, "thi-xa": 2, "huyen": 8}),
    "2019-12-31": (14, {"thanh-pho": 4, "thi-xa": 2, "huyen": 8}),
    "2020-01-01": (13, {"thanh-pho": 4, "thi-xa": 2, "huyen": 7}),
    "2024-10-31": (13, {"thanh-pho": 4, "thi-xa": 2, "huyen": 7}),
    "2024-11-01": (13, {"thanh-pho": 5, "thi-xa": 1, "huyen": 7}),
    "2025-06-30": (13, {"thanh-pho": 5, "thi-xa": 1, "huyen": 7}),
    "2025-07-01": (0, {}),
}


@pytest.mark.parametrize("date", sorted(COMMUNES))
def test_commune_counts_match_published_figures(terr, date):
    com, _, ch = terr
    s = state(com, ch, date)
    total, by_type = COMMUNES[date]
    assert len(s) == total
    assert s["unit_type"].value_counts().to_dict() == by_type


@pytest.mark.parametrize("date", sorted(DISTRICTS))
def test_district_counts_match_published_figures(terr, date):
    _, dis, ch = terr
    s = state(dis, ch, date)
    total, by_type = DISTRICTS[date]
    assert len(s) == total
    assert s["unit_type"].value_counts().to_dict() == by_type


def test_dong_trieu_becomes_a_city_on_2024_11_01(terr):
    _, dis, ch = terr
    assert state(dis, ch, "2024-10-31").loc["D205", "name"] == "Thị xã Đông Triều"
    assert state(dis, ch, "2024-11-01").loc["D205", "name"] == "Thành phố Đông Triều"


def test_special_zones_of_2025(terr):
    com, _, ch = terr
    s = state(com, ch, "2025-07-01")
    assert sorted(s.loc[s["unit_type"] == "dac-khu", "name"]) == ["Đặc khu Cô Tô", "Đặc khu Vân Đồn"]


def test_codes_unique_among_open_units_at_every_change_date(terr):
    com, dis, ch = terr
    for date in sorted(set(ch["date"]) | {"2015-12-31"}):
        for table in (com, dis):
            s = state(table, ch, date)
            codes = s.loc[s["code"] != "", "code"]
            assert not codes.duplicated().any(), (date, sorted(codes[codes.duplicated()]))


def test_every_change_names_known_units_and_a_legal_basis(terr):
    com, dis, ch = terr
    known = set(com["unit_id"]) | set(dis["unit_id"])
    for _, ev in ch.iterrows():
        ids = [x for x in (ev["sources"] + ";" + ev["targets"]).split(";") if x]
        assert set(ids) <= known, ev.to_dict()
        assert ev["legal_basis"], ev.to_dict()
        assert ev["verified"] in {"yes", "partly", "no"}
        if ev["verified"] != "yes":
            assert "chưa" in ev["note"], "an unverified change must say what is unverified"


def test_closed_and_opened_dates_follow_the_changes(terr):
    """A unit's closed date is the date of the change that takes from it (merge/consolidate/split);
    an opened date the date of the change that creates it."""
    com, _, ch = terr
    closing = {}
    opening = {}
    for _, ev in ch.iterrows():
        if ev["type"] in ("merge", "consolidate", "split"):
            for u in ev["sources"].split(";"):
                if u.startswith("C"):
                    assert u not in closing, f"{u} closed twice"
                    closing[u] = ev["date"]
        if ev["type"] in ("consolidate", "split"):
            for u in ev["targets"].split(";"):
                assert u not in opening, f"{u} opened twice"
                opening[u] = ev["date"]
    c = com.set_index("unit_id")
    assert {u: d for u, d in c["closed"].items() if d} == closing
    assert {u: d for u, d in c["opened"].items() if d} == opening


def test_2025_successors_match_the_converter(terr):
    """Every commune open on 2025-06-30 goes, whole or in parts, to the 2025 communes the
    converter of vietnamadminunits names (reconstructed here from changes.csv and compared with
    the national registry, which is imported from the same converter)."""
    com, _, ch = terr
    ev = ch[ch["date"] == "2025-07-01"]
    part_of = {}
    for _, e in ev[ev["type"] == "split"].iterrows():
        for t in e["targets"].split(";"):
            part_of[t] = e["sources"]
    succ: dict[str, set[str]] = {}
    for _, e in ev[ev["type"] == "consolidate"].iterrows():
        for s in e["sources"].split(";"):
            succ.setdefault(part_of.get(s, s), set()).add(e["targets"])
    for t, src in part_of.items():
        if t.startswith("C2025-"):
            succ.setdefault(src, set()).add(t)
    after = state(com, ch, "2025-07-01")
    for u in after.index:
        if not u.startswith("C2025-"):  # carried on unchanged in its territory
            succ.setdefault(u, set()).add("C2025-" + after.loc[u, "code"])
    before = state(com, ch, "2025-06-30")
    assert set(succ) == set(before.index)
    # the same mapping, by code, in the national registry
    vn_units = pd.read_csv(ROOT / "data" / "vietnam" / "units.csv", dtype=str, keep_default_na=False)
    vn_events = pd.read_csv(ROOT / "data" / "vietnam" / "events.csv", dtype=str, keep_default_na=False)
    code = dict(zip(vn_units["unit_id"], vn_units["code"]))
    vn_part_of = {}
    for _, e in vn_events[vn_events["type"] == "split"].iterrows():
        for t in e["targets"].split(";"):
            vn_part_of[t] = e["sources"]
    vn_succ: dict[str, set[str]] = {}
    for _, e in vn_events[vn_events["type"] == "consolidate"].iterrows():
        for s in e["sources"].split(";"):
            vn_succ.setdefault(vn_part_of.get(s, s), set()).add(code[e["targets"]])
    for t, src in vn_part_of.items():
        if t.startswith("C2025-"):
            vn_succ.setdefault(src, set()).add(code[t])
    for _, e in vn_events[vn_events["type"] == "reclassify"].iterrows():
        pairs = dict(p.split("=", 1) for p in e["changes"].split(";"))
        vn_succ.setdefault(e["sources"], set()).add(pairs.get("code", code[e["sources"]]))
    mine = {before.loc[u, "code"]: {c[6:] for c in v} for u, v in succ.items()}
    theirs = {code[u]: v for u, v in vn_succ.items() if u in set(before.index)}
    assert mine == theirs


def test_hoanh_bo_communes_belong_to_hoanh_bo_at_the_baseline(terr):
    com, _, _ = terr
    hb = com[com["district_code"] == "204"]
    assert len(hb) == 13
    assert "Thị trấn Trới" in set(hb["name"])


def test_raw_tables_are_what_the_importer_read():
    """The hand-typed raw tables exist and are NFC UTF-8 (the importer normalises; raw must too)."""
    import unicodedata

    for p in sorted(RAW.glob("*.csv")):
        text = p.read_text(encoding="utf-8")
        assert unicodedata.normalize("NFC", text) == text, p.name
