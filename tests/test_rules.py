"""Compatibility by unit type and the planner's pins (scenario-format 1.1, issue 10 items 2-3)."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from orgmodel.errors import InputError, ValidationError
from orgmodel.moves import MoveRules, candidate_moves
from orgmodel.optimise import solve_scenario
from orgmodel.rules import (DEFAULT_TABLE, apply_rules, compatibility_in_force, load_compatibility, vocabulary)
from orgmodel.scenario import load_scenario
from orgmodel.timeline import match

from conftest import write_registry
from plan_checker import check_solution
from reviewer import official_class, rejected_merges

pytestmark = pytest.mark.usefixtures("english")  # these tests check the English wording (Vietnamese: test_cli_language.py)

HEADER = "unit_id,name,kind,level,sector,parent_id,locality,staff,autonomy,lat,lon,unit_type"
# One district with the schools of two communes, and provincial justice and health units.
UNITS = """\
P,UBND tỉnh Thử,government,province,general,,province,10,,,,tinh
H1,UBND huyện An,government,district,general,P,An,10,,,,huyen
DTP,Sở Tư pháp,agency,province,justice,P,province,30,,21.0,107.0,so
DYT,Sở Y tế,agency,province,health,P,province,30,,21.0,107.0,so
MN1,Trường Mầm non An Bình,psu,district,education,H1,An,20,4,21.000,107.000,mam-non
MN2,Trường Mầm non An Hòa,psu,district,education,H1,An,18,4,21.005,107.005,mam-non
TH1,Trường Tiểu học An Bình,psu,district,education,H1,An,25,4,21.001,107.001,tieu-hoc
TH2,Trường Tiểu học Bình Minh,psu,district,education,H1,Binh,22,4,21.050,107.050,tieu-hoc
CS1,Trường THCS An Bình,psu,district,education,H1,An,30,4,21.002,107.002,thcs
TC1,Trường Tiểu học và THCS Bình Minh,psu,district,education,H1,Binh,35,4,21.051,107.051,th-thcs
GD1,Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên huyện An,psu,district,education,H1,An,21,3,21.003,107.003,gdnn-gdtx
CC1,Phòng Công chứng số 1,psu,province,justice,DTP,province,8,2,21.010,107.010,cong-chung
CC2,Phòng Công chứng số 2,psu,province,justice,DTP,province,7,2,21.020,107.020,cong-chung
TG,Trung tâm Trợ giúp pháp lý nhà nước,psu,province,justice,DTP,province,15,4,21.011,107.011,tro-giup-phap-ly
PY,Trung tâm Pháp y,psu,province,health,DYT,province,12,3,21.012,107.012,phap-y
YDCT,Bệnh viện Y dược cổ truyền,psu,province,health,DYT,province,120,2,21.013,107.013,benh-vien-chuyen-khoa
GDYK,Trung tâm Giám định y khoa,psu,province,health,DYT,province,10,3,21.014,107.014,giam-dinh-y-khoa
CDY,Trường Cao đẳng Y tế,psu,province,health,DYT,province,60,2,21.015,107.015,cao-dang
"""

SCENARIO = """\
name: {name}
registry: reg
plan_from: 2021-12-31
targets:
  - kind: psu
    reduce_count: {count}
movable: [psu]
"""


def case(tmp_path: Path, extra: str = "", count: int = 4, units: str = UNITS, name: str = "t") -> Path:
    write_registry(tmp_path / "reg", units, units_header=HEADER)
    path = tmp_path / f"{name}.yaml"
    path.write_text(SCENARIO.format(name=name, count=count) + textwrap.dedent(extra), encoding="utf-8")
    return path


def movable_units(scn):
    """U as scenario-format.md defines it (open at plan_from, kind movable, matching scope)."""
    at = scn.timeline.units_as_of(scn.plan_from)
    return at.loc[at["kind"].isin(scn.movable).to_numpy() & match(at, scn.scope)]


def move_rules(scn) -> MoveRules:
    r = scn.rules
    return MoveRules(merge_within=tuple(r.merge_within), max_distance_km=r.max_distance_km, max_staff=r.max_staff,
                     protected=tuple(r.protected))


def allowed_pairs(scn) -> set[tuple[str, str]]:
    units = movable_units(scn)
    moves, blocking = apply_rules(candidate_moves(units, move_rules(scn)), units, scn)
    assert blocking == []
    return set(zip(moves["unit_id"], moves["into_id"]))


# ---------------------------------------------------------------- the shipped table


def test_shipped_table_is_sourced_and_uses_the_vocabulary():
    table = load_compatibility()
    known = set(vocabulary())
    assert len(table) >= 50
    assert set(table["unit_type"]) <= known and set(table["into_type"]) <= known
    with open(DEFAULT_TABLE, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert row["source"].strip(), row
            assert row["basis"] in ("law", "decree", "circular", "plan", "practice"), row
    pairs = set(zip(table["unit_type"], table["into_type"]))
    # the merges issue 10 lists as ones no reviewer signs are absent
    for bad in [("mam-non", "tieu-hoc"), ("mam-non", "thcs"), ("gdnn-gdtx", "mam-non"), ("gdnn-gdtx", "thcs"),
                ("phap-y", "benh-vien-chuyen-khoa"), ("cong-chung", "tro-giup-phap-ly"), ("giam-dinh-y-khoa", "cao-dang")]:
        assert bad not in pairs, bad
    # and the 2025 plans in domain-facts are present
    for good in [("trung-tam-y-te", "benh-vien"), ("thu-vien", "bao-tang"), ("tram-y-te", "tram-y-te"), ("thpt", "thpt")]:
        assert good in pairs, good


def test_shipped_pairs_agree_with_the_independent_reviewer():
    """Every cross-type pair of the table is one the name-based reviewer accepts (for the types the
    reviewer knows by name)."""
    voc = pd.read_csv(Path(DEFAULT_TABLE).with_name("unit_types.csv"), dtype=str, keep_default_na=False)
    name = dict(zip(voc["unit_type"], voc["name_vi"]))
    from reviewer import rejects

    table = load_compatibility()
    wrong = []
    for a, b in zip(table["unit_type"], table["into_type"]):
        ca, cb = official_class(name[a]), official_class(name[b])
        if "other" in (ca, cb) or a == b:
            continue
        if rejects(name[a], name[b]):
            wrong.append((a, b))
    assert wrong == []


# ---------------------------------------------------------------- apply_rules on a hand-drawn registry


def test_compatibility_keeps_exactly_the_allowed_pairs(tmp_path):
    scn = load_scenario(case(tmp_path))
    assert compatibility_in_force(scn)
    got = allowed_pairs(scn)
    want = {("MN1", "MN2"), ("MN2", "MN1"), ("TH1", "TH2"), ("TH2", "TH1"),
            ("TH1", "CS1"), ("CS1", "TH1"),          # same locality: becomes a TH&THCS school
            ("TH1", "TC1"), ("TH2", "TC1"), ("CS1", "TC1"),
            ("CC1", "CC2"), ("CC2", "CC1")}
    assert got == want
    # TH2 (Binh) may not join CS1 (An): the primary/lower-secondary pair needs the same locality
    assert ("TH2", "CS1") not in got


def test_compatible_off_keeps_every_candidate(tmp_path):
    scn = load_scenario(case(tmp_path, "rules:\n  compatible: off\n"))
    assert not compatibility_in_force(scn)
    units = movable_units(scn)
    moves = candidate_moves(units, move_rules(scn))
    out, blocking = apply_rules(moves, units, scn)
    assert len(out) == len(moves) and not out["pinned"].any() and blocking == []
    assert ("CC1", "TG") in set(zip(out["unit_id"], out["into_id"]))


def test_own_compatibility_csv(tmp_path):
    (tmp_path / "pairs.csv").write_text("unit_type,into_type,source\ncong-chung,tro-giup-phap-ly,our own test\n", encoding="utf-8")
    scn = load_scenario(case(tmp_path, "rules:\n  compatible: pairs.csv\n"))
    assert allowed_pairs(scn) == {("CC1", "TG"), ("CC2", "TG")}


def test_unit_without_type_takes_part_in_no_move(tmp_path):
    units = UNITS.replace("21.005,107.005,mam-non", "21.005,107.005,")
    scn = load_scenario(case(tmp_path, units=units))
    got = allowed_pairs(scn)
    assert not any("MN2" in p for p in got) and ("TH1", "TC1") in got


def test_registry_without_unit_type_keeps_version_1_meaning(tmp_path):
    units = "\n".join(line.rsplit(",", 1)[0] for line in UNITS.splitlines()) + "\n"
    write_registry(tmp_path / "reg", units, units_header=HEADER.rsplit(",", 1)[0])
    path = tmp_path / "t.yaml"
    path.write_text(SCENARIO.format(name="t", count=1), encoding="utf-8")
    scn = load_scenario(path)
    assert not compatibility_in_force(scn)
    assert ("CC1", "TG") in allowed_pairs(scn)


def test_pins_forbid_keep_and_merge_in_apply_rules(tmp_path):
    extra = """\
    pins:
      merge: [[TH1, TC1]]
      forbid: [[CC1, CC2]]
      keep: [MN2]
    """
    scn = load_scenario(case(tmp_path, extra))
    units = movable_units(scn)
    out, blocking = apply_rules(candidate_moves(units, move_rules(scn)), units, scn)
    pairs = set(zip(out["unit_id"], out["into_id"]))
    assert blocking == []
    assert ("CC1", "CC2") not in pairs and ("CC2", "CC1") in pairs
    assert not any(u == "MN2" for u, _ in pairs) and ("MN1", "MN2") in pairs
    assert set(zip(out.loc[out["pinned"], "unit_id"], out.loc[out["pinned"], "into_id"])) == {("TH1", "TC1")}


@pytest.mark.parametrize("pin, why", [
    ("[MN1, TH1]", "rules.compatible"),          # a kindergarten into a primary school
    ("[CC1, TG]", "rules.compatible"),           # a notary office into the legal-aid centre
    ("[TH2, CS1]", "same locality"),             # primary into lower-secondary of another locality
    ("[MN1, CC1]", "merge_within"),              # different managing body
])
def test_a_merge_pin_against_the_rules_blocks_and_is_named(tmp_path, pin, why):
    scn = load_scenario(case(tmp_path, f"pins:\n  merge: [{pin}]\n"))
    sol = solve_scenario(scn)
    assert sol.status == "infeasible" and sol.plan.empty
    (block,) = sol.summary["blocking"]
    assert (block["pin"], block["unit_id"], block["into_id"]) == ("merge", *pin.strip("[]").split(", "))
    assert why in block["reason"]
    assert check_solution(sol, scn) == []


def test_keep_and_merge_on_one_unit_blocks(tmp_path):
    scn = load_scenario(case(tmp_path, "pins:\n  merge: [[MN1, MN2]]\n  keep: [MN1]\n"))
    sol = solve_scenario(scn)
    assert sol.status == "infeasible"
    assert "pins.keep" in sol.summary["blocking"][0]["reason"]


def test_too_distant_and_protected_pins_block(tmp_path):
    scn = load_scenario(case(tmp_path, "rules:\n  max_distance_km: 0.5\n  protected: [CC2]\npins:\n  merge: [[MN1, MN2], [CC2, CC1]]\n"))
    sol = solve_scenario(scn)
    reasons = {b["unit_id"]: b["reason"] for b in sol.summary["blocking"]}
    assert sol.status == "infeasible"
    assert "max_distance_km" in reasons["MN1"] and "protected" in reasons["CC2"]


# ---------------------------------------------------------------- pins honoured by the solver


def _pairs(sol) -> set[tuple[str, str]]:
    return set(zip(sol.plan["unit_id"], sol.plan["into_id"]))


def test_merge_pin_is_honoured(tmp_path):
    free = solve_scenario(load_scenario(case(tmp_path, count=1, name="free")))
    assert free.status == "optimal" and ("TH1", "TC1") not in _pairs(free)   # not the cheapest move
    scn = load_scenario(case(tmp_path, "pins:\n  merge: [[TH1, TC1]]\n", count=1, name="pinned"))
    sol = solve_scenario(scn)
    assert sol.status == "optimal" and ("TH1", "TC1") in _pairs(sol)
    assert check_solution(sol, scn) == []


def test_forbid_and_keep_pins_are_honoured(tmp_path):
    free = solve_scenario(load_scenario(case(tmp_path, count=1, name="free")))
    (first,) = _pairs(free)
    scn = load_scenario(case(tmp_path, f"pins:\n  forbid: [[{first[0]}, {first[1]}]]\n", count=1, name="forbid"))
    sol = solve_scenario(scn)
    assert sol.status == "optimal" and first not in _pairs(sol)
    assert check_solution(sol, scn) == []
    scn = load_scenario(case(tmp_path, f"pins:\n  keep: [{first[0]}]\n", count=1, name="keep"))
    sol = solve_scenario(scn)
    assert sol.status == "optimal" and first[0] not in set(sol.plan["unit_id"])
    assert check_solution(sol, scn) == []


# ---------------------------------------------------------------- the reviewer's verdict


def test_compatibility_turns_rejected_plans_into_signable_ones(tmp_path):
    """With compatibility off the cheapest plan holds merges a reviewer rejects (the notary offices
    into the legal-aid centre ...); with the default table none, and the target is still met."""
    names = {r.split(",")[0]: r.split(",")[1] for r in UNITS.splitlines()}
    off = solve_scenario(load_scenario(case(tmp_path, "rules:\n  compatible: off\n", count=5, name="compat-off")))
    assert off.status == "optimal" and rejected_merges(off.plan, names)
    scn = load_scenario(case(tmp_path, count=5, name="compat-on"))
    on = solve_scenario(scn)
    assert on.status == "optimal" and len(on.plan) == 5
    assert rejected_merges(on.plan, names) == []
    assert check_solution(on, scn) == []


def test_the_reviewer_types_units_by_name_alone():
    assert official_class("Trường Mầm non Hà Tu số 2") == "mam-non"
    assert official_class("Trường Tiểu học và THCS Cộng Hòa") == "th-thcs"
    assert official_class("Bệnh viện Y dược cổ truyền Quảng Ninh") == "benh-vien-chuyen-khoa"
    assert official_class("Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên huyện Hải Hà") == "gdnn-gdtx"
    assert official_class("Phòng Công chứng số 3") == "cong-chung"


# ---------------------------------------------------------------- bad input


def _problems(path) -> str:
    with pytest.raises(ValidationError) as exc:
        load_scenario(path)
    return str(exc.value)


def test_pin_naming_an_unknown_unit_names_line_and_suggests(tmp_path):
    msg = _problems(case(tmp_path, "pins:\n  merge: [[MN1, MN3]]\n"))
    assert "t.yaml:9:" in msg and "unknown unit 'MN3'" in msg and "did you mean" in msg


def test_pin_outside_the_scope_is_refused(tmp_path):
    msg = _problems(case(tmp_path, "scope: {sector: education}\npins:\n  keep: [CC1]\n"))
    assert "pins.keep" in msg and "outside the scenario" in msg and "CC1" in msg
    msg = _problems(case(tmp_path, "pins:\n  forbid: [[DTP, CC1]]\n", name="t2"))
    assert "t2.yaml:9:" in msg and "DTP" in msg and "outside the scenario" in msg


@pytest.mark.parametrize("pins, words", [
    ("  merge: [[MN1, MN2]]\n  forbid: [[MN1, MN2]]\n", "also forbidden"),
    ("  merge: [[MN1, MN2], [MN1, TH1]]\n", "absorbed at most once"),
    ("  merge: [[MN1, MN2], [MN2, TH1]]\n", "itself pinned to merge"),
    ("  merge: [[MN1, MN1]]\n", "into itself"),
    ("  merge: [MN1, MN2]\n", "pair [unit, into]"),
    ("  mrege: [[MN1, MN2]]\n", "did you mean 'merge'"),
])
def test_contradictory_or_malformed_pins_are_refused(tmp_path, pins, words):
    msg = _problems(case(tmp_path, "pins:\n" + pins))
    assert words in msg and "t.yaml:" in msg


def test_unknown_unit_type_in_the_registry_is_refused(tmp_path):
    msg = _problems(case(tmp_path, units=UNITS.replace(",mam-non\nMN2", ",mam-nom\nMN2")))
    assert "units.csv:6:" in msg and "mam-nom" in msg  # refused by the registry (1.1) or by the scenario


def test_compatibility_csv_with_an_unknown_type_names_file_and_line(tmp_path):
    (tmp_path / "pairs.csv").write_text("unit_type,into_type,source\nmam-non,mam-non,x\ntieu-hoc,thcs-thtp,x\n", encoding="utf-8")
    msg = _problems(case(tmp_path, "rules:\n  compatible: pairs.csv\n"))
    assert "pairs.csv:3:" in msg and "thcs-thtp" in msg and "did you mean 'thcs-thpt'" in msg


@pytest.mark.parametrize("value, words", [("defualt", "did you mean 'default'"), ("missing.csv", "does not exist"), ("[a]", "must be default")])
def test_bad_compatible_values(tmp_path, value, words):
    assert words in _problems(case(tmp_path, f"rules:\n  compatible: {value}\n"))


def test_compatible_needs_unit_type(tmp_path):
    units = "\n".join(line.rsplit(",", 1)[0] for line in UNITS.splitlines()) + "\n"
    write_registry(tmp_path / "reg", units, units_header=HEADER.rsplit(",", 1)[0])
    path = tmp_path / "t.yaml"
    path.write_text(SCENARIO.format(name="t", count=1) + "rules:\n  compatible: default\n", encoding="utf-8")
    assert "needs a unit_type column" in _problems(path)


def test_unreadable_compatibility_table_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        load_compatibility(tmp_path / "none.csv")


def test_allowed_mask_equals_a_pair_by_pair_reading():
    """The vectorised compatibility mask is the table read pair by pair: random units of a few
    types (some empty, some unknown to the table), a table with ``requires`` rows, every pair."""
    import itertools

    import numpy as np
    import pandas as pd

    from orgmodel.rules import allowed_mask

    rng = np.random.default_rng(7)
    types = ["a", "b", "c", "d", ""]
    n = 40
    units = pd.DataFrame({"unit_type": rng.choice(types, n), "commune": rng.choice(["x", "y", ""], n),
                          "locality": rng.choice(["p", "q"], n)}, index=[f"U{i}" for i in range(n)])
    table = pd.DataFrame({"unit_type": ["a", "a", "b", "c", "zz"], "into_type": ["a", "b", "b", "a", "a"],
                          "requires": [(), ("commune",), ("commune", "locality"), ("locality",), ()]})
    pairs = [(u, v) for u, v in itertools.permutations(units.index, 2)] + [("U0", "GONE")]
    moves = pd.DataFrame(pairs, columns=["unit_id", "into_id"])

    def one(u, v):
        if u not in units.index or v not in units.index:
            return False
        tu, tv = units.at[u, "unit_type"], units.at[v, "unit_type"]
        rows = table[(table["unit_type"] == tu) & (table["into_type"] == tv)]
        if not tu or not tv or rows.empty:
            return False
        return all(units.at[u, c] != "" and units.at[u, c] == units.at[v, c] for c in rows.iloc[0]["requires"])

    expected = np.array([one(u, v) for u, v in pairs])
    assert expected.sum() > 20 and (~expected).sum() > 20
    assert (allowed_mask(moves, units, table) == expected).all()
