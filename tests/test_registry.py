"""Reading and validating registries: every invalid case of registry-format.md is refused with
file, line and id; accepted oddities come with a warning."""

from __future__ import annotations

import pytest

from orgmodel.errors import InputError, ValidationError
from orgmodel.registry import load_registry
from conftest import BASE_UNITS, EVENTS_HEADER, UNITS_HEADER, write_registry

pytestmark = pytest.mark.usefixtures("english")  # these tests check the English wording (Vietnamese: test_cli_language.py)


def problems_of(path):
    with pytest.raises(ValidationError) as info:
        load_registry(path)
    return info.value.problems


def assert_problem(problems, file, line, id_, words):
    hits = problems[(problems["file"] == file) & (problems["line"] == line) & (problems["id"] == id_)]
    assert len(hits), f"no problem at {file}:{line} for {id_!r}; got:\n{problems[['file', 'line', 'id', 'message']]}"
    assert any(words in m for m in hits["message"]), hits["message"].tolist()


def test_valid_base_registry(make_registry):
    reg = load_registry(make_registry())
    assert len(reg.units) == 11 and len(reg.events) == 0
    assert reg.units["staff"].dtype.name == "Int64"
    assert reg.warnings.empty


# ---- one registry per invalid case: (units rows appended, events rows, expected file, line, id, words)
INVALID = {
    "missing column": (None, "", "units.csv", 1, "", "missing required column 'staff'"),
    "empty required value": ("X,,psu,district,health,DEP,A,5,,,\n", "", "units.csv", 13, "X", "name is empty"),
    "bad kind": ("X,x,agenc,district,health,DEP,A,5,,,\n", "", "units.csv", 13, "X", "is not one of government, agency, psu"),
    "bad level": ("X,x,psu,ward,health,DEP,A,5,,,\n", "", "units.csv", 13, "X", "level 'ward'"),
    "negative staff": ("X,x,psu,district,health,DEP,A,-1,,,\n", "", "units.csv", 13, "X", "outside the allowed range"),
    "fractional staff": ("X,x,psu,district,health,DEP,A,2.5,,,\n", "", "units.csv", 13, "X", "not a whole number"),
    "lat without lon": ("X,x,psu,district,health,DEP,A,5,,21.0,\n", "", "units.csv", 13, "X", "only one of lat/lon"),
    "autonomy outside 1-4": ("X,x,psu,district,health,DEP,A,5,5,,\n", "", "units.csv", 13, "X", "autonomy 5"),
    "duplicate unit_id": ("H1,copy,psu,district,health,DEP,A,5,,,\n", "", "units.csv", 13, "H1", "duplicate unit_id 'H1'"),
    "unknown parent": ("X,x,psu,district,health,NOPE,A,5,,,\n", "", "units.csv", 13, "X", "parent_id 'NOPE'"),
    "counted unit without parent": ("X,x,psu,district,health,,A,5,,,\n", "", "units.csv", 13, "X", "no parent_id"),
    "government under agency": ("G,x,government,commune,general,DEP,A,5,,,\n", "", "units.csv", 13, "G", "not a government unit"),
    "bad date": ("", "E1,2018-02-30,merge,S2,S1,,,\n", "events.csv", 2, "E1", "not a valid date"),
    "bad event type": ("", "E1,2018-01-01,absorb,S2,S1,,,\n", "events.csv", 2, "E1", "type 'absorb'"),
    "duplicate event_id": ("", "E1,2018-01-01,merge,S2,S1,,,\nE1,2019-01-01,dissolve,S3,,,,\n", "events.csv", 3, "E1", "duplicate event_id"),
    "unknown source": ("", "E1,2018-01-01,merge,S9,S1,,,\n", "events.csv", 2, "E1", "'S9', which is not a unit_id"),
    "unknown target": ("", "E1,2018-01-01,merge,S2,S9,,,\n", "events.csv", 2, "E1", "'S9', which is not a unit_id"),
    "unknown new parent": ("", "E1,2018-01-01,transfer,S2,,NOPE,,\n", "events.csv", 2, "E1", "new_parent_id 'NOPE'"),
    "source not open (closed)": ("", "E1,2018-01-01,merge,S2,S1,,,\nE2,2019-01-01,dissolve,S2,,,,\n", "events.csv", 3, "E2", "not open then"),
    "source not open (not yet)": ("N,new,psu,district,education,D1,A,5,,,\n",
                                  "E1,2018-01-01,dissolve,N,,,,\nE2,2019-01-01,establish,,N,,,\n", "events.csv", 2, "E1", "opens only later"),
    "merge target not open": ("", "E1,2018-01-01,dissolve,S1,,,,\nE2,2019-01-01,merge,S2,S1,,,\n", "events.csv", 3, "E2", "gives to 'S1', which is not open"),
    "dissolve target not open": ("", "E1,2018-01-01,dissolve,S1,,,,\nE2,2019-01-01,dissolve,S2,S1,,,\n", "events.csv", 3, "E2", "gives to 'S1'"),
    "opens a unit twice": ("N,new,psu,district,education,D1,A,5,,,\n",
                           "E1,2018-01-01,establish,,N,,,\nE2,2019-01-01,establish,,N,,,\n", "events.csv", 3, "E2", "already opens"),
    "merge with two targets": ("", "E1,2018-01-01,merge,S2,S1;S3,,,\n", "events.csv", 2, "E1", "exactly one target"),
    "consolidate one source": ("N,new,psu,district,education,D1,A,5,,,\n", "E1,2018-01-01,consolidate,S2,N,,,\n", "events.csv", 2, "E1", "at least two sources"),
    "split one target": ("N,new,psu,district,education,D1,A,5,,,\n", "E1,2018-01-01,split,S2,N,,,\n", "events.csv", 2, "E1", "at least two targets"),
    "establish with source": ("N,new,psu,district,education,D1,A,5,,,\n", "E1,2018-01-01,establish,S2,N,,,\n", "events.csv", 2, "E1", "no sources"),
    "transfer with target": ("", "E1,2018-01-01,transfer,S2,S1,D2,,\n", "events.csv", 2, "E1", "no targets"),
    "transfer without new parent": ("", "E1,2018-01-01,transfer,S2,,,,\n", "events.csv", 2, "E1", "no new_parent_id"),
    "merge into itself": ("", "E1,2018-01-01,merge,S2,S2,,,\n", "events.csv", 2, "E1", "both source and target"),
    "orphan at open": ("N,new,psu,district,education,M,A,5,,,\nM,later,agency,district,education,D1,A,5,,,\n",
                       "E1,2018-01-01,establish,,N,,,\nE2,2019-01-01,establish,,M,,,\n", "events.csv", 2, "E1", "which is not open"),
    "orphan from start": ("N,new,psu,district,education,M,A,5,,,\nM,later,agency,district,education,D1,A,5,,,\n",
                          "E2,2019-01-01,establish,,M,,,\n", "units.csv", 13, "N", "opens only later"),
    "dissolve parent with children": ("", "E1,2018-01-01,dissolve,DEP,,,,\n", "events.csv", 2, "E1", "still manages"),
    "split parent with children": ("N1,a,agency,province,health,P,province,5,,,\nN2,b,agency,province,health,P,province,5,,,\n",
                                   "E1,2018-01-01,split,DEP,N1;N2,,,\n", "events.csv", 2, "E1", "still manages"),
    "transfer cycle": ("", "E1,2018-01-01,transfer,DEP,,DIV1,,\n", "events.csv", 2, "E1", "cycle"),
    "merge into own child": ("", "E1,2018-01-01,merge,DEP,DIV1,,,\n", "events.csv", 2, "E1", "cycle"),
    "cycle at start": ("A1,a,agency,province,health,A2,province,5,,,\nA2,b,agency,province,health,A1,province,5,,,\n", "", "units.csv", 13, "A1", "cycle"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_registry_refused(case, make_registry):
    extra_units, events, file, line, id_, words = INVALID[case]
    if extra_units is None:  # missing column: drop staff from the header and rows
        header = UNITS_HEADER.replace(",staff", "")
        rows = "".join(",".join(r.split(",")[:7] + r.split(",")[8:]) + "\n" for r in BASE_UNITS.splitlines())
        path = make_registry(events, units_rows=rows, units_header=header)
    else:
        path = make_registry(events, units_rows=BASE_UNITS + extra_units)
    assert_problem(problems_of(path), file, line, id_, words)


def test_all_problems_reported_most_important_first(make_registry):
    path = make_registry("E1,2018-01-01,merge,S9,S1,,,\nE1,2019-01-01,dissolve,DEP,,,,\n",
                         units_rows=BASE_UNITS + "X,x,psu,district,health,,A,-1,,,\n")
    probs = problems_of(path)
    assert len(probs) >= 4
    ranks = probs["rank"].tolist()
    assert ranks == sorted(ranks)
    assert "duplicate event_id" in probs["message"].iloc[0]


def test_missing_folder_and_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_registry(tmp_path / "nope")
    (tmp_path / "units.csv").write_text(UNITS_HEADER + "\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="events.csv is missing"):
        load_registry(tmp_path)


def test_header_only_events_are_fine(make_registry):
    assert len(load_registry(make_registry("")).events) == 0


# ---- accepted oddities, each with a warning

def _warnings(path):
    reg = load_registry(path)
    return reg, " | ".join(reg.warnings["message"])


def test_bom_is_accepted_silently(tmp_path):
    path = write_registry(tmp_path / "r", BASE_UNITS, "")
    data = (path / "units.csv").read_bytes()
    (path / "units.csv").write_bytes(b"\xef\xbb\xbf" + data)
    reg, w = _warnings(path)
    assert len(reg.units) == 11 and w == ""


def test_semicolon_csv(tmp_path):
    path = write_registry(tmp_path / "r", BASE_UNITS, 'E1;2018-01-01;merge;"S2;S3";S1;;;\n',
                          events_header=EVENTS_HEADER.replace(",", ";"))
    text = (path / "units.csv").read_text(encoding="utf-8").replace(",", ";")
    (path / "units.csv").write_text(text, encoding="utf-8")
    reg, w = _warnings(path)
    assert "';' between columns" in w
    assert len(reg.units) == 11 and reg.events["sources"].iloc[0] == ("S2", "S3")


def test_windows_1258_text_is_decoded_and_normalised(tmp_path):
    import unicodedata

    name = "Trường Tiểu học Hạ Long"
    rows = BASE_UNITS + f"X,{name},psu,district,education,D1,A,5,,,\n"
    path = write_registry(tmp_path / "r", rows, "")
    raw = (path / "units.csv").read_text(encoding="utf-8")
    (path / "units.csv").write_bytes(unicodedata.normalize("NFD", raw).encode("cp1258", errors="ignore"))
    reg, w = _warnings(path)
    assert "Windows-1258" in w
    got = reg.units.set_index("unit_id").at["X", "name"]
    assert got == unicodedata.normalize("NFC", got)


def test_exact_duplicate_rows_are_duplicate_ids(make_registry):
    probs = problems_of(make_registry("E1,2018-01-01,merge,S2,S1,,,\nE1,2018-01-01,merge,S2,S1,,,\n",
                                      units_rows=BASE_UNITS + BASE_UNITS.splitlines()[9] + "\n"))
    assert_problem(probs, "units.csv", 13, "S2", "repeats line 11 exactly")
    assert_problem(probs, "events.csv", 3, "E1", "repeats line 2 exactly")
    assert len(probs) == 2  # no follow-on errors


@pytest.mark.parametrize("staff", ["12.0", "1e2", "+5", "1 200", "twelve"])
def test_staff_must_be_plain_digits(staff, make_registry):
    probs = problems_of(make_registry(units_rows=BASE_UNITS + f'X,x,psu,district,health,DEP,A,"{staff}",,,\n'))
    assert_problem(probs, "units.csv", 13, "X", "digits only")


def test_ambiguous_day_month_refused(make_registry):
    probs = problems_of(make_registry("E1,01/02/2018,merge,S2,S1,,,\n"))
    assert_problem(probs, "events.csv", 2, "E1", "ambiguous")


def test_stray_spaces_trailing_columns_rows_and_dmy_dates(tmp_path):
    units = BASE_UNITS.replace("S2,Trường", " S2 ,Trường")
    path = write_registry(tmp_path / "r", "".join(r + ",,\n" for r in units.splitlines()) + ",,,,,,,,,,,,\n",
                          "E1,31/12/2018,merge, S2 ;,S1,,,\n", units_header=UNITS_HEADER + ",,")
    reg, w = _warnings(path)
    assert "stray spaces" in w and "trailing column" in w and "day/month/year" in w
    assert reg.events["date"].iloc[0].isoformat() == "2018-12-31"
    assert reg.events["sources"].iloc[0] == ("S2",)


def test_ambiguous_and_impossible_dates_refused(make_registry):
    probs = problems_of(make_registry("E1,2018/12/31,merge,S2,S1,,,\n"))
    assert_problem(probs, "events.csv", 2, "E1", "YYYY-MM-DD")


def test_huge_staff_refused(make_registry):
    probs = problems_of(make_registry(units_rows=BASE_UNITS + "X,x,psu,district,health,DEP,A,99999999,,,\n"))
    assert_problem(probs, "units.csv", 13, "X", "implausibly large")


def test_excel_workbook(tmp_path):
    import openpyxl
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "units"
    ws.append(UNITS_HEADER.split(","))
    for row in BASE_UNITS.splitlines():
        cells = row.split(",")
        cells[7] = int(cells[7])
        ws.append(cells)
    ev = wb.create_sheet("events")
    ev.append(EVENTS_HEADER.split(","))
    ev.append(["E1", dt.datetime(2018, 1, 1), "merge", "S2", "S1", None, "1/QĐ-UBND", None])
    ev.append(["E2", dt.datetime(2018, 1, 1), "merge", "S9", "S1", None, None, None])
    wb.save(tmp_path / "reg.xlsx")
    probs = problems_of(tmp_path / "reg.xlsx")
    assert_problem(probs, "reg.xlsx[events]", 3, "E2", "'S9'")
    ev.delete_rows(3)
    wb.save(tmp_path / "reg.xlsx")
    reg = load_registry(tmp_path / "reg.xlsx")
    assert len(reg.events) == 1 and reg.events["date"].iloc[0].isoformat() == "2018-01-01"


def test_loader_never_changes_input(make_registry):
    path = make_registry("E1,2018-01-01,merge,S2,S1,,,\n")
    before = {p.name: p.read_bytes() for p in path.iterdir()}
    load_registry(path)
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before


def test_consolidate_under_its_own_source_says_how_to_fix(make_registry):
    units = BASE_UNITS + "N,Phòng mới,agency,province,health,DIV1,province,9,,,\n"
    probs = problems_of(make_registry("E1,2018-01-01,consolidate,DIV1;DIV2,N,,,\n", units_rows=units))
    assert_problem(probs, "events.csv", 2, "E1", "give 'N' the managing unit of the sources (e.g. 'DEP')")


def test_wrong_arity_reports_one_problem_not_a_cascade(make_registry):
    units = BASE_UNITS + "N1,a,psu,district,health,DEP,B,9,,,\n"
    probs = problems_of(make_registry("E1,2018-01-01,split,H2,N1,,,\nE2,2019-01-01,merge,N1,H1,,,\n", units_rows=units))
    assert len(probs) == 1 and "at least two targets" in probs["message"].iloc[0]
