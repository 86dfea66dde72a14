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



# A translation that belongs to another message (a merge that shifted msgstrs by one, a copy-paste)
# or that dropped part of its source breaks the source's shape: its placeholders, its final mark, its
# code words and numbers. And a reviewer reads one Vietnamese term per concept across the catalogue.
_PLACEHOLDER = re.compile(r"\{\w*\}")
# what a planner types or reads as written: --options, file names, config keys, snake_case columns, numbers
_CODE = re.compile(r"--[a-z][\w-]*|[\w.-]+\.(?:csv|xlsx|xls|yaml|md|json|docx)\b|\b(?:rules|pins|solver)\.\w+"
                   r"|\b[a-z]+(?:_[a-z]+)+\b|\b\d+\b")
_ENDINGS = ("…", ":", ".", "?")
# (English concept, flags) -> the one Vietnamese term; checked on the prose of the msgid (code words left out)
_TERM_LINES = r"""
\bscenarios?\b                            => phương án
\bregistry\b                              => sổ theo dõi
\bbaseline\b                              => mốc
\bfrontier\b                              => đường biên chi phí
\bpins?\b                                 => ghim
\bdisruption\b                            => xáo trộn
\bcounted units?\b                        => đầu mối
\bleader                                  => lãnh đạo
\bmerge[sd]?\b|\bmerging\b                => sáp nhập
\bconsolidat                              => hợp nhất
\bdissol                                  => giải thể
\btransfer                                => điều chuyển
\bworkbooks?\b                            => excel
\bfolder\b                                => thư mục
\bpublic service units?\b|\b(?-i:PSUs?)\b  => sự nghiệp
"""
# (English concept, flags) -> the one Vietnamese term (a workbook is a tệp Excel, never a sổ tính);
# case-insensitive except where the pattern says (?-i:...)
TERMS = [(pattern.strip(), re.I, term.strip())
         for pattern, term in (line.split("=>") for line in _TERM_LINES.strip().splitlines())]
# words a Home Affairs reviewer would not expect for these concepts (scenario, registry, workbook, pin, seed, post)
NEVER = ("kịch bản", "sổ đăng ký", "sổ tính", "quyết định cố định", "hạt giống", "vị trí lãnh đạo")
TERM_EXCEPTIONS = {
    # the reconciliation table heads its columns Đầu kỳ / Cuối kỳ; the check under it uses the same words
    "Check: baseline + opened - closed = current for every kind.",
    "{file}:{line}: YAML merge keys (<<) are not accepted; write the keys out.",  # a YAML feature, no unit merges
    "event {event} is a {type}; new_parent_id is only for transfer — leave it empty",  # `transfer` the event type
}


def _code_words(text: str) -> set[str]:
    return {str(int(w)) if w.isdigit() else w for w in _CODE.findall(_PLACEHOLDER.sub(" ", text))}


def _prose(text: str) -> str:
    return re.sub(r"`[^`]*`|\S*[\w>][./_-][\w<]\S*|--\S+", " ", _PLACEHOLDER.sub(" ", text))


def _shape_problems(catalogue: dict[str, str]) -> list[str]:
    bad = []
    for msgid, msgstr in sorted(catalogue.items()):
        if set(_PLACEHOLDER.findall(msgid)) != set(_PLACEHOLDER.findall(msgstr)):
            bad.append(f"placeholders differ: {msgid!r} -> {msgstr!r}")
        end = [e for e in _ENDINGS if msgid.rstrip().endswith(e)]
        if end != [e for e in _ENDINGS if msgstr.rstrip().endswith(e)]:
            bad.append(f"ends differently: {msgid!r} -> {msgstr!r}")
        if lost := _code_words(msgid) - _code_words(msgstr):
            bad.append(f"drops {sorted(lost)}: {msgid!r} -> {msgstr!r}")
    return bad


def _term_problems(catalogue: dict[str, str]) -> list[str]:
    bad = []
    for msgid, msgstr in sorted(catalogue.items()):
        bad += [f"{word!r} in {msgid!r} -> {msgstr!r}" for word in NEVER if word in msgstr.lower()]
        if msgid in TERM_EXCEPTIONS:
            continue
        bad += [f"{pattern!r} is not {term!r}: {msgid!r} -> {msgstr!r}" for pattern, flags, term in TERMS
                if re.search(pattern, _prose(msgid), flags) and term not in msgstr.lower()]
    return bad


def test_every_translation_keeps_the_shape_of_its_source():
    """Exactly the msgid's placeholders, its final mark (… : . ?), its options, files, keys and numbers."""
    bad = _shape_problems(i18n.catalogue("vi"))
    assert not bad, "\n".join(bad)


def test_one_vietnamese_term_per_concept():
    bad = _term_problems(i18n.catalogue("vi"))
    assert not bad, "\n".join(bad)


def test_a_misaligned_or_off_term_translation_is_caught():
    # the merge accident of the i18n branch: a help text that got the progress message's translation
    shifted = {"Output folder (default reports/<scenario name>).": "Đang đọc sổ theo dõi",
               "Reading the registry": "Thư mục kết quả (mặc định reports/<tên phương án>)."}
    assert len(_shape_problems(shifted)) == 2
    assert _shape_problems({"Target {n}": "Mục tiêu"}) and _shape_problems({"Target": "Mục tiêu {n}"})
    assert _shape_problems({"Date of the old units (default 2015-12-31).": "Ngày của các đơn vị cũ."})
    assert _term_problems({"Scenarios compared: A = {a}, B = {b}": "So sánh hai kịch bản: A = {a}, B = {b}"})
    assert _term_problems({"Frontier": "Đường chi phí"}) and not _term_problems({"Frontier": "Đường biên chi phí"})
    assert not _shape_problems({"Commune-level boundaries (from 1 July 2025)": "Ranh giới xã (từ 01/7/2025)"})

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
    assert "Cách dùng: orgmodel [TÙY CHỌN] LỆNH [THAM SỐ]" in out and "Usage" not in out  # click's own words too
    code, out, _ = _run(["lineage", "--help"], capsys)
    assert "Cách dùng: orgmodel lineage [TÙY CHỌN]" in out
    code, out, _ = _run(["--lang", "en", "report", "--help"], capsys)
    assert code == 0 and "Proposal-ready folder" in out and "Usage: orgmodel report [OPTIONS]" in out
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
