"""Exports: Vietnamese number and date formats, generated texts, the Excel workbook and the Word
annex of build_report (reopened and read back), and the safety rules of the output folder.

Expected values come from the package API (orgmodel.progress, orgmodel.lineage); the only
literals are the bundled data's published calibration: 227 units = 18.0 %, 140 agencies, 87 PSUs.
"""

from __future__ import annotations

import unicodedata

import docx
import openpyxl
import pytest

from orgmodel import export as X
from orgmodel import fmt
from orgmodel import lineage as L
from orgmodel import progress as P
from orgmodel.errors import OutputError
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline

from conftest import QN, TINY_SCENARIO
B, D = "2015-12-31", "2021-12-31"

SCENARIO = TINY_SCENARIO.format(name="tiny-report", description="Hai cặp đơn vị sự nghiệp sáp nhập")


@pytest.fixture(scope="module")
def tl(qn_timeline):
    return qn_timeline


@pytest.fixture(scope="module")
def report(tmp_path_factory, tl):
    """The Vietnamese status report of the bundled registry (no scenario), built once."""
    out = tmp_path_factory.mktemp("reports") / "status"
    assert X.build_report(QN, B, D, out) == out
    return out


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize("value, lang, expected", [
    (1261, "vi", "1.261"), (1261, "en", "1,261"), (1234567, "vi", "1.234.567"), (0, "vi", "0"),
    (-227, "vi", "-227"), (12.345, "vi", "12"),
])
def test_number(value, lang, expected):
    assert fmt.number(value, lang) == expected


def test_pct_and_change():
    assert fmt.pct(18.0, "vi") == "18,0%" and fmt.pct(18.0, "en") == "18.0%"
    assert fmt.pct(-18.0, "vi") == "-18,0%" and fmt.pct(5, "vi", sign=True) == "+5,0%"
    assert fmt.pct(1234.56, "vi", 2) == "1.234,56%"
    assert fmt.pct(-0.01, "vi") == "0,0%"  # no "-0,0%"
    assert fmt.change(-227) == "-227" and fmt.change(5) == "+5" and fmt.change(0) == "0"


def test_dates():
    assert fmt.date("2021-12-31", "vi") == "31/12/2021" and fmt.date("2021-12-31", "en") == "2021-12-31"
    assert fmt.date("2020-01-01", "vi") == "01/01/2020"
    assert fmt.since("2015-12-31", "vi") == "năm 2015" and fmt.since("2015-07-01", "vi") == "ngày 01/07/2015"


def test_labels_are_nfc():
    decomposed = unicodedata.normalize("NFD", "Giáo dục")
    assert fmt.sector("education") == "Giáo dục" and fmt.nfc(decomposed) == "Giáo dục"
    assert fmt.sector("new-thing") == "New thing"  # unknown codes stay readable
    with pytest.raises(ValueError):
        fmt.number(1, "fr")


# ---------------------------------------------------------------- texts


def test_summary_sentence_is_computed(tl):
    p = P.progress(tl, B, D).set_index("kind")
    text = X.summary_sentence(tl, B, D, "vi")
    a = p.loc["all"]
    assert text == (f"Đến {fmt.date(D)} toàn tỉnh giảm {fmt.number(int(a['reduced']))} đầu mối, đạt "
                    f"{fmt.pct(float(a['reduced_pct']))} so với năm 2015, trong đó giảm {int(p.loc['agency', 'reduced'])} "
                    f"cơ quan, tổ chức hành chính và giảm {int(p.loc['psu', 'reduced'])} đơn vị sự nghiệp công lập.")
    # the bundled data's published calibration
    assert text == ("Đến 31/12/2021 toàn tỉnh giảm 227 đầu mối, đạt 18,0% so với năm 2015, trong đó giảm 140 "
                    "cơ quan, tổ chức hành chính và giảm 87 đơn vị sự nghiệp công lập.")
    assert "227" in X.summary_sentence(tl, B, D, "en") and "18.0%" in X.summary_sentence(tl, B, D, "en")


def test_summary_sentence_when_units_were_added(make_registry):
    tl = Timeline(load_registry(make_registry("E1,2017-01-01,establish,,N1;N2,,,\n", units_rows=_with_new_units())))
    text = X.summary_sentence(tl, "2016-12-31", "2017-12-31", "vi")
    assert text.startswith("Đến 31/12/2017 toàn tỉnh tăng 2 đầu mối") and "đơn vị sự nghiệp công lập tăng 2" in text
    assert "cơ quan, tổ chức hành chính không đổi" in text


def _with_new_units() -> str:
    from conftest import BASE_UNITS

    return BASE_UNITS + "N1,Trường mới 1,psu,district,education,D1,A,20,4,21.1,107.1\nN2,Trường mới 2,psu,district,education,D1,A,20,4,21.1,107.1\n"


def test_reconciliation_and_target_sentences(tl):
    p = P.progress(tl, B, D).set_index("kind").loc["all"]
    text = X.reconciliation_sentence(tl, B, D, "vi")
    assert (f"{fmt.number(int(p['baseline']))} - {fmt.number(int(p['closed']))} + {fmt.number(int(p['opened']))} = "
            f"{fmt.number(int(p['current']))}.") in text
    res = P.check_target(tl, f"reduce psu by >= 10% against {B}", D)
    assert res.met and res.first_met.year == 2020
    assert X.target_sentence(tl, "psu", 10, B, D, "vi").endswith(f"đã đạt từ ngày {fmt.date(res.first_met)}.")


# ---------------------------------------------------------------- the report folder


def test_report_folder(report):
    assert (report / ".orgmodel-output").is_file()
    names = {p.name for p in report.iterdir()}
    assert {"annex.docx", "tables.xlsx", "figures", "README.md"} <= names
    pngs = sorted(p.stem for p in (report / "figures").glob("*.png"))
    assert pngs == sorted(p.stem for p in (report / "figures").glob("*.svg"))
    assert {"01-progress", "02-reconciliation", "03-trajectory", "04-by-sector", "05-by-locality"} <= set(pngs)
    assert any(s.startswith("06-org-chart-") for s in pngs)


def test_workbook_sheets_and_values(report, tl):
    wb = openpyxl.load_workbook(report / "tables.xlsx")
    s = {k: X.sheet(k, "vi") for k in X.SHEETS}
    assert wb.sheetnames == [s[k] for k in ("cover", "progress", "reconciliation", "trajectory", "sector", "locality", "crosswalk")]
    ws = wb[s["progress"]]
    assert ws["A1"].value == X.progress_table(tl, B, D, "vi").title  # a title row above the header
    header = [c.value for c in ws[2]]
    assert header[0] == "Loại hình" and header[1] == "Số đầu mối 31/12/2015" and all(c.font.bold for c in ws[2])
    assert ws.freeze_panes in ("A3", "B3")
    rows = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    p = P.progress(tl, B, D).set_index("kind")
    for kind in ("agency", "psu", "all"):
        row = rows[fmt.kind(kind, "vi")]
        assert row[1:4] == (int(p.loc[kind, "baseline"]), int(p.loc[kind, "current"]), int(p.loc[kind, "reduced"]))
        assert isinstance(row[3], int) and row[4] == pytest.approx(float(p.loc[kind, "reduced_pct"]))
    assert rows["Tổng số đầu mối"][3] == 227 and round(rows["Tổng số đầu mối"][4], 1) == 18.0
    assert ws["E3"].number_format == "0.0" and ws["B3"].number_format == "#,##0"
    assert ws.column_dimensions["A"].width >= len("Cơ quan, tổ chức hành chính")
    # reconciliation: start - closed + opened = end on every row
    for r in wb[s["reconciliation"]].iter_rows(min_row=3, values_only=True):
        assert r[1] - sum(r[2:6]) + r[6] == r[7]
    # trajectory: one row per year, counts as numbers
    years = [r[0] for r in wb[s["trajectory"]].iter_rows(min_row=3, values_only=True)]
    assert years == list(range(2015, 2022))
    # crosswalk: every row of the package's crosswalk
    assert wb[s["crosswalk"]].max_row - 2 == len(L.crosswalk(tl, B, D))


def test_annex_contains_computed_figures(report, tl):
    doc = docx.Document(report / "annex.docx")
    body = "\n".join(p.text for p in doc.paragraphs)
    assert X.summary_sentence(tl, B, D, "vi") in body
    assert "227" in body and "18,0%" in body and "140" in body and "87" in body
    assert X.reconciliation_sentence(tl, B, D, "vi") in body
    assert len(doc.inline_shapes) == len(list((report / "figures").glob("*.png")))
    xml = doc.element.body.xml
    assert "SEQ Hình" in xml and "SEQ Bảng" in xml  # numbered captions Word can renumber
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells[0][0] == "Loại hình" and cells[-1][0] == "Tổng số đầu mối"
    a = P.progress(tl, B, D).set_index("kind").loc["all"]
    assert cells[-1][1:] == [fmt.number(int(a["baseline"])), fmt.number(int(a["current"])), fmt.number(int(a["reduced"])),
                             fmt.number(float(a["reduced_pct"]), "vi", 1)]
    assert cells[-1][3:] == ["227", "18,0"]
    assert doc.sections[0].page_width.cm == pytest.approx(21.0, abs=0.01)


def test_english_report_with_scenario(tmp_path):
    from conftest import BASE_UNITS, write_registry

    write_registry(tmp_path / "reg", BASE_UNITS, "")
    (tmp_path / "scenarios").mkdir()
    scn_path = tmp_path / "scenarios" / "tiny.yaml"
    scn_path.write_text(SCENARIO.replace("registry: reg", "registry: ../reg"), encoding="utf-8")
    out = X.build_report(tmp_path / "reg", "2015-12-31", "2021-12-31", tmp_path / "out", scenario=scn_path, lang="en")
    wb = openpyxl.load_workbook(out / "tables.xlsx")
    s = {k: X.sheet(k, "en") for k in X.SHEETS}
    assert {s["progress"], s["plan"], s["frontier"], s["targets"]} <= set(wb.sheetnames)
    plan = list(wb[s["plan"]].iter_rows(min_row=3, values_only=True))
    from orgmodel.optimise import solve_scenario
    from orgmodel.scenario import load_scenario

    sol = solve_scenario(load_scenario(scn_path))
    assert sorted(r[0] for r in plan) == sorted(sol.plan["unit_id"])
    assert all(isinstance(r[7], int) for r in plan)  # staff stays a number
    body = "\n".join(p.text for p in docx.Document(out / "annex.docx").paragraphs)
    assert "Restructuring plan for public service units" in body and "tiny-report" not in body.split("Parameters")[0]
    figures = {p.stem for p in (out / "figures").glob("*.png")}
    assert {"07-plan-by-sector", "08-plan-by-locality", "09-merge-map", "10-frontier"} <= figures


def test_refuses_to_write_inside_the_registry(tmp_path, make_registry, english):
    reg = make_registry()
    before = sorted(p.name for p in reg.iterdir())
    with pytest.raises(OutputError, match="registry"):
        X.build_report(reg, "2015-12-31", "2021-12-31", reg / "report")
    assert sorted(p.name for p in reg.iterdir()) == before


def test_refuses_a_folder_of_foreign_files_unless_forced(tmp_path, make_registry):
    reg = make_registry()
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    with pytest.raises(OutputError, match="không do orgmodel ghi"):
        X.build_report(reg, "2015-12-31", "2021-12-31", out, org_units=[])
    assert (out / "notes.txt").exists()
    X.build_report(reg, "2015-12-31", "2021-12-31", out, org_units=[], force=True)
    assert not (out / "notes.txt").exists() and (out / "annex.docx").exists()
    X.build_report(reg, "2015-12-31", "2021-12-31", out, org_units=[])  # orgmodel's own folder: replaced
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_tables_for_notebooks(tl):
    t = X.progress_table(tl, B, D, "vi")
    html = t._repr_html_()
    assert "1.261" in html and "18,0" in html and t.title in html
    fates = X.fate_table(tl, B, D, "vi").frame
    assert fates.iloc[:, -1].sum() == P.progress(tl, B, D).set_index("kind").loc["all", "baseline"]


def test_cli_report_command(make_registry, tmp_path, capsys):
    from orgmodel.cli import main

    reg = make_registry("E1,2017-01-01,merge,S2,S1,,,\n")
    with pytest.raises(SystemExit) as info:
        main(["report", str(reg), "--baseline", "2016-12-31", "--as-of", "2018-12-31", "--out", str(tmp_path / "r"), "--lang", "en"])
    assert info.value.code == 0, capsys.readouterr().err
    assert (tmp_path / "r" / "annex.docx").is_file() and (tmp_path / "r" / "tables.xlsx").is_file()
    with pytest.raises(SystemExit) as info:  # writing into the registry: a message, exit 3, no traceback
        main(["report", str(reg), "--as-of", "2018-12-31", "--out", str(reg / "r")])
    err = capsys.readouterr().err
    assert info.value.code == 3 and "Traceback" not in err
