"""One message catalogue: every message in orgmodel/ has a Vietnamese translation; Vietnamese is
the default, English on request; numbers and dates go through Babel.

How to fix a failure here: run ``make i18n`` (pybabel extract + update), then fill the empty
``msgstr`` of each message named below in orgmodel/locale/vi/LC_MESSAGES/orgmodel.po (keep every
``{placeholder}`` of the msgid).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orgmodel import fmt, i18n

ROOT = Path(__file__).resolve().parents[1]


def test_every_message_has_a_vietnamese_translation():
    messages = i18n.extracted_messages()
    assert len(messages) > 100  # the extractor sees the package's messages (not an empty scan)
    gaps = i18n.missing_translations("vi")
    assert not gaps, "no Vietnamese translation (run make i18n, fill msgstr):\n" + "\n".join(
        f"  orgmodel/{f}:{line}: {m!r}" for m, f, line in gaps)


def test_translations_keep_their_placeholders():
    bad = []
    for msgid, msgstr in i18n.catalogue("vi").items():
        if set(re.findall(r"\{(\w*)\}", msgid)) < set(re.findall(r"\{(\w*)\}", msgstr)):
            bad.append(msgid)  # a placeholder the code never fills
    assert not bad, bad


def test_a_missing_translation_is_caught(tmp_path):
    (tmp_path / "mod.py").write_text('from orgmodel.i18n import _\n_("A message nobody translated {x}", x=1)\n', encoding="utf-8")
    gaps = i18n.missing_translations("vi", root=tmp_path)
    assert [g[0] for g in gaps] == ["A message nobody translated {x}"]


def test_the_labels_file_reaches_the_catalogue(tmp_path):
    # Every row of orgmodel/data/labels.csv is extracted (so a label without Vietnamese is caught) ...
    extracted = {(m, f) for m, f, _line in i18n.extracted_messages()}
    rows = i18n._label_rows()
    assert len(rows) > 100
    assert {(msgid, "data/labels.csv") for _t, _k, msgid in rows} <= extracted
    # ... and a new row nobody translated is named with its line.
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "labels.csv").write_text("table,key,msgid\nsector,x,A sector nobody translated\n",
                                                  encoding="utf-8")
    assert i18n.missing_translations("vi", root=tmp_path) == [("A sector nobody translated", "data/labels.csv", 2)]
    # The tables read from it keep their keys and order.
    assert list(fmt.KIND) == ["agency", "psu", "all", "government"]
    assert fmt.sector("health", "vi") == "Y tế" and fmt.sector("health", "en") == "Health"
    with pytest.raises(KeyError):
        i18n.labels("no-such-table")


def test_vietnamese_by_default_english_on_request(monkeypatch):
    monkeypatch.delenv("ORGMODEL_LANG", raising=False)
    i18n.set_lang(None)
    assert i18n.get_lang() == "vi" and fmt.kind("psu") == "Đơn vị sự nghiệp công lập"
    monkeypatch.setenv("ORGMODEL_LANG", "en")
    assert i18n.get_lang() == "en" and fmt.kind("psu") == "Public service units"
    assert fmt.date("2021-12-31") == "2021-12-31" and fmt.number(1234.5, decimals=1) == "1,234.5"
    i18n.set_lang("vi")
    try:
        assert fmt.date("2021-12-31") == "31/12/2021" and fmt.number(1234.5, decimals=1) == "1.234,5"
    finally:
        i18n.set_lang(None)


def test_no_hand_written_number_or_date_formatter():
    assert "babel" in (ROOT / "orgmodel" / "fmt.py").read_text(encoding="utf-8")
    files = sorted((ROOT / "orgmodel" / "outputs").glob("*.py")) + [ROOT / "orgmodel" / n for n in ("fmt.py", "tables.py", "export.py")]
    for path in files:
        src = path.read_text(encoding="utf-8")
        for pattern in (r"\.replace\(\"[,.]\"", r":0?2d\}", r":,?\.\d+f\}", r":,\}", r"strftime", r"\w:g\}"):
            hits = [m.group(0) for m in re.finditer(pattern, src) if "check(f\"reduce" not in src[max(0, m.start() - 60):m.start()]]
            assert not hits, (path.name, pattern, hits)


def test_no_inline_language_branches_in_outputs():
    for path in sorted((ROOT / "orgmodel" / "outputs").glob("*.py")) + [ROOT / "orgmodel" / "fmt.py"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"lang\s*==\s*[\"'](vi|en)[\"']", text), path.name


def test_catalogue_files_ship_with_the_package():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "locale/*/LC_MESSAGES/*.po" in data["tool"]["setuptools"]["package-data"]["orgmodel"]
    assert (ROOT / "orgmodel" / "locale" / "vi" / "LC_MESSAGES" / "orgmodel.po").is_file()


@pytest.mark.parametrize("lang, expected", [("vi", "18,0%"), ("en", "18.0%")])
def test_pct_through_babel(lang, expected):
    assert fmt.pct(18.0, lang) == expected


def _run(argv, capsys):
    from orgmodel.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_cli_help_is_vietnamese_by_default_and_english_on_request(capsys, monkeypatch):
    monkeypatch.delenv("ORGMODEL_LANG", raising=False)
    code, out, _ = _run(["--help"], capsys)
    assert code == 0 and "Theo dõi cơ quan hành chính" in out and "Track agencies" not in out
    code, out, _ = _run(["--lang", "en", "report", "--help"], capsys)
    assert code == 0 and "Proposal-ready folder" in out
    monkeypatch.setenv("ORGMODEL_LANG", "en")
    code, out, _ = _run(["--help"], capsys)
    assert "Track agencies" in out
    assert i18n.get_lang() == "en"  # the CLI leaves the process's language as it found it


def test_cli_errors_follow_the_language(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("ORGMODEL_LANG", raising=False)
    from conftest import BASE_UNITS, write_registry

    write_registry(tmp_path / "reg", BASE_UNITS, "")
    args = ["report", str(tmp_path / "reg"), "--as-of", "2021-12-31", "--target", "bogus", "--out", str(tmp_path / "o")]
    code, _, err = _run(args, capsys)
    assert code == 2 and "nhập loại:phần trăm" in err and "Traceback" not in err
    code, _, err = _run(["--lang", "en"] + args, capsys)
    assert code == 2 and "give kind:percent" in err
    assert not (tmp_path / "o").exists()


def test_cli_report_writes_in_the_chosen_language(capsys, monkeypatch, tmp_path):
    import docx

    monkeypatch.delenv("ORGMODEL_LANG", raising=False)
    from conftest import BASE_UNITS, write_registry

    write_registry(tmp_path / "reg", BASE_UNITS, "E1,2017-01-01,merge,S2,S1,,,\n")
    common = ["report", str(tmp_path / "reg"), "--baseline", "2016-12-31", "--as-of", "2018-12-31", "--unit", "none"]
    code, _, err = _run(common + ["--out", str(tmp_path / "vi")], capsys)
    assert code == 0 and "đã ghi" in err
    assert "Tóm tắt" in "\n".join(p.text for p in docx.Document(tmp_path / "vi" / "annex.docx").paragraphs)
    monkeypatch.setenv("ORGMODEL_LANG", "en")
    code, _, err = _run(common + ["--out", str(tmp_path / "en")], capsys)
    body = "\n".join(p.text for p in docx.Document(tmp_path / "en" / "annex.docx").paragraphs)
    assert code == 0 and "wrote" in err and "Summary" in body and "Tóm tắt" not in body
    assert not list((tmp_path / "en" / "figures").glob("06-org-chart*"))  # --unit none: no chart


def test_cli_usage_errors_follow_the_language(capsys, monkeypatch):
    monkeypatch.delenv("ORGMODEL_LANG", raising=False)
    code, _, err = _run(["report", "data/quang-ninh"], capsys)
    assert code == 2 and "Thiếu --as-of" in err and "orgmodel report --help" in err
    code, _, err = _run(["--lang", "en", "report", "data/quang-ninh", "--as-of", "2021-12-31", "--bogus"], capsys)
    assert code == 2 and "No such option: --bogus" in err and "Traceback" not in err
