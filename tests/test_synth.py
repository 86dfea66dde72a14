"""The synthetic registry generator: calibration of the bundled Quảng Ninh registry, determinism,
the committed files being exactly what the generator writes, and validity of the national
generator under the registry loader."""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from orgmodel import synth

ROOT = Path(__file__).resolve().parents[1]
QN = ROOT / "data" / "quang-ninh"
B, D = "2015-12-31", "2021-12-31"
FILES = ("units.csv", "events.csv", "registry.yaml", "indicators.csv", "unit_types.csv", "README.md")


@pytest.fixture(scope="module")
def generated():
    return synth.generate_quang_ninh(seed=2015)


@pytest.fixture(scope="module")
def committed():
    units = pd.read_csv(QN / "units.csv", dtype=str, keep_default_na=False)
    events = pd.read_csv(QN / "events.csv", dtype=str, keep_default_na=False)
    return units, events


def _count(units, events, date) -> dict[str, int]:
    """Counts per kind through the project's Timeline when it exists, else the generator's helper."""
    try:
        from orgmodel.registry import load_registry
        from orgmodel.timeline import Timeline
    except ImportError:  # pragma: no cover - only before the loader exists
        row = synth.count_units(units, events, [date]).iloc[0]
        return {k: int(row[k]) for k in ("agency", "psu", "all")}
    return Timeline(load_registry(QN)).counts(date)


# ---------------------------------------------------------------- calibration step


def test_published_percentage_pins_the_baseline_to_1258_1264():
    assert synth.admissible_baselines(227, 18.0) == list(range(1258, 1265))


def test_calibration_targets_reproduce_the_published_figures():
    t = synth.calibrate_quang_ninh().set_index("year")
    assert t.loc[2015, "all"] - t.loc[2021, "all"] == 227
    assert t.loc[2015, "agency"] - t.loc[2021, "agency"] == 140
    assert t.loc[2015, "psu"] - t.loc[2021, "psu"] == 87
    base = t.loc[2015, "psu"]
    met = {y: 100 * (base - t.loc[y, "psu"]) >= 10 * base for y in range(2016, 2022)}
    assert [y for y, ok in met.items() if ok][0] == 2020


def test_calibration_refuses_a_baseline_that_breaks_the_published_percentage():
    with pytest.raises(AssertionError):
        synth.calibrate_quang_ninh(synth.QuangNinhCalibration(baseline_all=1270))


def test_allocate_is_exact_and_respects_minimum_and_cap():
    out = synth.allocate(100, [5, 1, 1, 0.01], minimum=2, cap=60)
    assert out.sum() == 100 and (out >= 2).all() and (out <= 60).all() and out[0] == 60
    with pytest.raises(ValueError):
        synth.allocate(3, [1, 1], minimum=2)


# ---------------------------------------------------------------- the committed registry


def test_bundled_registry_is_valid_and_meets_the_published_figures():
    pytest.importorskip("orgmodel.registry")
    from orgmodel.progress import progress
    from orgmodel.registry import load_registry
    from orgmodel.timeline import Timeline

    reg = load_registry(QN)  # raises ValidationError on any problem
    assert reg.warnings.empty
    tl = Timeline(reg)
    rows = progress(tl, B, D).set_index("kind")
    assert rows.loc["all", "reduced"] == 227 and round(rows.loc["all", "reduced_pct"], 1) == 18.0
    assert rows.loc["agency", "reduced"] == 140 and rows.loc["psu", "reduced"] == 87
    assert 1258 <= rows.loc["all", "baseline"] <= 1264
    assert (rows["closed"] > rows["reduced"]).all() and (rows["opened"] > 0).all()  # net, not gross
    base = tl.count("psu", B)
    assert 100 * (base - tl.count("psu", "2019-12-31")) < 10 * base
    assert 100 * (base - tl.count("psu", "2020-12-31")) >= 10 * base


def test_counts_agree_between_timeline_and_an_independent_count(committed):
    units, events = committed
    mine = synth.count_units(units, events, [B, "2019-12-31", "2020-12-31", D, "2025-12-31"]).set_index("date")
    for date in mine.index:
        theirs = _count(units, events, date)
        assert {k: int(mine.loc[date, k]) for k in ("agency", "psu", "all")} == {k: theirs[k] for k in ("agency", "psu", "all")}


def test_committed_files_are_exactly_what_the_generator_writes(generated, tmp_path):
    units, events, meta = generated
    synth.write_registry(units, events, tmp_path, meta)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (QN / name).read_bytes(), f"{name} differs: run python -m orgmodel.synth quang-ninh"


def test_csvs_are_utf8_nfc_lf_rfc4180(committed):
    for name in ("units.csv", "events.csv", "indicators.csv", "unit_types.csv"):
        raw = (QN / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        text = raw.decode("utf-8")
        assert unicodedata.normalize("NFC", text) == text
        rows = list(csv.reader(io.StringIO(text)))
        assert len({len(r) for r in rows}) == 1
    units, _ = committed
    assert list(units.columns) == synth.UNIT_COLUMNS + ["commune_2025"]


def test_indicators_hold_the_article_figures():
    ind = pd.read_csv(QN / "indicators.csv", dtype=str).set_index("indicator")
    assert ind.loc["administrative_procedures", "value"] == "1803"
    assert ind.loc[["dossiers_on_time_or_early", "dossiers_online"], "comparison"].tolist() == [">", ">"]
    assert ind.loc["sipas_satisfaction", "value"] == "94.07"
    five = ["sipas_results", "sipas_procedures", "sipas_civil_servants", "sipas_access", "sipas_feedback"]
    assert ind.loc[five, "value"].tolist() == ["94.90", "94.78", "94.75", "94.64", "91.26"]


# ---------------------------------------------------------------- content of the Quảng Ninh registry


def test_units_have_realistic_attributes(committed):
    units, _ = committed
    u = units.set_index("unit_id")
    lat, lon = u["lat"].astype(float), u["lon"].astype(float)
    assert lat.between(20.9, 21.6).all() and lon.between(106.4, 108.1).all()
    assert (u["sector"] == u["sector"].str.lower()).all()
    assert (u.loc[u["kind"] != "psu", "autonomy"] == "").all()
    assert u.loc[u["kind"] == "psu", "autonomy"].isin(list("1234")).all()
    districts = {d[1] for d in synth.QN_DISTRICTS}
    assert len(districts) == 14 and set(u["locality"]) == districts | {"province"}
    staff = u["staff"].astype(int)
    schools = u.index.str.contains(r"-(?:MN|TH|THCS|THTHCS|THPT)-\d{3}$")
    assert staff[schools].between(10, 90).all()
    assert staff[u.index.str.startswith("QN-TTYT-")].between(100, 600).all()
    assert u.loc["QN-SYT", "name"] == "Sở Y tế" and u.loc["QN-SGDDT", "name"] == "Sở Giáo dục và Đào tạo"
    assert u.loc["QN-BV-001", "name"] == "Bệnh viện Đa khoa tỉnh Quảng Ninh"
    assert u.loc["QN-TTYT-HL", "parent_id"] == "QN-SYT" and u.loc["QN-TTYT-HL", "locality"] == "Hạ Long"
    gov = u[u["kind"] == "government"]
    assert (gov.loc[gov["level"] == "district", "parent_id"] == "QN-UBND").all()
    assert (gov["level"] == "district").sum() == 14


def test_hoanh_bo_merges_into_ha_long_on_2020_01_01(committed):
    units, events = committed
    e = events[events["date"] == "2020-01-01"]
    gov = e[e["sources"] == "HB-UBND"]
    assert gov[["type", "targets", "legal_basis"]].values.tolist() == [["merge", "HL-UBND", "837/NQ-UBTVQH14"]]
    phong = e[(e["type"] == "merge") & e["sources"].str.contains(r"HB-P", regex=True)]
    assert len(phong) >= 5 and phong["targets"].str.startswith("HL-").all()
    assert (phong.index < gov.index[0]).all()  # Hoành Bồ's offices first, then the district itself
    communes = e[(e["type"] == "merge") & e["sources"].str.match(r"^C\d{5}")]
    assert len(communes) == 7 and (communes["legal_basis"] == "837/NQ-UBTVQH14").all()
    hb_communes = units[(units["parent_id"] == "HB-UBND") & (units["kind"] == "government")]
    assert len(hb_communes) == 13 and set(hb_communes["code"].str[:2]) == {"07"}   # they move with the merge
    counts = synth.count_units(units, events, ["2019-12-31", "2020-12-31"]).set_index("date")
    assert counts.loc["2019-12-31", "government"] - counts.loc["2020-12-31", "government"] == 1 + 9


def _count_json(*args) -> dict:
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "orgmodel", "count", str(QN), *args, "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


# Published figures (domain-facts, Quảng Ninh's territorial units) reproduced through `orgmodel count`.
COMMUNES = {
    "2015-12-31": {"phuong": 67, "thi-tran": 8, "xa": 111},
    "2019-12-31": {"phuong": 67, "thi-tran": 8, "xa": 111},
    "2020-01-01": {"phuong": 72, "thi-tran": 7, "xa": 98},
    "2024-10-31": {"phuong": 72, "thi-tran": 7, "xa": 98},
    "2024-11-01": {"phuong": 73, "thi-tran": 7, "xa": 91},
    "2025-06-30": {"phuong": 73, "thi-tran": 7, "xa": 91},
    "2025-07-01": {"phuong": 30, "xa": 22, "dac-khu": 2},
}
DISTRICTS = {
    "2015-12-31": {"thanh-pho": 4, "thi-xa": 2, "huyen": 8},
    "2019-12-31": {"thanh-pho": 4, "thi-xa": 2, "huyen": 8},
    "2020-01-01": {"thanh-pho": 4, "thi-xa": 2, "huyen": 7},
    "2024-10-31": {"thanh-pho": 4, "thi-xa": 2, "huyen": 7},
    "2024-11-01": {"thanh-pho": 5, "thi-xa": 1, "huyen": 7},
    "2025-06-30": {"thanh-pho": 5, "thi-xa": 1, "huyen": 7},
    "2025-07-01": {},
}


@pytest.fixture(scope="module")
def timeline():
    pytest.importorskip("orgmodel.views")
    from orgmodel.registry import load_registry
    from orgmodel.timeline import Timeline

    return Timeline(load_registry(QN))


@pytest.mark.parametrize("date", sorted(COMMUNES))
def test_territory_counts_match_the_published_figures(timeline, date):
    """The counts `orgmodel count --kind government --level L --by unit_type` prints (same View.count)."""
    from orgmodel.views import View

    view = View(timeline, date, date)
    com = view.count(kind="government", level="commune", by="unit_type")
    assert com["by"] == COMMUNES[date] and com["count"] == sum(COMMUNES[date].values())
    dis = view.count(kind="government", level="district", by="unit_type")
    assert dis.get("by", {}) == DISTRICTS[date] and dis["count"] == sum(DISTRICTS[date].values())


def test_count_command_prints_the_2025_communes():
    assert _count_json("--as-of", "2025-07-01", "--kind", "government", "--level", "commune", "--by", "unit_type") == \
        {"as_of": "2025-07-01", "by": COMMUNES["2025-07-01"], "count": 54}


def test_departments_20_then_14_from_2025_03_01(committed, timeline):
    from orgmodel.views import View

    assert View(timeline, "2025-02-28", "2025-02-28").count(unit_type="so")["count"] == 20
    assert View(timeline, "2025-03-01", "2025-03-01").count(unit_type="so")["count"] == 14
    units, events = committed
    e = events[events["date"] == "2025-03-01"].set_index("targets")
    assert e.loc["QN-SNNMT", ["type", "sources"]].tolist() == ["consolidate", "QN-SNN;QN-STNMT"]
    assert e.loc["QN-STC-2025", ["type", "sources"]].tolist() == ["consolidate", "QN-STC;QN-SKHDT"]
    assert e.loc["QN-SXD-2025", ["type", "sources"]].tolist() == ["consolidate", "QN-SXD;QN-SGTVT"]
    assert e.loc["QN-SNV", ["type", "sources"]].tolist() == ["merge", "QN-SLDTBXH"]
    assert e.loc["QN-SKHCN", ["type", "sources"]].tolist() == ["merge", "QN-STTTT"]
    assert e.loc["QN-SDTTG", "type"] == "consolidate" and "Nghị định 45/2025/NĐ-CP" in e.loc["QN-SDTTG", "legal_basis"]
    names = units.set_index("unit_id")["name"]
    assert names["QN-STC-2025"] == "Sở Tài chính" and names["QN-SNNMT"] == "Sở Nông nghiệp và Môi trường"


def test_every_territorial_change_is_replayed_with_its_legal_basis(committed):
    """Every row of the territory tables is an event of the registry, same date, type and legal basis."""
    _, events = committed
    changes = pd.read_csv(ROOT / "data" / "territory" / "quang-ninh" / "changes.csv", dtype=str, keep_default_na=False)
    ids = {"P22": "QN-UBND", **{f"D{d[8]}": f"{d[0]}-UBND" for d in synth.QN_DISTRICTS}}
    conv = lambda cell: ";".join(ids.get(x, x) for x in cell.split(";")) if cell else ""  # noqa: E731
    want = changes.assign(sources=changes["sources"].map(conv), targets=changes["targets"].map(conv))
    key = ["date", "type", "sources", "targets", "legal_basis", "changes"]
    got = events[key].merge(want[key], how="right", on=key, indicator=True)
    assert (got["_merge"] == "both").all(), got[got["_merge"] != "both"].head().to_string()


def test_district_units_empty_before_the_district_level_ends(committed):
    """On 2025-07-01 schools go to the new commune that took over their commune, health and
    continuing-education centres to the provincial departments."""
    units, events = committed
    e = events[(events["date"] == "2025-07-01") & (events["type"] == "transfer")]
    moved = e.assign(unit=e["sources"].str.split(";")).explode("unit").set_index("unit")["new_parent_id"]
    u = units.set_index("unit_id")
    schools = u.index[u["unit_type"].isin(["mam-non", "tieu-hoc", "thcs", "th-thcs"]) & (u["parent_id"].str.endswith("-UBND"))]
    open_schools = [s for s in schools if s in moved.index]
    assert len(open_schools) > 300 and moved[open_schools].str.match(r"^C(?:2025-)?\d{5}$").all()
    new_communes = set(moved[open_schools])
    assert len(new_communes) >= 50     # schools spread over (nearly) every new commune
    for gdtx in u.index[u["unit_type"] == "gdnn-gdtx"]:
        if gdtx in moved.index:
            assert moved[gdtx] == "QN-SGDDT"
    # a school of the old commune Hồng Gai (Hạ Long) now answers to the new phường Hồng Gai
    hg = [s for s in open_schools if u.loc[s, "name"].endswith(" Hồng Gai") and u.loc[s, "locality"] == "Hạ Long"]
    assert hg and (moved[hg] == "C2025-06685").all()


def test_every_event_type_occurs_before_2022_with_a_legal_basis(committed):
    _, events = committed
    early = events[events["date"] <= D]
    assert set(early["type"]) == {"establish", "merge", "consolidate", "split", "separate", "dissolve", "transfer", "reclassify"}
    diss = early[early["type"] == "dissolve"]
    assert (diss["targets"] == "").any() and (diss["targets"] != "").any()
    assert (events["legal_basis"] != "").all() and (events["note"] != "").all()
    assert events["date"].is_monotonic_increasing


# ---------------------------------------------------------------- determinism and the national generator


def test_same_seed_same_frames_other_seed_other_frames(generated):
    again = synth.generate_quang_ninh(seed=2015)
    pd.testing.assert_frame_equal(generated[0], again[0])
    pd.testing.assert_frame_equal(generated[1], again[1])
    other = synth.generate_quang_ninh(seed=7)
    assert not other[1].equals(generated[1])
    # the calibration holds whatever the seed
    t = synth.count_units(other[0], other[1], [B, D]).set_index("date")
    assert (t.loc[B] - t.loc[D])[["agency", "psu", "all"]].tolist() == [140, 87, 227]


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    units, events, meta = synth.generate_national(provinces=3, seed=1)
    out = synth.write_registry(units, events, tmp_path_factory.mktemp("national"), meta)
    return units, events, meta, out


def test_national_generator_validates_and_is_calibrated(national):
    pytest.importorskip("orgmodel.registry")
    from orgmodel.registry import load_registry
    from orgmodel.timeline import Timeline

    units, events, meta, out = national
    tl = Timeline(load_registry(out))
    assert tl.count("psu", B) == round(55891 * 3 / 63) and tl.count("psu", D) == round(48442 * 3 / 63)
    assert meta["calibration"]["psu_2015"] == tl.count("psu", B)
    roots = units[(units["kind"] == "government") & (units["parent_id"] == "")]["unit_id"]
    assert sum(tl.is_open(r, "2025-12-31") for r in roots) == meta["calibration"]["provinces_after_2025"] == 2
    assert tl.count("government", "2025-12-31") > 0
    gov = units.set_index("unit_id")
    open_2025 = [u for u in gov.index[gov["level"] == "district"] if gov.loc[u, "kind"] == "government" and tl.is_open(u, "2025-12-31")]
    assert open_2025 == []  # district level abolished
    assert "2021-12-31" in (out / "README.md").read_text(encoding="utf-8")


def test_national_generator_is_deterministic(national):
    units, events, _, _ = national
    again = synth.generate_national(provinces=3, seed=1)
    pd.testing.assert_frame_equal(units, again[0])
    pd.testing.assert_frame_equal(events, again[1])


# ---------------------------------------------------------------- the subpackage (issue 9 item 5)

# sha256 of the national registry (3 provinces, seed 1) as the single-module generator wrote it
# before the split into orgmodel/synth/ (contract columns of units.csv, and events.csv): the split
# and the data files must not change a byte.
NATIONAL_3_SEED_1 = {
    "units.csv": "c2a4e00418f1dc7ca5e8d75378daab71ae54a81edc5a1e1767c04f5bcaa6e824",
    "events.csv": "0970ed1dfb96133f05d1e70fa88e3e745a70f0126a75a870d3a650d842e7a681",
}


EVENTS_V1 = ["event_id", "date", "type", "sources", "targets", "new_parent_id", "legal_basis", "note"]


def _v1_bytes(path: Path, columns: list[str]) -> bytes:
    """The file's bytes restricted to ``columns`` (so later optional columns do not count)."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_national_registry_is_byte_identical_to_the_single_module_generator(national):
    import hashlib

    _, _, _, out = national
    units_v1 = ["unit_id", "name", "kind", "level", "sector", "parent_id", "locality", "staff", "autonomy", "lat", "lon"]
    got = {"units.csv": hashlib.sha256(_v1_bytes(out / "units.csv", units_v1)).hexdigest(),
           "events.csv": hashlib.sha256(_v1_bytes(out / "events.csv", EVENTS_V1)).hexdigest()}
    assert got == NATIONAL_3_SEED_1


def test_only_the_cli_imports_the_generator():
    import re

    pkg = ROOT / "orgmodel"
    offenders = []
    for path in sorted(pkg.rglob("*.py")):
        if path.is_relative_to(pkg / "synth") or path.name == "cli.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(from\s+(orgmodel|\.)?\.?synth\b|from\s+\.+\s+import\s+.*\bsynth\b|import\s+orgmodel\.synth\b|from\s+orgmodel\s+import\s+.*\bsynth\b)",
                     text, re.M):
            offenders.append(path.name)
    assert offenders == []


def test_reference_tables_are_package_data_files():
    data = ROOT / "orgmodel" / "synth" / "data"
    for name in ("departments.csv", "chi_cuc.csv", "provincial_psus.csv", "provincial_hospitals.csv", "district_phong.csv",
                 "district_psus.csv", "schools.csv", "qn_districts.csv", "qn_indicators.csv", "names.yaml"):
        assert (data / name).is_file(), name
    assert len(synth.DEPARTMENTS) == 21 and synth.DEPARTMENTS[0] == ("SNV", "Sở Nội vụ", "home-affairs", "so")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"synth/data/*.csv"' in pyproject and '"synth/data/*.yaml"' in pyproject



# ---------------------------------------------------------------- unit types (issue 10 item 1)

# The legal type read from the official name alone (independently of the unit_type column): the
# first pattern that matches the name gives the type. Names no pattern reads are left out.
NAME_TYPES = [
    (r"^Trường Mầm non ", "mam-non"),
    (r"^Trường Tiểu học và THCS ", "th-thcs"),
    (r"^Trường Tiểu học ", "tieu-hoc"),
    (r"^Trường THCS ", "thcs"),
    (r"^Trường THPT ", "thpt"),
    (r"^Trường Phổ thông Dân tộc nội trú", "ptdtnt"),
    (r"^Trường Cao đẳng ", "cao-dang"),
    (r"^Trường Đại học ", "dai-hoc"),
    (r"^Trạm Y tế ", "tram-y-te"),
    (r"^Trung tâm Y tế (?:thành phố|thị xã|huyện) ", "trung-tam-y-te"),
    (r"^Trung tâm Kiểm soát bệnh tật", "cdc"),
    (r"^Trung tâm Pháp y", "phap-y"),
    (r"^Trung tâm Giám định y khoa", "giam-dinh-y-khoa"),
    (r"^Trung tâm Kiểm nghiệm", "kiem-nghiem"),
    (r"^Bệnh viện (?:Sản Nhi|Lao|Y dược cổ truyền|Phục hồi|Bảo vệ sức khỏe Tâm thần)", "benh-vien-chuyen-khoa"),
    (r"^Bệnh viện ", "benh-vien"),
    (r"^Trung tâm (?:Giáo dục nghề nghiệp - )?Giáo dục thường xuyên", "gdnn-gdtx"),
    (r"^Trung tâm Dân số - Kế hoạch hóa gia đình", "dan-so-khhgd"),
    (r"^Trung tâm Truyền thông và Văn hóa ", "truyen-thong-van-hoa"),
    (r"^Trung tâm (?:Y tế dự phòng|Phòng, chống|Nội tiết|Chăm sóc sức khỏe sinh sản|Truyền thông giáo dục sức khỏe)", "y-te-du-phong"),
    (r"^Trung tâm Văn hóa - Thể thao ", "trung-tam-van-hoa"),
    (r"^Đài Truyền thanh - Truyền hình ", "truyen-thanh-cap-huyen"),
    (r"^(?:Trạm|Trung tâm) Khuyến nông ", "khuyen-nong"),
    (r"^Trung tâm Phát triển quỹ đất", "phat-trien-quy-dat"),
    (r"^Phòng Công chứng ", "cong-chung"),
    (r"^Trung tâm Trợ giúp pháp lý", "tro-giup-phap-ly"),
    (r"^Trung tâm Dịch vụ đấu giá", "dau-gia"),
    (r"^Thư viện ", "thu-vien"),
    (r"^Bảo tàng ", "bao-tang"),
    (r"^Ban Quản lý dự án đầu tư xây dựng", "ban-qlda"),
    (r"^(?:Sở |Văn phòng UBND tỉnh$|Thanh tra tỉnh$|Ban Dân tộc$)", "so"),
    (r"^Chi cục ", "chi-cuc"),
    (r"^Hạt Kiểm lâm ", "kiem-lam"),
    (r"^Đội Quản lý thị trường ", "doi-quan-ly-thi-truong"),
    (r"^UBND tỉnh ", "tinh"),
    (r"^UBND thành phố ", "thanh-pho"),
    (r"^UBND thị xã ", "thi-xa"),
    (r"^UBND huyện ", "huyen"),
    (r"^UBND đặc khu ", "dac-khu"),
]


def _type_from_name(names: pd.Series) -> pd.Series:
    out = pd.Series("", index=names.index)
    for pattern, slug in NAME_TYPES:
        hit = (out == "") & names.str.contains(pattern, regex=True)
        out[hit] = slug
    return out


def test_every_unit_is_typed_as_its_official_name_says(committed):
    units, _ = committed
    assert (units["unit_type"] != "").all()
    read = _type_from_name(units["name"])
    known = read != ""
    mask = known & (read != units["unit_type"])
    wrong = units.loc[mask, ["unit_id", "name", "unit_type"]].assign(read=read[mask])
    assert wrong.empty, wrong.head(10).to_string()
    psu = units["kind"] == "psu"
    assert known[psu].mean() > 0.95   # the name reads the type of nearly every PSU


def test_unit_types_table_lists_each_slug_used_once_with_kind_and_sector(committed):
    units, _ = committed
    table = pd.read_csv(QN / "unit_types.csv", dtype=str, keep_default_na=False)
    assert list(table.columns) == ["unit_type", "name_vi", "name_en", "kind", "sector"]
    assert table["unit_type"].is_unique and set(table["unit_type"]) == set(units["unit_type"])
    kind_of = table.set_index("unit_type")["kind"]
    assert (units["unit_type"].map(kind_of) == units["kind"]).all()
    package = pd.read_csv(ROOT / "orgmodel" / "data" / "unit_types.csv", dtype=str, keep_default_na=False)
    merged = table.merge(package, on="unit_type", suffixes=("", "_pkg"))
    assert len(merged) == len(table)   # every slug is in the package vocabulary, with the same names
    assert (merged["name_vi"] == merged["name_vi_pkg"]).all() and (merged["kind"] == merged["kind_pkg"]).all()


def _open_types(units, events, date):
    opened, closed = synth.life_dates(units, events)
    live = units[(opened <= date) & (closed > date)]
    return live


def test_public_service_layer_is_realistic_in_types_and_numbers(committed):
    units, events = committed
    live = _open_types(units, events, B)
    psu = live[live["kind"] == "psu"]
    n = psu["unit_type"].value_counts()
    communes = n["tram-y-te"]                                    # one health station per commune
    assert communes >= 170
    assert n["mam-non"] >= 0.75 * communes                        # most communes had a kindergarten,
    assert n["tieu-hoc"] + n["th-thcs"] >= 0.75 * communes        # a primary
    assert n["thcs"] + n["th-thcs"] >= 0.6 * communes             # and a lower-secondary school,
    assert 0 < n["th-thcs"] < 0.2 * communes                      # some a combined one
    per_district = psu.groupby("locality")["unit_type"].agg(set)
    for district in {d[1] for d in synth.QN_DISTRICTS}:
        assert {"trung-tam-y-te", "gdnn-gdtx", "trung-tam-van-hoa", "mam-non", "tieu-hoc", "thcs", "tram-y-te"} <= per_district[district], district
    for slug in ("phap-y", "giam-dinh-y-khoa", "cong-chung", "tro-giup-phap-ly", "thu-vien", "bao-tang", "ban-qlda",
                 "benh-vien", "benh-vien-chuyen-khoa", "thpt", "cao-dang", "dai-hoc"):
        assert n.get(slug, 0) >= 1, slug
    assert n["cong-chung"] >= 2 and n["ban-qlda"] >= 3
    later = _open_types(units, events, D)
    assert (later["unit_type"] == "cdc").sum() == 1 and (later["unit_type"] == "truyen-thong-van-hoa").sum() == 13
    stations = units[units["unit_type"] == "tram-y-te"]
    assert stations["parent_id"].str.startswith("QN-TTYT-").all()   # managed by the district health centre
    # one station per commune, following the communes' mergers: 186 -> 177 (2020) -> 171 (2024, Plan 253's 171)
    for date, n_communes in (("2015-12-31", 186), ("2020-01-01", 177), ("2024-11-01", 171), ("2025-12-31", 171)):
        live = _open_types(units, events, date)
        assert (live["unit_type"] == "tram-y-te").sum() == n_communes, date


def test_every_psu_merge_in_the_history_is_lawful(committed):
    units, events = committed
    t = units.set_index("unit_id")["unit_type"]
    kind = units.set_index("unit_id")["kind"]
    allowed_mixed = {
        ("benh-vien", "trung-tam-y-te"), ("dan-so-khhgd", "trung-tam-y-te"),       # 2017 multi-function health centres
        ("y-te-du-phong", "cdc"),                                                 # 2018 CDC
        ("trung-tam-van-hoa", "truyen-thong-van-hoa"), ("truyen-thanh-cap-huyen", "truyen-thong-van-hoa"),  # 2018
        ("co-quan-bao-chi", "trung-tam-truyen-thong"), ("dich-vu-cong-khac", "trung-tam-truyen-thong"),     # 2019
        ("tieu-hoc", "th-thcs"), ("thcs", "th-thcs"),                             # primary + lower-secondary -> TH&THCS
    }
    bad = []
    for ev in events[events["type"].isin(["merge", "consolidate"])].itertuples():
        target = ev.targets
        if kind[target] != "psu":
            continue
        for src in ev.sources.split(";"):
            pair = (t[src], t[target])
            if pair[0] != pair[1] and pair not in allowed_mixed:
                bad.append((ev.event_id, src, target, pair))
    assert bad == []


# ---------------------------------------------------------------- scenarios for today (issue 11 item 7)

TODAY = ["qn-253-health-stations", "qn-253-upper-secondary", "qn-253-gdnn-gdtx", "qn-253-library-museum",
         "psu-2026-54-communes", "health-centres-regional"]


def _readme_answer(name: str) -> str:
    text = (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
    return row.rstrip(" |").rsplit("|", 1)[1].strip()


@pytest.mark.parametrize("name", TODAY)
def test_todays_scenarios_solve_as_the_scenarios_readme_says(name):
    import re

    from orgmodel.optimise import solve_scenario
    from orgmodel.scenario import load_scenario

    scn = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    sol = solve_scenario(scn)
    answer = _readme_answer(name)
    assert sol.summary["status"] == "optimal" and answer.startswith("optimal")
    merges = int(re.search(r"(\d+) merges?|absorbs the two", answer).group(1) or 2)
    assert sol.summary["merges"] == len(sol.plan) == merges
    assert all(t["met"] for t in sol.summary["targets"])
    if name == "qn-253-health-stations":     # each new commune keeps a station, all stations merge within it
        units = scn.registry.units.set_index("unit_id")
        c = units["commune_2025"]
        assert (c[sol.plan["unit_id"]].to_numpy() == c[sol.plan["into_id"]].to_numpy()).all()
        assert c[units["unit_type"] == "tram-y-te"].nunique() == 54
        assert sol.summary["targets"][0]["max_reduction"] == 171 - 54
    if name == "qn-253-library-museum":
        assert sol.plan[["unit_id", "into_id"]].values.tolist() == [["QN-TV", "QN-BT"]]
    if name == "psu-2026-54-communes":
        assert scn.plan_from.isoformat() == "2026-01-01"
        assert {t["baseline_date"] for t in sol.summary["targets"]} == {"2015-12-31", "2021-12-31"}
