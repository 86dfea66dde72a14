"""Hostile inputs, class 7: encodings and delimiters. What Excel and e-mail produce on Vietnamese
desks (UTF-16 "Unicode Text", UTF-16 without a byte-order mark, UTF-32, Windows-1258, NUL bytes,
tab- or semicolon-delimited regional exports, a workbook saved under a .csv name) is diagnosed by
name with what to do, or read as intended with a warning; never reported as missing columns.
Every file is generated here from the tiny registry of conftest."""

from __future__ import annotations

import io
import unicodedata

import pytest
from conftest import BASE_UNITS, EVENTS_HEADER, UNITS_HEADER, write_registry

from orgmodel import i18n
from orgmodel.cli import main
from orgmodel.registry import load_registry

TONES = "\u0300\u0301\u0303\u0309\u0323"  # the five tone marks Windows-1258 writes as separate characters


pytestmark = pytest.mark.usefixtures("english")  # the English wording is checked


def cp1258(text: str) -> bytes:
    """Text as Vietnamese Windows (code page 1258) writes it: base letter, then the tone mark."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            tone = "".join(c for c in d if c in TONES)
            base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES))
            out += (base + tone).encode("cp1258")
    return bytes(out)


UNITS = UNITS_HEADER + "\n" + BASE_UNITS


def utf16le_no_bom(t: str) -> bytes:
    return t.encode("utf-16-le")


def xlsx_bytes(t: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in t.strip().splitlines():
        wb.active.append(row.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


REFUSED = {
    # name: (bytes of units.csv, words of the diagnosis)
    "utf16-le-bom": (b"\xff\xfe" + UNITS.encode("utf-16-le"), "units.csv is UTF-16 text (Excel's 'Unicode Text')"),
    "utf16-be-bom": (b"\xfe\xff" + UNITS.encode("utf-16-be"), "units.csv is UTF-16 text"),
    "utf16-le-no-bom": (utf16le_no_bom(UNITS), "units.csv is UTF-16 text"),
    "utf16-be-no-bom": (UNITS.encode("utf-16-be"), "units.csv is UTF-16 text"),
    "excel-unicode-text": (b"\xff\xfe" + UNITS.replace(",", "\t").encode("utf-16-le"), "units.csv is UTF-16 text"),
    "utf32": (UNITS.encode("utf-32"), "units.csv is UTF-32 text"),
    "nul-bytes": (UNITS.replace("Phòng Kế hoạch", "Phòng\0Kế hoạch").encode("utf-8"),
                  "units.csv:7: units.csv holds NUL bytes (the first on line 7)"),
    "xlsx-named-csv": (xlsx_bytes(UNITS), "units.csv is an Excel workbook (.xlsx) with a .csv name"),
    "utf8-with-a-damaged-byte": (UNITS.encode("utf-8").replace("Trường Tiểu học 2".encode("utf-8"), b"Tr\xb0\xf5ng Ti\xd2u h\xf2c 2"),
                                 "units.csv is UTF-8 text, but line 11 holds bytes that are not UTF-8"),
    "xls-named-csv": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000, "units.csv is an old Excel 97-2003 workbook (.xls)"),
}


def validate(folder, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "Internal error" not in err, err
    return info.value.code, out, err


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_encoding_diagnosed_by_name(name, tmp_path, capsys):
    data, words = REFUSED[name]
    reg = write_registry(tmp_path / "reg")
    (reg / "units.csv").write_bytes(data)
    code, _, err = validate(reg, capsys)
    assert code == 1, err
    assert words in err, err
    assert "CSV UTF-8 (Comma delimited)" in err, "the diagnosis must say what to do"
    assert "missing" not in err and "column" not in err, "reported as missing columns:\n" + err
    assert (reg / "units.csv").read_bytes() == data


READ = {
    # name: (units.csv bytes, events.csv bytes, words of the warning)
    "windows-1258-semicolons": (cp1258(UNITS.replace(",", ";")), cp1258(EVENTS_HEADER.replace(",", ";") + "\n"),
                                "read as Windows-1258"),
    "tab-delimited": (UNITS.replace(",", "\t").encode("utf-8"), (EVENTS_HEADER.replace(",", "\t") + "\n").encode("utf-8"),
                      "units.csv uses tabs between columns"),
    "tab-delimited-with-bom": (b"\xef\xbb\xbf" + UNITS.replace(",", "\t").encode("utf-8"), EVENTS_HEADER.encode("utf-8"),
                               "units.csv uses tabs between columns"),
}


@pytest.mark.parametrize("name", sorted(READ))
def test_regional_exports_read_as_intended(name, tmp_path, capsys):
    units, events, words = READ[name]
    reg = write_registry(tmp_path / "reg")
    (reg / "units.csv").write_bytes(units)
    (reg / "events.csv").write_bytes(events)
    code, out, err = validate(reg, capsys)
    assert code == 0 and out.startswith("OK: 11 units"), err
    assert words in err
    names = load_registry(reg).units.set_index("unit_id")["name"]
    assert names["D1"] == "UBND huyện A" and names["S1"] == "Trường Tiểu học 1" and names["DIV1"] == "Phòng Tổ chức"
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


def test_cp1258_helper_really_writes_separate_tone_marks():
    assert cp1258("ệ") == "ê".encode("cp1258") + "\u0323".encode("cp1258")
    assert not cp1258(UNITS).decode("cp1258").isascii()


def test_unclosed_quote_is_named(tmp_path, capsys):
    """A careless quote swallows every later row: say where it opened, not 50 follow-on errors."""
    reg = write_registry(tmp_path / "reg", BASE_UNITS.replace("Phòng Kế hoạch", '"Phòng Kế hoạch'))
    code, _, err = validate(reg, capsys)
    assert code == 1
    assert "units.csv:7: units.csv: a double quote on line 7 is never closed, so lines 7-12 were read as one row" in err, err


def test_every_hostile_input_message_has_a_vietnamese_translation():
    """Vietnamese first: each message of the reading and writing layer is translated, in the
    catalogue; placeholders kept."""
    import string

    from babel.messages.extract import extract_from_file
    from conftest import ROOT

    translated = dict(i18n.catalogue("vi"))
    fields = lambda t: sorted(f for _, f, _, _ in string.Formatter().parse(t) if f)  # noqa: E731
    for module in ("readers", "files", "safeyaml"):
        for _line, msgid, _comments, _context in extract_from_file("python", ROOT / "orgmodel" / f"{module}.py", keywords={"_": None}):
            assert msgid in translated, f"{module}.py: no Vietnamese for {msgid!r}"
            assert fields(translated[msgid]) == fields(msgid), f"placeholders differ for {msgid!r}"
