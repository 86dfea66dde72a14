"""The national registry data/vietnam, read with an independent reader (pandas over the CSVs,
no orgmodel code): counts at each date, codes, the old -> new mapping, and Quảng Ninh's 2025
mapping against the text of Resolution 1679/NQ-UBTVQH15 (hand-typed excerpt)."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
VN = ROOT / "data" / "vietnam"
BEFORE, AFTER = "2025-06-30", "2025-07-01"
OPENING = {"consolidate", "split", "separate", "establish"}
CLOSING = {"merge", "consolidate", "split", "dissolve"}


def ids(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(";") if x.strip()]


@pytest.fixture(scope="module")
def vn():
    units = pd.read_csv(VN / "units.csv", dtype=str, keep_default_na=False)
    events = pd.read_csv(VN / "events.csv", dtype=str, keep_default_na=False)
    return units, events


def _explode(events: pd.DataFrame, col: str) -> pd.DataFrame:
    out = events.assign(uid=events[col].str.split(";")).explode("uid")
    out["uid"] = out["uid"].str.strip()
    return out[out["uid"].fillna("") != ""]


def state(units: pd.DataFrame, events: pd.DataFrame, date: str) -> pd.DataFrame:
    """Open units at ``date`` with the attributes in force (events applied in file order)."""
    cur = units.set_index("unit_id")[["name", "level", "unit_type", "code", "parent_id"]].copy()
    upto = events[events["date"] <= date]
    opened_later = set(_explode(events[events["type"].isin(OPENING) & (events["date"] > date)], "targets")["uid"])
    closed = set(_explode(upto[upto["type"].isin(CLOSING)], "sources")["uid"])
    for _, e in upto[upto["type"].isin(["transfer", "reclassify"])].iterrows():  # few rows, in file order
        if e["type"] == "transfer":
            cur.loc[ids(e["sources"]), "parent_id"] = e["new_parent_id"]
        else:
            for pair in ids(e["changes"]):
                col, val = pair.split("=", 1)
                cur.loc[ids(e["sources"]), col] = val
    return cur[~cur.index.isin(opened_later | closed)]


@pytest.fixture(scope="module")
def before(vn):
    return state(*vn, BEFORE)


@pytest.fixture(scope="module")
def after(vn):
    return state(*vn, AFTER)


def test_counts_before_2025_07_01(before):
    by_level = before["level"].value_counts().to_dict()
    assert by_level == {"province": 63, "district": 696, "commune": 10035}


def test_counts_from_2025_07_01(after):
    assert after["level"].value_counts().to_dict() == {"province": 34, "commune": 3321}
    com = after[after["level"] == "commune"]
    assert com["unit_type"].value_counts().to_dict() == {"xa": 2621, "phuong": 687, "dac-khu": 13}


def test_quang_ninh_is_unchanged_as_a_province_and_has_54_communes(after):
    assert after.loc["P22", "name"] == "Tỉnh Quảng Ninh"
    qn = after[(after["parent_id"] == "P22") & (after["level"] == "commune")]
    assert qn["unit_type"].value_counts().to_dict() == {"phuong": 30, "xa": 22, "dac-khu": 2}


def test_codes_unique_among_open_units(before, after):
    for s in (before, after):
        for level, g in s.groupby("level"):
            codes = g.loc[g["code"] != "", "code"]
            assert not codes.duplicated().any(), (level, sorted(codes[codes.duplicated()])[:5])


def test_code_formats(before, after):
    width = {"province": 2, "district": 3, "commune": 5}
    for s in (before, after):
        for level, g in s.groupby("level"):
            assert g["code"].str.fullmatch(rf"\d{{{width[level]}}}").all(), level


def successors(units: pd.DataFrame, events: pd.DataFrame) -> dict[str, set[str]]:
    """Legacy commune -> the 2025 communes that take its territory (whole or a part)."""
    e = events[events["date"] == AFTER]
    part_of = {t: s for _, r in e[e["type"] == "split"].iterrows() for s in ids(r["sources"]) for t in ids(r["targets"])}
    out: dict[str, set[str]] = {}
    for _, r in e[(e["type"] == "consolidate") & e["targets"].str.startswith("C")].iterrows():
        for s in ids(r["sources"]):
            out.setdefault(part_of.get(s, s), set()).add(r["targets"])
    for t, s in part_of.items():
        if t.startswith("C2025-"):
            out.setdefault(s, set()).add(t)  # a part that alone is a new commune
    for _, r in e[e["type"] == "reclassify"].iterrows():
        for s in ids(r["sources"]):
            out.setdefault(s, set()).add(s)  # carried on
    return out


def test_every_legacy_commune_has_a_2025_successor(vn, before, after):
    succ = successors(*vn)
    legacy = set(before.index[before["level"] == "commune"])
    assert legacy <= set(succ)
    new = set(after.index[after["level"] == "commune"])
    assert set().union(*succ.values()) <= new
    # and every 2025 commune comes from somewhere
    assert new <= set().union(*succ.values())


def test_divided_communes_are_split_into_parts_merged_the_same_day(vn):
    units, events = vn
    splits = events[events["type"] == "split"]
    assert len(splits) > 400  # the converter marks 471 divided legacy units
    targets = [t for c in splits["targets"] for t in ids(c)]
    consolidated = {s for c in events.loc[events["type"] == "consolidate", "sources"] for s in ids(c)}
    for t in targets:
        assert t.startswith("C2025-") or t in consolidated, t
    assert (splits["date"] == AFTER).all()


def test_provinces_keeping_name_and_code_keep_their_id(vn, after):
    units, events = vn
    prov = after[after["level"] == "province"]
    kept = prov.index[~prov.index.str.startswith("P2025-")]
    assert {"P01", "P22", "P79", "P31"} <= set(kept)
    assert len(prov) - len(kept) == 7  # 7 provinces take one's name and another's code


def test_island_districts_become_special_zones(after):
    for did, name in (("D318", "Đặc khu Bạch Long Vĩ"), ("D755", "Đặc khu Côn Đảo")):
        assert after.loc[did, "name"] == name
        assert after.loc[did, "level"] == "commune"
        assert after.loc[did, "unit_type"] == "dac-khu"


def test_every_event_cites_a_legal_basis(vn):
    _, events = vn
    assert (events["legal_basis"] != "").all()
    units, _ = vn
    qn = set(units.loc[units["parent_id"].isin([f"D{c}" for c in range(193, 208)]), "unit_id"])
    touches = events["sources"].map(lambda c: bool(set(ids(c)) & qn)) & events["type"].isin(["split", "consolidate"])
    assert touches.sum() > 40
    assert (events.loc[touches, "legal_basis"] == "1679/NQ-UBTVQH15").all()
    assert (events.loc[events["type"] == "dissolve", "legal_basis"].str.contains("202/2025/QH15")).all()


def test_quang_ninh_2025_mapping_matches_resolution_1679(vn):
    """Hand-typed from the published text of 1679/NQ-UBTVQH15: which old units (whole, part) form
    which new one; compared by name with what the importer built from the converter."""
    units, events = vn
    name = dict(zip(units["unit_id"], units["name"]))
    code = dict(zip(units["unit_id"], units["code"]))
    qn_old = set(units.loc[units["parent_id"].isin([f"D{c}" for c in range(193, 208)]), "unit_id"])
    e = events[events["date"] == AFTER]
    part_of = {t: s for _, r in e[e["type"] == "split"].iterrows() for s in ids(r["sources"]) for t in ids(r["targets"])}
    got = {}
    for _, r in e[e["type"] == "consolidate"].iterrows():
        srcs = ids(r["sources"])
        if not any(part_of.get(s, s) in qn_old for s in srcs):
            continue
        whole = sorted(name[s] for s in srcs if s not in part_of)
        part = sorted(name[part_of[s]] for s in srcs if s in part_of)
        got[name[r["targets"]]] = (whole, part)
        assert code[r["targets"]]
    table = pd.read_csv(ROOT / "data" / "raw" / "quang-ninh" / "resolution-1679-excerpt.csv", dtype=str, keep_default_na=False)
    assert len(table) >= 6
    for _, row in table.iterrows():
        assert got[row["new_name"]] == (sorted(ids(row["whole"])), sorted(ids(row["part"]))), row["new_name"]
    assert len(got) == 53  # 54 new units; Xã Cái Chiên carries on unchanged


def test_files_are_compact_and_sorted(vn):
    units, _ = vn
    assert list(units.columns) == ["unit_id", "name", "kind", "level", "sector", "parent_id", "locality", "staff",
                                   "unit_type", "code", "area_km2"]
    assert (units["kind"] == "government").all() and (units["staff"] == "0").all()
    for level in ("province", "district", "commune"):
        sub = units[(units["level"] == level) & ~units["unit_id"].str.contains("-")]
        assert list(sub["unit_id"]) == sorted(sub["unit_id"])
    assert (VN / "units.csv").stat().st_size + (VN / "events.csv").stat().st_size < 3_000_000


@pytest.mark.skipif(not (ROOT / ".venv-data" / "bin" / "python").exists(), reason="make data has not installed .venv-data")
def test_make_data_is_byte_for_byte_reproducible(tmp_path):
    """Re-running the importer into a copy of the tree writes exactly the committed files."""
    for sub in ("data/raw", "scripts"):
        shutil.copytree(ROOT / sub, tmp_path / sub)
    proc = subprocess.run([str(ROOT / ".venv-data" / "bin" / "python"), str(tmp_path / "scripts" / "import_adminunits.py"),
                           "--root", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for rel in ("data/vietnam", "data/territory/quang-ninh"):
        names = sorted(p.name for p in (tmp_path / rel).iterdir())  # what the importer writes
        assert names
        match, mismatch, errors = filecmp.cmpfiles(ROOT / rel, tmp_path / rel, names, shallow=False)
        assert not mismatch and not errors, (rel, mismatch, errors)


def test_importer_refuses_a_missing_package(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_adminunits.py"), "--package-dir",
                           str(tmp_path / "nowhere"), "--root", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "not found" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "data").exists()


def test_quang_ninh_in_the_national_registry_before_2025_07_01(before):
    districts = before[(before["level"] == "district") & (before["parent_id"] == "P22")]
    assert len(districts) == 13
    com = before[before["parent_id"].isin(set(districts.index))]
    assert com["unit_type"].value_counts().to_dict() == {"xa": 91, "phuong": 73, "thi-tran": 7}
    # the same 171 codes as the territorial history holds open on 2025-06-30
    terr = pd.read_csv(ROOT / "data" / "territory" / "quang-ninh" / "communes.csv", dtype=str, keep_default_na=False)
    open_then = terr[((terr["opened"] == "") | (terr["opened"] <= BEFORE)) & ((terr["closed"] == "") | (terr["closed"] > BEFORE))]
    assert set(open_then["code"]) == set(com["code"])
