"""Hostile inputs, class 3: bounded parsing. Small files built to explode (YAML alias bombs, deep
nesting, custom tags, merge keys; xlsx with an inflated used range, huge shared strings, zip
bombs; CSV values past the csv module's field limit; devices and pipes named like registry files)
are read in bounded time and memory or refused with the file, the line where known, and what to
do. Never a traceback, never exit 4. All inputs are generated here.

A guard (SIGALRM) turns a hang into a failure: it is not a timing test (speed lives in make
bench), it only stops a test that would otherwise never end."""

from __future__ import annotations

import io
import os
import re
import signal
import zipfile
from pathlib import Path

import pytest
from conftest import BASE_UNITS, EVENTS_HEADER, TINY_SCENARIO, UNITS_HEADER, write_registry

from orgmodel import readers
from orgmodel.cli import main


@pytest.fixture(autouse=True)
def english_and_guard(english):
    def hang(*_):
        raise TimeoutError("the input was not refused: it hung")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "Internal error" not in err, err
    return info.value.code, out, err


# ---------------------------------------------------------------- YAML

LAUGHS = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
YAML_BOMBS = {
    # name: (text appended to a valid scenario, words of the refusal)
    "billion-laughs": ("l0: &l0 [lol]\n" + LAUGHS, "YAML aliases (*l0) are not accepted"),
    "deep-block": ("deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)) + "  " * 60 + "x: 1\n",
                   "nested more than 20 levels deep"),
    "deep-flow": ("deep: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 20 levels deep"),
    "python-tag": ("evil: !!python/object/apply:os.system ['touch pwned']\n", "the YAML tag !!python/object/apply:os.system is not accepted"),
    "custom-tag": ("evil: !include /etc/passwd\n", "the YAML tag !include is not accepted"),
    "merge-key": ("base: &b {kind: psu}\nother:\n  <<: {kind: agency}\n", "YAML merge keys (<<) are not accepted"),
    "huge-number": ("n: " + "9" * 10_000 + "\n", "a number with 10000 characters"),
    "oversize": ("# " + "x" * 1_100_000 + "\n", "larger than 1,000,000 bytes"),
}


@pytest.mark.parametrize("name", sorted(YAML_BOMBS))
def test_hostile_scenario_yaml_refused(name, tmp_path, capsys):
    write_registry(tmp_path / "reg")
    extra, words = YAML_BOMBS[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(TINY_SCENARIO.format(name="bomb", description="x") + extra, encoding="utf-8")
    code, _, err = run(["solve", path, "--out", tmp_path / "out", "--quiet"], capsys)
    assert code == 2, err
    assert words in err and str(path) in err, err
    assert name == "oversize" or re.search(rf"{re.escape(str(path))}:\d+: ", err), "no file:line"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", sorted(YAML_BOMBS))
def test_hostile_registry_yaml_refused(name, tmp_path, capsys):
    reg = write_registry(tmp_path / "reg")
    extra, words = YAML_BOMBS[name]
    (reg / "registry.yaml").write_text("name: tiny\n" + extra, encoding="utf-8")
    code, _, err = run(["validate", reg], capsys)
    assert code == 2, err
    assert words in err and "registry.yaml" in err, err


def test_make_dependencies_skips_a_bomb(tmp_path):
    from orgmodel.scenario import make_dependencies

    write_registry(tmp_path / "reg")
    (tmp_path / "ok.yaml").write_text(TINY_SCENARIO.format(name="ok", description="x"), encoding="utf-8")
    (tmp_path / "bomb.yaml").write_text("l0: &l0 [lol]\n" + LAUGHS + "registry: reg\n", encoding="utf-8")
    rules = make_dependencies([tmp_path / "bomb.yaml", tmp_path / "ok.yaml"])
    assert "ok/summary.json" in rules and "bomb" not in rules


def test_dates_at_the_end_of_yaml_calendar_refused(tmp_path, capsys):
    reg = write_registry(tmp_path / "reg")
    (reg / "registry.yaml").write_text("name: tiny\nstart: 0000-01-01\n", encoding="utf-8")
    code, _, err = run(["validate", reg], capsys)
    assert code == 2 and "registry.yaml" in err and "YYYY-MM-DD" in err, err


def test_solver_threads_capped_to_the_machine(tmp_path):
    from orgmodel.scenario import load_scenario

    write_registry(tmp_path / "reg")
    path = tmp_path / "s.yaml"
    path.write_text(TINY_SCENARIO.format(name="s", description="x") + "solver:\n  threads: 100000\n", encoding="utf-8")
    assert load_scenario(path).solver.threads == (os.cpu_count() or 1)


# ---------------------------------------------------------------- xlsx


def _rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


def workbook_bytes(units=BASE_UNITS, events="") -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "units"
    for r in _rows(UNITS_HEADER + "\n" + units):
        ws.append(r)
    ev = wb.create_sheet("events")
    for r in _rows(EVENTS_HEADER + "\n" + events):
        ev.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite(data: bytes, change: dict, add: dict | None = None, method=zipfile.ZIP_DEFLATED) -> bytes:
    """The workbook with members changed by ``change[name](bytes) -> bytes`` and ``add`` added."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, change.get(info.filename, lambda b: b)(body))
        for name, body in (add or {}).items():
            if callable(body):
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(info, "w") as fh:  # streamed: never all in memory
                    body(fh)
            else:
                dst.writestr(name, body, compress_type=method)
    return buf.getvalue()


def inflate_range(xml: bytes) -> bytes:
    import re

    return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml)


def test_inflated_used_range_is_read_as_intended(tmp_path, capsys):
    """A1:XFD1048576 recorded as the used range of a 1,511-row sheet: read as its 1,511 rows (read
    padded to the recorded range, it would be 25 million cells)."""
    extra = "".join(f"X{i},Trường {i},psu,district,education,D1,A,10,4,,\n" for i in range(1500))
    data = rewrite(workbook_bytes(BASE_UNITS + extra),
                   {"xl/worksheets/sheet1.xml": inflate_range, "xl/worksheets/sheet2.xml": inflate_range})
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    (tmp_path / "reg.xlsx").write_bytes(data)
    code, out, err = run(["validate", tmp_path / "reg.xlsx"], capsys)
    assert code == 0 and out.startswith("OK: 1511 units"), err


def test_a_far_away_value_is_refused_not_padded(tmp_path, capsys):
    """A value in the last cell Excel allows: refused by its column, after reading one row."""
    def far(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')

    (tmp_path / "reg.xlsx").write_bytes(rewrite(workbook_bytes(), {"xl/worksheets/sheet1.xml": far}))
    code, _, err = run(["validate", tmp_path / "reg.xlsx"], capsys)
    assert code == 2 and "reg.xlsx[units]: row 1048576 has a value in column 16384" in err, err


def test_zip_bomb_refused_before_opening(tmp_path, capsys):
    def zeros(fh):
        chunk = b"\0" * (1 << 20)
        for _ in range(64):
            fh.write(chunk)

    data = rewrite(workbook_bytes(), {}, add={"xl/bomb.bin": zeros})
    assert len(data) < 1_000_000
    (tmp_path / "reg.xlsx").write_bytes(data)
    code, _, err = run(["validate", tmp_path / "reg.xlsx"], capsys)
    assert code == 2 and "xl/bomb.bin unpacks" in err and "zip bomb" in err, err


def test_huge_shared_strings_refused(tmp_path, monkeypatch, capsys):
    """Shared strings over the per-part limit (lowered here so that the test stays small);
    made of distinct words, so that the compression ratio alone would not catch it."""
    monkeypatch.setattr(readers, "MAX_XLSX_MEMBER", 1 << 20)
    words = "".join(f"<si><t>tên đơn vị {i:07d} {i * 7919 % 1000003}</t></si>" for i in range(40_000))
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + words + "</sst>").encode("utf-8")
    assert len(sst) > 1 << 20
    (tmp_path / "reg.xlsx").write_bytes(rewrite(workbook_bytes(), {}, add={"xl/sharedStrings.xml": sst}))
    code, _, err = run(["validate", tmp_path / "reg.xlsx"], capsys)
    assert code == 2 and "xl/sharedStrings.xml unpacks to" in err and "limit 1 MB per part" in err, err


def test_xml_entity_bomb_refused(tmp_path, capsys):
    """A billion-laughs DOCTYPE inside a sheet: openpyxl parses through defusedxml (a dependency)."""
    ents = '<!DOCTYPE w [<!ENTITY e0 "lol">' + "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)) + "]>"

    def bomb(xml: bytes) -> bytes:
        return (ents.encode() + xml).replace(b"<t>P</t>", b"<t>&e9;</t>", 1)

    (tmp_path / "reg.xlsx").write_bytes(rewrite(workbook_bytes(), {"xl/worksheets/sheet1.xml": bomb}))
    code, _, err = run(["validate", tmp_path / "reg.xlsx"], capsys)
    assert code == 2 and "Cannot open" in err and "reg.xlsx" in err, err


def test_too_many_parts_refused(tmp_path, capsys):
    data = rewrite(workbook_bytes(), {}, add={f"junk/{i}.xml": b"<x/>" for i in range(1_001)})
    (tmp_path / "reg.xlsx").write_bytes(data)
    code, _, err = run(["validate", tmp_path / "reg.xlsx"], capsys)
    assert code == 2 and "parts" in err and "limit 1000" in err, err


@pytest.mark.parametrize("body, words", [
    (b"unit_id,name\nA,B\n", "is not an .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "is not an .xlsx workbook"),
])
def test_not_a_workbook_refused(body, words, tmp_path, capsys):
    (tmp_path / "reg.xlsx").write_bytes(body)
    code, _, err = run(["validate", tmp_path / "reg.xlsx"], capsys)
    assert code == 2 and words in err and "save it as 'Excel Workbook (*.xlsx)'" in err, err


def test_too_many_cells_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(readers, "MAX_CELLS", 50)
    (tmp_path / "reg.xlsx").write_bytes(workbook_bytes())
    code, _, err = run(["validate", tmp_path / "reg.xlsx"], capsys)
    assert code == 2 and "more than 50 cells" in err, err


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize("careful", [False, True])
def test_csv_value_beyond_the_field_limit_is_read(careful, tmp_path, capsys):
    import csv

    long_name = "Trung tâm " + "x" * (csv.field_size_limit() + 10)
    units = BASE_UNITS.replace("Trung tâm Y tế A", long_name)
    if careful:  # a stray space sends the file to the careful (csv module) reader
        units = units.replace("S3,", " S3,")
    reg = write_registry(tmp_path / "reg", units)
    code, out, err = run(["validate", reg], capsys)
    assert code == 0 and out.startswith("OK: 11 units"), err
    from orgmodel.registry import load_registry

    assert load_registry(reg).units.set_index("unit_id").at["H1", "name"] == long_name
    assert csv.field_size_limit() < len(long_name), "the process-wide csv limit was left raised"


def test_csv_header_with_a_million_columns_refused(tmp_path, capsys):
    reg = write_registry(tmp_path / "reg")
    (reg / "events.csv").write_text(EVENTS_HEADER + "," * 1_000_000 + "\n" + ("x," * 1_000_000 + "\n") * 20, encoding="utf-8")
    code, _, err = run(["validate", reg], capsys)
    assert code == 1 and "events.csv:1: events.csv: the header has 1000008 columns; orgmodel reads at most 1000" in err, err


def test_registry_file_that_is_a_device_is_never_read(tmp_path, capsys):
    """units.csv -> /dev/zero (endless bytes): refused, never read (registry.py's own check calls
    it missing, as it is no file; readers.read_limited would refuse it as a device)."""
    reg = write_registry(tmp_path / "reg")
    (reg / "units.csv").unlink()
    (reg / "units.csv").symlink_to("/dev/zero")
    code, _, err = run(["validate", reg], capsys)
    assert code == 1 and "units.csv" in err, err
    with pytest.raises(Exception, match="units.csv is not a regular file"):
        readers.read_limited(reg / "units.csv", 1000, "CSV")


def test_registry_file_that_is_a_pipe_is_refused(tmp_path, capsys):
    reg = write_registry(tmp_path / "reg")
    os.mkfifo(reg / "registry.yaml")
    code, _, err = run(["validate", reg], capsys)
    assert code == 2 and "registry.yaml is not a regular file" in err, err


def test_oversized_csv_refused_before_reading(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(readers, "MAX_CSV_BYTES", 1000)
    reg = write_registry(tmp_path / "reg")
    with open(reg / "events.csv", "a", encoding="utf-8") as fh:
        fh.write("#" * 2000 + "\n")
    code, _, err = run(["validate", reg], capsys)
    assert code == 2 and "events.csv is 2," in err and "orgmodel reads CSV files of up to 1,000 bytes" in err, err
