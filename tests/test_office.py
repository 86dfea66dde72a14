"""Office outputs reopened and checked: the Word annex (vi-VN language tag on styles and runs,
Decree 30/2020 page setup, SEQ-numbered captions, repeated table headers, fitted column widths,
parameters and sources) and the Excel workbook (cover sheet, title rows, A4 print setup with
repeated header rows, frozen panes, text never stored as a formula); CSV outputs with a UTF-8 BOM
and OWASP escaping."""

from __future__ import annotations

import docx
import openpyxl
import pandas as pd
import pytest
from docx.oxml.ns import qn

from orgmodel import export as X
from orgmodel.files import atomic_write_csv

from conftest import BASE_UNITS

B, D = "2015-12-31", "2021-12-31"
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3+4", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A Vietnamese report of a small registry whose unit names start like formulas."""
    from conftest import write_registry

    base = tmp_path_factory.mktemp("office")
    rows = BASE_UNITS.splitlines()
    for i, name in enumerate(HOSTILE):
        rows.append(f"X{i},\"{name.replace(chr(34), chr(34) * 2)}\",psu,district,education,D1,A,10,4,21.1,107.1")
    write_registry(base / "reg", "\n".join(rows) + "\n", "E1,2017-01-01,merge,S2,S1,,,\n")
    return X.build_report(base / "reg", B, D, base / "out", org_units=["DEP"])


def test_annex_language_is_vietnamese(report):
    doc = docx.Document(report / "annex.docx")
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"
    normal = doc.styles["Normal"].element.rPr
    assert normal.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"
    runs = list(doc.element.body.iter(qn("w:r")))
    assert runs and all(r.find(qn("w:rPr")).find(qn("w:lang")).get(qn("w:val")) == "vi-VN" for r in runs)
    assert doc.core_properties.language == "vi-VN"


def test_annex_page_setup_follows_decree_30(report):
    doc = docx.Document(report / "annex.docx")
    s = doc.sections[0]
    assert (round(s.page_width.cm, 1), round(s.page_height.cm, 1)) == (21.0, 29.7)
    within = lambda v, lo, hi: lo - 0.01 <= v.cm <= hi + 0.01  # noqa: E731  (Word stores twips)
    assert within(s.top_margin, 2.0, 2.5) and within(s.bottom_margin, 2.0, 2.5)
    assert within(s.left_margin, 3.0, 3.5) and within(s.right_margin, 1.5, 2.0)
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and 13 <= normal.font.size.pt <= 14


def test_annex_captions_are_seq_fields(report):
    doc = docx.Document(report / "annex.docx")
    fields = [f.get(qn("w:instr")).strip() for f in doc.element.body.iter(qn("w:fldSimple"))]
    tables = [f for f in fields if f.startswith("SEQ Bảng")]
    figures = [f for f in fields if f.startswith("SEQ Hình")]
    assert len(tables) == len(doc.tables) and len(figures) == len(doc.inline_shapes) > 0
    # the cached numbers count 1, 2, 3 ... in order
    numbers = [int("".join(t.text for t in f.iter(qn("w:t")))) for f in doc.element.body.iter(qn("w:fldSimple"))
               if f.get(qn("w:instr")).strip().startswith("SEQ Bảng")]
    assert numbers == list(range(1, len(numbers) + 1))


def test_annex_tables_repeat_their_header_and_fit_their_content(report):
    doc = docx.Document(report / "annex.docx")
    for t in doc.tables:
        hdr = t.rows[0]._tr.trPr.find(qn("w:tblHeader"))
        assert hdr is not None and hdr.get(qn("w:val")) == "true"
    widths = [c.width.cm for c in doc.tables[0].columns]
    assert len(set(round(w, 2) for w in widths)) > 1  # not equal widths: fitted to the content
    assert sum(widths) == pytest.approx(16.5, abs=0.05)


def test_annex_states_parameters_and_sources(report):
    body = "\n".join(p.text for p in docx.Document(report / "annex.docx").paragraphs)
    assert "Tham số và nguồn số liệu" in body and "Mốc so sánh: 31/12/2015" in body
    assert "Sơ đồ tổ chức" in body and "hàm mục tiêu" not in body


def test_workbook_cover_sheet(report):
    wb = openpyxl.load_workbook(report / "tables.xlsx")
    cover = wb[wb.sheetnames[0]]
    assert wb.sheetnames[0] == "Thông tin chung"
    labels = {r[0]: r[1] for r in cover.iter_rows(min_row=3, values_only=True) if r[0]}
    assert labels["Mốc so sánh"] == "31/12/2015" and labels["Thời điểm báo cáo"] == "31/12/2021"
    assert "Số liệu mô phỏng" in labels and "Sổ theo dõi" in labels


def test_workbook_print_setup(report):
    wb = openpyxl.load_workbook(report / "tables.xlsx")
    for ws in wb.worksheets[1:]:
        assert ws["A1"].value and ws["A1"].font.bold  # a title row
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$1:$2"
        assert ws.freeze_panes in ("A3", "B3")
    wide = wb["Chuyển đổi đơn vị"]
    assert wide.page_setup.orientation == "landscape"
    assert wb["Tiến độ"].page_setup.orientation == "portrait"
    assert "(%)" in [c.value for c in wb["Tiến độ"][2]][4]  # units in the headers


def test_workbook_never_stores_text_as_a_formula(report):
    wb = openpyxl.load_workbook(report / "tables.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value in HOSTILE:
                    assert c.data_type == "s"
                    seen.add(c.value)
    assert seen >= set(HOSTILE[:4])  # the names reached the workbook (tab and CR starts are trimmed on reading)


def test_csv_has_a_bom_and_escapes_formulas(tmp_path):
    df = pd.DataFrame({"name": HOSTILE + ["Trường Tiểu học"], "n": [-1, 2, 3, 4, 5, 6, 7]})
    path = atomic_write_csv(df, tmp_path / "x.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r["name"] for r in rows] == ["'" + v.replace("\r", "\n") for v in HOSTILE] + ["Trường Tiểu học"]
    assert [r["n"] for r in rows] == ["-1", "2", "3", "4", "5", "6", "7"]  # numbers are never touched


def test_registry_files_stay_plain_data(tmp_path):
    """Files of the registry format are data orgmodel reads back: no BOM, values unchanged."""
    df = pd.DataFrame({"unit_id": ["U1"], "name": ["=Trường"], "staff": [-1]})
    data = atomic_write_csv(df, tmp_path / "units.csv").read_bytes()
    assert data == "unit_id,name,staff\nU1,=Trường,-1\n".encode("utf-8")


def test_figures_are_cached_by_their_inputs(tmp_path, monkeypatch):
    from conftest import write_registry

    monkeypatch.setenv("ORGMODEL_CACHE", str(tmp_path / "cache"))
    write_registry(tmp_path / "reg", BASE_UNITS, "E1,2017-01-01,merge,S2,S1,,,\n")
    first = X.build_report(tmp_path / "reg", B, D, tmp_path / "a", org_units=[])
    cached = sorted(p.name for p in (tmp_path / "cache").rglob("*.png"))
    assert len(cached) == len(list((first / "figures").glob("*.png"))) > 0
    second = X.build_report(tmp_path / "reg", B, D, tmp_path / "b", org_units=[])
    for png in (first / "figures").glob("*.*"):
        assert (second / "figures" / png.name).read_bytes() == png.read_bytes()
    X.build_report(tmp_path / "reg", B, D, tmp_path / "c", org_units=[], lang="en")  # other inputs: drawn anew
    assert len(list((tmp_path / "cache").rglob("*.png"))) == 2 * len(cached)


def test_report_computes_the_state_once(tmp_path, monkeypatch):
    """The report reads one View: progress is computed once, whatever the number of tables,
    texts and figures that show it."""
    from conftest import write_registry

    from orgmodel import progress as P

    calls = []
    real = P.progress_table
    monkeypatch.setattr(P, "progress_table", lambda *a, **k: calls.append(a[1:]) or real(*a, **k))
    write_registry(tmp_path / "reg", BASE_UNITS, "E1,2017-01-01,merge,S2,S1,,,\n")
    X.build_report(tmp_path / "reg", B, D, tmp_path / "out", org_units=[])
    assert len(calls) == 1


def test_figure_cache_key_ignores_solver_timings(tmp_path):
    from conftest import TINY_SCENARIO, write_registry

    from orgmodel.optimise import solve_scenario
    from orgmodel.outputs.report import figure_key
    from orgmodel.registry import load_registry
    from orgmodel.scenario import load_scenario
    from orgmodel.timeline import Timeline
    from orgmodel.views import View

    write_registry(tmp_path / "reg", BASE_UNITS, "")
    (tmp_path / "scn.yaml").write_text(TINY_SCENARIO.format(name="t", description="x"), encoding="utf-8")
    scn = load_scenario(tmp_path / "scn.yaml")
    view = View(Timeline(load_registry(tmp_path / "reg")), D, B)
    one, two = solve_scenario(scn), solve_scenario(scn)
    two.summary["solver"] = dict(two.summary.get("solver") or {}, seconds=123.0)
    assert figure_key(view, one, None, "vi", None) == figure_key(view, two, None, "vi", None)
    assert figure_key(view, one, None, "vi", None) != figure_key(view, one, None, "en", None)


def test_state_figures_are_shared_by_every_scenario_report(tmp_path, monkeypatch):
    from conftest import TINY_SCENARIO, write_registry

    monkeypatch.setenv("ORGMODEL_CACHE", str(tmp_path / "cache"))
    write_registry(tmp_path / "reg", BASE_UNITS, "")
    (tmp_path / "scn.yaml").write_text(TINY_SCENARIO.format(name="t", description="x"), encoding="utf-8")
    status = X.build_report(tmp_path / "reg", B, D, tmp_path / "status", org_units=[])
    n_state = len(list((status / "figures").glob("*.png")))
    plan = X.build_report(tmp_path / "reg", B, D, tmp_path / "plan", org_units=[], scenario=tmp_path / "scn.yaml",
                          frontier_steps=2)
    n_plan = len(list((plan / "figures").glob("*.png"))) - n_state
    assert n_plan > 0 and len(list((tmp_path / "cache").rglob("*.png"))) == n_state + n_plan
