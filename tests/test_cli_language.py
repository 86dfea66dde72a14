"""Every command speaks Vietnamese by default and English on request (issue 12, "done when": the
CLI's default output and error messages are Vietnamese and English on request).

Each command and a representative set of error paths run in-process on inputs built here; the
human-readable text (stdout of table output, everything on stderr) is checked by a small detector
of English sentences: common English function words, left after removing what is not prose (quoted
values, file names and paths, option names, snake_case keys, dotted scenario keys, slugs a user
typed). The contract line ``OK: <n> units, <m> events`` of ``validate`` stays byte-exact in both
languages (docs/decisions.md). With ``--lang en`` or ``ORGMODEL_LANG=en`` the English comes back.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from conftest import BASE_UNITS, TINY_SCENARIO, write_registry
from orgmodel import i18n
from orgmodel.cli import main

EVENTS = "E1,2017-01-01,merge,S2,S1,,,\nE2,2018-01-01,dissolve,S3,,,,\n"

#: Words that only an English sentence has (none is a Vietnamese word, a slug of the registry
#: format or a solver's name). Matched as whole words, case-insensitively.
ENGLISH = ("the", "of", "and", "is", "are", "was", "were", "not", "with", "which", "has", "have", "must", "from",
           "by", "at", "on", "for", "into", "this", "that", "its", "give", "use", "write", "wrote", "cannot",
           "unit", "units", "event", "events", "registry", "scenario", "target", "targets", "before", "after",
           "missing", "invalid", "unknown", "error", "warning", "note", "needed", "fewer", "met", "still", "open",
           "year", "date", "reduction", "disruption", "merged", "solving", "model", "variables", "left", "seconds",
           "rows", "folder", "file", "does", "exist", "did", "mean", "valid", "keys", "problem", "problems",
           "where", "only", "both", "required", "achieved", "yes")
_WORD = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b", re.IGNORECASE)
_NOT_PROSE = [
    r"'[^'\n]*'", r'"[^"\n]*"',                      # quoted values (ids, keys, values a user wrote)
    r"(?:[\w.-]*/)+[\w.<>-]*",                       # paths: /tmp/x/reg, data/quang-ninh, docs/x.md
    r"\b[\w-]+\.(?:csv|yaml|yml|xlsx|json|md|docx|png|svg)\b(?:\[\w+\])?",  # file names (and sheet[...])
    r"--[\w-]+",                                     # options
    r"\bcột \w+",                                    # a column of the registry format, named as such (cột date)
    r"\b\w+(?:\.\w+|\[\w*\])+",                      # dotted / indexed scenario keys: rules.max_staff, pins.merge[0]
    r"\b[a-z]+_[a-z_]+\b",                           # snake_case column and key names
]
CONTRACT_OK = re.compile(r"^OK: \d+ units, \d+ events$", re.MULTILINE)


def english_left(text: str) -> list[str]:
    """The English function words left in ``text`` once ids, paths, keys and the contract line are
    taken out (empty: no English sentence)."""
    prose = CONTRACT_OK.sub("", text)
    for pattern in _NOT_PROSE:
        prose = re.sub(pattern, " ", prose)
    return sorted({m.group(0).lower() for m in _WORD.finditer(prose)})


def test_the_detector_sees_english_and_passes_vietnamese():
    assert english_left("Registry /tmp/x is invalid: 1 problem") == ["invalid", "is", "problem", "registry"]
    assert english_left("events.csv:2: event 'E1' takes from 'S9', which is not open then") != []
    assert english_left("Sổ theo dõi /tmp/x không hợp lệ: 1 lỗi (tệp:dòng: nội dung)") == []
    assert english_left("pins.merge[0]: unit_type 'thcs' của 'S1' (rules.max_staff)\nOK: 3 units, 0 events") == []


# ---------------------------------------------------------------- running the CLI


def run(args, capsys, env_lang: str | None = None, monkeypatch=None):
    if monkeypatch is not None:
        if env_lang:
            monkeypatch.setenv("ORGMODEL_LANG", env_lang)
        else:
            monkeypatch.delenv("ORGMODEL_LANG", raising=False)
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture
def vietnamese(monkeypatch):
    monkeypatch.delenv("ORGMODEL_LANG", raising=False)
    i18n.set_lang(None)
    yield
    i18n.set_lang(None)


@pytest.fixture
def inputs(tmp_path):
    """A valid registry (one warning: a day/month/year date), a broken one, a registry folder
    without events.csv, two tiny scenarios and one with a misspelt key."""
    reg = write_registry(tmp_path / "reg", BASE_UNITS, EVENTS.replace("2018-01-01", "13/01/2018"))
    bad = write_registry(tmp_path / "bad", BASE_UNITS.replace("S3,Trường Tiểu học 3,psu,district,education,D2",
                                                              "S3,Trường Tiểu học 3,psu,district,education,NOPE"),
                         "E1,2017-01-01,merge,S9,S1,,,\nE2,2018-01-01,dissolve,DEP,,,,\nE3,2019-02-30,merge,S2,S1,,,\n")
    half = tmp_path / "half"
    half.mkdir()
    (half / "units.csv").write_text((reg / "units.csv").read_text(encoding="utf-8"), encoding="utf-8")
    scn = tmp_path / "scn"
    write_registry(scn / "reg", BASE_UNITS, "")
    for name in ("a", "b"):
        (scn / f"{name}.yaml").write_text(TINY_SCENARIO.format(name=name, description="Thử"), encoding="utf-8")
    (scn / "typo.yaml").write_text(TINY_SCENARIO.format(name="typo", description="Thử") + "rules:\n  max_stafff: 100\n",
                                   encoding="utf-8")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("x", encoding="utf-8")
    return {"reg": reg, "bad": bad, "half": half, "a": scn / "a.yaml", "b": scn / "b.yaml", "typo": scn / "typo.yaml",
            "foreign": tmp_path / "foreign", "tmp": tmp_path}


# (name, argv, expected exit code, a Vietnamese phrase it must show, the English phrase of --lang en)
COMMANDS = [
    ("validate", ["validate", "{reg}"], 0, "được đọc là", "read as"),
    ("status", ["status", "{reg}", "--as-of", "2018-12-31", "--by", "sector"], 0, "Theo Lĩnh vực", "By Sector"),
    ("lineage", ["lineage", "{reg}", "S2", "--as-of", "2018-12-31"], 0, "được kế thừa bởi", "is carried on at"),
    ("lineage-open", ["lineage", "{reg}", "S1", "--as-of", "2018-12-31"], 0, "vẫn đang hoạt động", "is still open"),
    ("crosswalk", ["crosswalk", "{reg}", "--to", "2018-12-31", "--out", "{tmp}/cw.csv"], 0, "đã ghi", "wrote"),
    ("trajectory", ["trajectory", "{reg}"], 0, "số đầu mối tại ngày 31 tháng 12", "counted units at each year end"),
    ("target", ["target", "{reg}", "reduce psu by >= 10% against 2016-12-31", "--as-of", "2018-12-31"], 0,
     "Đạt lần đầu ngày 01/01/2017", "First met on 2017-01-01"),
    ("count", ["count", "{reg}", "--as-of", "2030-01-01", "--by", "level"], 0, "sau sự kiện cuối cùng", "is after"),
    ("solve", ["solve", "{a}", "--out", "{tmp}/solve"], 0, "khả năng sáp nhập", "candidate moves"),
    ("frontier", ["frontier", "{a}", "--out", "{tmp}/front"], 0, "mức xáo trộn thấp nhất", "least disruption"),
    ("compare", ["compare", "{a}", "{b}", "--out", "{tmp}/cmp"], 0, "So sánh", "compared"),
    ("synth", ["synth", "{tmp}/synth", "--provinces", "1"], 0, "đã ghi", "wrote"),
    ("report", ["report", "{reg}", "--as-of", "2018-12-31", "--unit", "none", "--out", "{tmp}/report"], 0, "đã ghi", "wrote"),
    # error paths
    ("invalid registry", ["validate", "{bad}"], 1, "không hợp lệ", "is invalid"),
    ("no events.csv", ["validate", "{half}"], 1, "không có events.csv", "events.csv is missing"),
    ("missing folder", ["status", "{tmp}/nowhere", "--as-of", "2018-12-31"], 2, "Không có sổ theo dõi", "does not exist"),
    ("bad date", ["status", "{reg}", "--as-of", "2018-13-01"], 2, "không hợp lệ", "Bad as-of date"),
    ("dates reversed", ["status", "{reg}", "--as-of", "2014-12-31"], 2, "trước ngày mốc", "is before --baseline"),
    ("unknown unit", ["lineage", "{reg}", "NOPE", "--as-of", "2018-12-31"], 2, "Không có đơn vị", "Unknown unit"),
    ("bad target", ["target", "{reg}", "cut everything", "--as-of", "2018-12-31"], 2, "Không đọc được mục tiêu",
     "Cannot read target"),
    ("bad count filter", ["count", "{reg}", "--as-of", "2018-12-31", "--where", "colour=red"], 2, "Không có cột",
     "Unknown column"),
    ("scenario key", ["solve", "{typo}", "--out", "{tmp}/typo"], 1, "có phải ý bạn là 'max_staff'", "did you mean 'max_staff'"),
    ("missing scenario", ["solve", "{tmp}/none.yaml"], 2, "Không có tệp phương án", "does not exist"),
    ("output inside the registry", ["crosswalk", "{reg}", "--to", "2018-12-31", "--out", "{reg}/cw.csv"], 3,
     "không bao giờ", "never changes"),
    ("foreign output folder", ["solve", "{a}", "--out", "{foreign}"], 3, "không do orgmodel ghi", "did not write"),
    ("frontier target", ["frontier", "{a}", "--target", "3", "--out", "{tmp}/f3"], 2, "có 1 mục tiêu", "has 1 target(s)"),
    ("usage", ["status", "{reg}"], 2, "Thiếu", "Missing"),
    ("bad choice", ["status", "{reg}", "--as-of", "2018-12-31", "--format", "xml"], 2, "hãy chọn một trong table, json, csv",
     "choose one of table, json, csv"),
]


def _argv(args, paths):
    return [a.format(**{k: str(v) for k, v in paths.items()}) for a in args]


def _readable(code, out, err, args) -> str:
    """What a person reads: stderr always; stdout unless it is the CSV the contract prints."""
    machine = args[0] == "crosswalk" and "--out" not in args
    return err + ("" if machine else out)


@pytest.mark.parametrize("name, args, code, vi, en", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_vietnamese_by_default(name, args, code, vi, en, inputs, capsys, vietnamese):
    argv = _argv(args, inputs)
    got, out, err = run(argv, capsys)
    text = _readable(got, out, err, argv)
    assert got == code, (got, out, err)
    assert "Traceback" not in err
    assert vi in text, text
    assert english_left(text) == [], f"English left in the default (Vietnamese) output of {name}:\n{text}"
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("name, args, code, vi, en", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_english_on_request(name, args, code, vi, en, inputs, capsys, monkeypatch):
    argv = _argv(args, inputs)
    got, out, err = run(["--lang", "en"] + argv, capsys)
    assert got == code and en in err + out, (out, err)
    assert vi not in err + out


@pytest.mark.parametrize("name", ["invalid registry", "unknown unit", "solve", "trajectory"])
def test_orgmodel_lang_en_in_the_environment(name, inputs, capsys, monkeypatch):
    _, args, code, vi, en = next(c for c in COMMANDS if c[0] == name)
    got, out, err = run(_argv(args, inputs), capsys, env_lang="en", monkeypatch=monkeypatch)
    assert got == code and en in err + out and vi not in err + out
    assert english_left(err + out) != []  # the detector sees the English


def test_the_contract_ok_line_is_the_same_in_both_languages(inputs, capsys, vietnamese):
    _, vi_out, _ = run(["validate", inputs["reg"]], capsys)
    _, en_out, _ = run(["--lang", "en", "validate", inputs["reg"]], capsys)
    assert vi_out == en_out == "OK: 11 units, 2 events\n"


def test_problems_keep_the_file_line_message_shape(inputs, capsys, vietnamese):
    code, out, err = run(["validate", inputs["bad"]], capsys)
    lines = err.splitlines()
    assert code == 1 and out == "" and lines[0].startswith("Sổ theo dõi ")
    assert all(re.match(r"^(units|events)\.csv(:\d+)?: \S", line) for line in lines[1:]), lines
    assert any(line.startswith("events.csv:2: sự kiện 'E1'") for line in lines)
    assert any("2019-02-30" in line and "không phải ngày hợp lệ" in line for line in lines)


def test_dates_in_vietnamese_texts_are_day_month_year(inputs, capsys, vietnamese):
    _, _, err = run(["count", inputs["reg"], "--as-of", "2030-01-01"], capsys)
    assert "01/01/2030" in err and "2030-01-01" not in err


def test_machine_readable_outputs_keep_their_contract_keys(inputs, capsys, vietnamese):
    import json

    _, out, _ = run(["trajectory", inputs["reg"], "--format", "csv"], capsys)
    assert out.splitlines()[0] == "date,year,agency,psu,all"
    _, out, _ = run(["lineage", inputs["reg"], "S2", "--as-of", "2018-12-31", "--format", "json"], capsys)
    assert json.loads(out) == {"unit_id": "S2", "as_of": "2018-12-31", "successors": ["S1"]}
    _, out, _ = run(["crosswalk", inputs["reg"], "--to", "2018-12-31"], capsys)
    assert out.splitlines()[0] == "from_id,from_name,from_kind,to_id,to_name,to_kind,share,fate,via"
