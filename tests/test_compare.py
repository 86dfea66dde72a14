"""Two answers side by side (issue 10 item 7): the API a notebook uses and `orgmodel compare`."""

from __future__ import annotations

import textwrap

import pandas as pd

from orgmodel.cli import main
from orgmodel.compare import compare, compare_scenarios
from orgmodel.optimise import solve_scenario
from orgmodel.scenario import load_scenario

from conftest import write_registry
from test_rules import HEADER, SCENARIO, UNITS


def write(tmp_path, name, count, extra=""):
    if not (tmp_path / "reg").exists():
        write_registry(tmp_path / "reg", UNITS, units_header=HEADER)
    path = tmp_path / f"{name}.yaml"
    path.write_text(SCENARIO.format(name=name, count=count) + textwrap.dedent(extra), encoding="utf-8")
    return path


def test_merges_only_in_a_only_in_b_and_in_both(tmp_path):
    a = solve_scenario(load_scenario(write(tmp_path, "a", 2)))
    b = solve_scenario(load_scenario(write(tmp_path, "b", 3, "pins:\n  merge: [[TH1, TC1]]\n")))
    cmp = compare(a, b)
    pa = dict(zip(a.plan["unit_id"], a.plan["into_id"]))
    pb = dict(zip(b.plan["unit_id"], b.plan["into_id"]))
    m = cmp.merges.set_index("unit_id")
    assert set(m.index) == set(pa) | set(pb)
    for u in m.index:
        want = ("only_a" if u not in pb else "only_b" if u not in pa else "both_same" if pa[u] == pb[u] else "both_different")
        assert m.at[u, "where"] == want
    assert m.at["TH1", "where"] in ("only_b", "both_different")
    counts = cmp.counts()
    assert sum(counts.values()) == len(m) and counts["only_b"] >= 1
    c = cmp.consequences.set_index("consequence")
    assert c.at["units_closed", "A"] == 2 and c.at["units_closed", "B"] == 3 and c.at["units_closed", "B - A"] == 1
    assert list(cmp.targets["achieved A"]) == [2] and list(cmp.targets["achieved B"]) == [3]
    assert list(cmp.merges["unit_id"]) == sorted(cmp.merges["unit_id"])


def test_compare_command(tmp_path, capsys, english):
    a, b = write(tmp_path, "a", 2), write(tmp_path, "b", 3)
    try:
        main(["compare", str(a), str(b), "--quiet", "--out", str(tmp_path / "cmp")])
    except SystemExit as exc:
        assert exc.code in (0, None)
    out = capsys.readouterr().out
    assert "A = a, B = b" in out and "Units closed" in out
    merges = pd.read_csv(tmp_path / "cmp" / "merges.csv")
    assert list(merges.columns) == ["unit_id", "name", "into_a", "into_b", "where"]
    api = compare_scenarios(a, b).merges
    assert list(merges["unit_id"]) == list(api["unit_id"]) and list(merges["where"]) == list(api["where"])


def test_every_new_message_has_a_vietnamese_translation():
    """The Vietnamese catalogue translates every msgid of the
    modules the plan work added messages to, keeping their {placeholders}."""
    import re
    from pathlib import Path

    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1]
    with open(root / "orgmodel" / "locale" / "vi" / "LC_MESSAGES" / "orgmodel.po", "rb") as fh:
        cat = {m.id: m.string for m in read_po(fh, locale="vi") if m.id}
    used = set()
    for mod in ("plan.py", "consequences.py", "compare.py"):
        for _line, msgid, _comments, _context in extract_from_file("python", root / "orgmodel" / mod, keywords={"_": None, "N_": None}):
            used.add(msgid)
    assert len(used) >= 30
    missing = sorted(m for m in used if not cat.get(m))
    assert missing == []
    for m in used:
        assert set(re.findall(r"\{(\w+)\}", m)) == set(re.findall(r"\{(\w+)\}", cat[m])), m
