"""Registry format 1.1 on a tiny hand-drawn territory: unit types, codes, population and area,
``reclassify``, split shares, ``orgmodel count``, crosswalk weights and locality lineage.

The history drawn (government units only; two schools hang below)::

    P  tỉnh Q (22)
    ├── DA huyện A (193) ──2020-01-01 merge──> DB
    │   ├── XA1 xã A1 (06001; 1,000 people, 10 km2) ──2022-01-01 split──> XA1N (600, 4) + XA1S (400, 6)
    │   └── XA2 thị trấn A2 (06002) ──2022-07-01 reclassify──> phường A2
    │       └── SA  THCS A (psu, locality A)
    └── DB thị xã B (194) ──2021-06-01 reclassify──> thành phố B
        └── XB1 phường B1 (06003)
            └── SB  THCS B (psu, locality B)
"""

from __future__ import annotations

import json

import pytest

from orgmodel import lineage as L
from orgmodel import progress as P
from orgmodel.cli import main
from orgmodel.errors import ValidationError
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline
from orgmodel.views import View

pytestmark = pytest.mark.usefixtures("english")  # these tests check the English wording (Vietnamese: test_cli_language.py)

UNITS_HEADER = "unit_id,name,kind,level,sector,parent_id,locality,staff,unit_type,code,population,area_km2"
EVENTS_HEADER = "event_id,date,type,sources,targets,new_parent_id,legal_basis,note,changes"

UNITS = """\
P,UBND tỉnh Q,government,province,general,,province,10,tinh,22,1000000,6000
DA,UBND huyện A,government,district,general,P,A,5,huyen,193,3000,40
DB,UBND thị xã B,government,district,general,P,B,5,thi-xa,194,5000,30
XA1,UBND xã A1,government,commune,general,DA,A,2,xa,06001,1000,10
XA2,UBND thị trấn A2,government,commune,general,DA,A,3,thi-tran,06002,2000,30
XB1,UBND phường B1,government,commune,general,DB,B,3,phuong,06003,5000,30
XA1N,UBND xã A1 Bắc,government,commune,general,DB,A,2,xa,06004,600,4
XA1S,UBND xã A1 Nam,government,commune,general,DB,A,2,xa,06005,400,6
SA,Trường THCS A,psu,commune,education,XA2,A,20,thcs,,,
SB,Trường THCS B,psu,commune,education,XB1,B,25,thcs,,,
"""

EVENTS = """\
E1,2020-01-01,merge,DA,DB,,837/NQ-UBTVQH14,,
E2,2021-06-01,reclassify,DB,,,1234/NQ-UBTVQH15,,name=UBND thành phố B;unit_type=thanh-pho
E3,2022-01-01,split,XA1,XA1N;XA1S,,,,
E4,2022-07-01,reclassify,XA2,,,,,unit_type=phuong;name=UBND phường A2
"""


def make(make_registry, units=UNITS, events=EVENTS):
    return make_registry(events, units_rows=units, units_header=UNITS_HEADER, events_header=EVENTS_HEADER)


@pytest.fixture
def reg(make_registry):
    return make(make_registry)


@pytest.fixture
def tl(reg):
    return Timeline(load_registry(reg))


def cli(args, capsys):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def by_type(tl, date, level):
    return View(tl, date, date).count(kind="government", level=level, by="unit_type")["by"]


def test_reclassify_changes_counts_by_type_at_the_right_dates(tl):
    assert by_type(tl, "2019-12-31", "commune") == {"phuong": 1, "thi-tran": 1, "xa": 1}
    assert by_type(tl, "2022-01-01", "commune") == {"phuong": 1, "thi-tran": 1, "xa": 2}
    assert by_type(tl, "2022-06-30", "commune") == {"phuong": 1, "thi-tran": 1, "xa": 2}
    assert by_type(tl, "2022-07-01", "commune") == {"phuong": 2, "xa": 2}
    assert by_type(tl, "2019-12-31", "district") == {"huyen": 1, "thi-xa": 1}
    assert by_type(tl, "2021-05-31", "district") == {"thi-xa": 1}
    assert by_type(tl, "2021-06-01", "district") == {"thanh-pho": 1}


def test_attributes_in_force_in_units_as_of_and_lineage_names(tl):
    assert tl.units_as_of("2021-05-31").at["DB", "name"] == "UBND thị xã B"
    assert tl.units_as_of("2021-06-01").at["DB", "name"] == "UBND thành phố B"
    assert tl.units.at["DB", "name"] == "UBND thị xã B"  # the units.csv value is kept
    chain = L.lineage_table(tl, "DA", "2021-12-31")
    assert chain[["from_id", "from_name", "to_id", "to_name"]].values.tolist() == [["DA", "UBND huyện A", "DB", "UBND thành phố B"]]
    cw = L.crosswalk(tl, "2019-12-31", "2021-12-31")
    assert cw.set_index("from_id").at["DB", "to_name"] == "UBND thành phố B"
    assert cw.set_index("from_id").at["DB", "from_name"] == "UBND thị xã B"


def test_count_json_filters_and_by(reg, capsys):
    code, out, _ = cli(["count", reg, "--as-of", "2022-07-01", "--kind", "government", "--level", "commune", "--format", "json"], capsys)
    assert code == 0 and out.strip() == '{"as_of": "2022-07-01", "count": 4}'
    code, out, _ = cli(["count", reg, "--as-of", "2022-07-01", "--type", "phuong", "--format", "json"], capsys)
    assert json.loads(out)["count"] == 2
    code, out, _ = cli(["count", reg, "--as-of", "2021-06-01", "--where", "unit_type=thanh-pho", "--where", "level=district",
                        "--format", "json", "--by", "name"], capsys)
    assert json.loads(out) == {"as_of": "2021-06-01", "by": {"UBND thành phố B": 1}, "count": 1}
    code, out, _ = cli(["count", reg, "--as-of", "2019-12-31", "--by", "kind", "--format", "json"], capsys)
    assert list(json.loads(out)) == ["as_of", "by", "count"] and json.loads(out)["by"] == {"government": 8 - 2, "psu": 2}
    code, _, err = cli(["count", reg, "--as-of", "2019-12-31", "--where", "nosuch=1"], capsys)
    assert code == 2 and "nosuch" in err and "Traceback" not in err
    for bad in (["--level", "region"], ["--type", "thanh-phoo"], ["--kind", "psus"]):
        code, _, err = cli(["count", reg, "--as-of", "2019-12-31", *bad], capsys)
        assert code == 2 and bad[1] in err and "Traceback" not in err


def test_split_shares_and_crosswalk_weights(tl):
    def shares(weight):
        cw = L.crosswalk(tl, "2021-12-31", "2022-12-31", weight=weight)
        return cw[cw["from_id"] == "XA1"].set_index("to_id")["share"].to_dict()

    assert shares("staff") == pytest.approx({"XA1N": 0.5, "XA1S": 0.5})
    assert shares("population") == pytest.approx({"XA1N": 0.6, "XA1S": 0.4})
    assert shares("area") == pytest.approx({"XA1N": 0.4, "XA1S": 0.6})


def test_crosswalk_weight_cli_and_bad_weight(reg, capsys, make_registry):
    code, out, _ = cli(["crosswalk", reg, "--from", "2021-12-31", "--to", "2022-12-31", "--weight", "population"], capsys)
    rows = [r for r in out.splitlines() if r.startswith("XA1,")]
    assert code == 0 and [r.split(",")[6] for r in rows] == ["0.6", "0.4"]
    code, _, err = cli(["crosswalk", reg, "--from", "2021-12-31", "--to", "2022-12-31", "--weight", "votes"], capsys)
    assert code == 2 and "Unknown crosswalk weight" in err
    from conftest import BASE_UNITS  # a version 1 registry has no population column

    old = make_registry("", units_rows=BASE_UNITS)
    code, _, err = cli(["crosswalk", old, "--from", "2015-12-31", "--to", "2016-12-31", "--weight", "area"], capsys)
    assert code == 2 and "no area_km2 column" in err


@pytest.mark.parametrize("change, words", [
    ("XA1N,UBND xã A1 Bắc,government,commune,general,DB,A,2,xa,06004,700,4", "add up to 1100 but 'XA1' has 1000"),
    ("XA1N,UBND xã A1 Bắc,government,commune,general,DB,A,2,xa,06004,600,4.5", "area_km2 add up to 10.5"),
    ("XA1N,UBND xã A1 Bắc,government,commune,general,DB,A,2,xa,06004,,4", "population is given for some parts"),
])
def test_split_shares_that_do_not_add_up_are_refused(change, words, make_registry):
    units = UNITS.replace("XA1N,UBND xã A1 Bắc,government,commune,general,DB,A,2,xa,06004,600,4", change)
    with pytest.raises(ValidationError) as info:
        load_registry(make(make_registry, units=units))
    assert "events.csv:4:" in str(info.value) and words in str(info.value)


def test_split_shares_within_rounding_are_accepted(make_registry):
    units = UNITS.replace(",600,4\n", ",600.4,4.004\n".replace("600.4", "601")).replace(",400,6\n", ",400,6.004\n")
    load_registry(make(make_registry, units=units))  # 1001 of 1000 (1 person per 2 parts), 10.008 of 10 km2


@pytest.mark.parametrize("units_edit, events_edit, where, words", [
    # a unit open at the same time as another with its code (units.csv)
    (("XA1S,UBND xã A1 Nam,government,commune,general,DB,A,2,xa,06005", "XA1S,UBND xã A1 Nam,government,commune,general,DB,A,2,xa,06002"),
     None, "units.csv:9:", "also the code of 'XA2'"),
    # a reclassify that gives a code in use (events.csv)
    (None, "E5,2023-01-01,reclassify,XB1,,,,,code=06002\n", "events.csv:6:", "also the code of 'XA2'"),
    # wrong formats
    (("XB1,UBND phường B1,government,commune,general,DB,B,3,phuong,06003", "XB1,UBND phường B1,government,commune,general,DB,B,3,phuong,6003"),
     None, "units.csv:7:", "not a commune-level statistics code (5 digits"),
    (("SB,Trường THCS B,psu,commune,education,XB1,B,25,thcs,", "SB,Trường THCS B,psu,commune,education,XB1,B,25,thcs,A B"),
     None, "units.csv:11:", "code 'A B' of 'SB' is not a valid code"),
    (None, "E5,2023-01-01,reclassify,XB1,,,,,code=0600\n", "events.csv:6:", "not a commune-level statistics code"),
    # reclassify: unknown column, invalid values, wrong use
    (None, "E5,2023-01-01,reclassify,SB,,,,,kind=agency\n", "events.csv:6:", "column 'kind' cannot be changed by reclassify"),
    (None, "E5,2023-01-01,reclassify,SB,,,,,unit_type=truong-moi\n", "events.csv:6:", "'truong-moi' of 'E5' is not in the registry's unit_types.csv"),
    (None, "E5,2023-01-01,reclassify,SB,,,,,level=region\n", "events.csv:6:", "level 'region' of 'E5' is not one of province, district, commune"),
    (None, "E5,2023-01-01,reclassify,SB,,,,,name=\n", "events.csv:6:", "name is empty"),
    (None, "E5,2023-01-01,reclassify,SB,,,,,\n", "events.csv:6:", "it is empty"),
    (None, "E5,2023-01-01,transfer,SB,,XA2,,,name=X\n", "events.csv:6:", "changes is only for reclassify"),
    (None, "E5,2023-01-01,reclassify,SB,SA,,,,name=X\n", "events.csv:6:", "reclassify needs at least one source, no targets"),
    (None, "E5,2019-01-01,reclassify,XA1N,,,,,name=X\n", "events.csv:6:", "which is not open then"),
    # unit types: kind and level must fit
    (("SA,Trường THCS A,psu,commune,education,XA2,A,20,thcs", "SA,Trường THCS A,psu,commune,education,XA2,A,20,xa"),
     None, "units.csv:10:", "is a type of government units"),
    (("XB1,UBND phường B1,government,commune,general,DB,B,3,phuong", "XB1,UBND phường B1,government,commune,general,DB,B,3,huyen"),
     None, "units.csv:7:", "does not fit level commune"),
    (("P,UBND tỉnh Q,government,province,general,,province,10,tinh,22,1000000,6000", "P,UBND tỉnh Q,government,province,general,,province,10,tinh,22,-5,6000"),
     None, "units.csv:2:", "population -5 of 'P' is outside the allowed range"),
])
def test_bad_11_input_refused_with_file_line(units_edit, events_edit, where, words, make_registry):
    units = UNITS.replace(*units_edit) if units_edit else UNITS
    events = EVENTS + events_edit if events_edit else EVENTS
    with pytest.raises(ValidationError) as info:
        load_registry(make(make_registry, units=units, events=events))
    lines = [ln for ln in str(info.value).splitlines() if words in ln]
    assert lines and lines[0].startswith(where), str(info.value)


def test_a_code_may_be_reused_once_its_unit_closed(make_registry):
    units = UNITS.replace("XA1S,UBND xã A1 Nam,government,commune,general,DB,A,2,xa,06005", "XA1S,UBND xã A1 Nam,government,commune,general,DB,A,2,xa,06001")
    load_registry(make(make_registry, units=units))  # XA1 closes the day XA1S opens


def test_registry_unit_type_vocabulary_overrides_the_package_one(make_registry):
    units = UNITS.replace("SB,Trường THCS B,psu,commune,education,XB1,B,25,thcs", "SB,Trường THCS B,psu,commune,education,XB1,B,25,truong-lien-cap")
    with pytest.raises(ValidationError, match="truong-lien-cap"):
        load_registry(make(make_registry, units=units))
    folder = make(make_registry, units=units)
    (folder / "unit_types.csv").write_text(
        "unit_type,name_vi,name_en,kind,sector\n" + "\n".join(
            f"{t},{t},{t},government,general" for t in ("tinh", "huyen", "thi-xa", "thanh-pho", "xa", "phuong", "thi-tran"))
        + "\nthcs,Trường THCS,Lower-secondary school,psu,education\ntruong-lien-cap,Trường liên cấp,Multi-level school,psu,education\n",
        encoding="utf-8")
    assert load_registry(folder).units.set_index("unit_id").at["SB", "unit_type"] == "truong-lien-cap"


def test_locality_breakdown_follows_the_locality_lineage(tl, reg, capsys):
    # SA serves locality A (district DA); DA merged into DB on 2020-01-01: SA counts under B from then
    before = P.breakdown(tl, "2019-12-31", "2019-12-31", "locality").set_index("locality")
    assert before.loc["A", "current"] == 1 and before.loc["B", "current"] == 1
    after = P.breakdown(tl, "2019-12-31", "2020-01-01", "locality")
    assert after["locality"].tolist() == ["B"] and after["baseline"].tolist() == [2] and after["current"].tolist() == [2]
    code, out, _ = cli(["status", reg, "--baseline", "2019-12-31", "--as-of", "2021-12-31", "--by", "district", "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and list(data) == ["baseline", "as_of", "rows", "by"]
    assert data["by"]["rows"] == [{"kind": "psu", "district": "B", "baseline": 2, "current": 2, "reduced": 0, "reduced_pct": 0.0,
                                   "opened": 0, "closed": 0}]


def test_breakdown_by_type_uses_values_in_force(tl):
    b = P.breakdown(tl, "2019-12-31", "2022-07-01", "unit_type")
    assert b["unit_type"].tolist() == ["thcs"]  # counted kinds only; the schools kept their type
    v = View(tl, "2022-07-01", "2019-12-31")
    assert v.count(kind="government", unit_type="phuong")["count"] == 2
