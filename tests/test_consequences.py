"""Consequences of a plan in people, posts, km and VND, worked out by hand (issue 10 item 5)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from orgmodel.consequences import KEYS, consequences, cost_per_leader, format_consequences, unit_caps
from orgmodel.optimise import solve_scenario
from orgmodel.plan import explain_plan, plan_csv
from orgmodel.scenario import load_scenario

from conftest import write_registry

HEADER = "unit_id,name,kind,level,sector,parent_id,locality,staff,autonomy,lat,lon,unit_type,heads,deputies,commune_2025"
# A and B: district health centres (heads/deputies known); E and F: commune stations (E unknown,
# F known, same seat, same commune of 2025: X); K: a PSU directly under the provincial People's Committee, G a small one
# whose posts are vacant.
UNITS = """\
P,UBND tỉnh Thử,government,province,general,,province,10,,,,tinh,,,
DEP,Sở Y tế,agency,province,health,P,province,30,,21.0,107.0,so,1,3,
A,Trung tâm Y tế A,psu,district,health,DEP,A,30,3,21.0,107.0,trung-tam-y-te,1,3,
B,Trung tâm Y tế B,psu,district,health,DEP,B,12,4,21.0,107.1,trung-tam-y-te,1,1,
E,Trạm y tế E,psu,commune,health,DEP,A,5,4,21.2,107.2,tram-y-te,,,X
F,Trạm y tế F,psu,commune,health,DEP,A,6,4,21.2,107.2,tram-y-te,1,0,X
K,Ban Quản lý Vịnh,psu,province,culture,P,province,25,3,21.3,107.3,dich-vu-cong-khac,1,2,
G,Trung tâm G,psu,province,culture,P,province,5,3,21.3,107.4,dich-vu-cong-khac,0,0,
"""
SCENARIO = """\
name: cons
registry: reg
plan_from: 2024-12-31
targets:
  - kind: psu
    reduce_count: 3
movable: [psu]
pins:
  merge: [[B, A], [E, F], [G, K]]
"""


def haversine(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.fixture
def scn(tmp_path):
    write_registry(tmp_path / "reg", UNITS, units_header=HEADER)
    (tmp_path / "cons.yaml").write_text(SCENARIO, encoding="utf-8")
    return load_scenario(tmp_path / "cons.yaml")


def hand_plan() -> pd.DataFrame:
    d, dg = haversine(21.0, 107.1, 21.0, 107.0), haversine(21.3, 107.4, 21.3, 107.3)
    return pd.DataFrame({"unit_id": ["B", "E", "G"], "into_id": ["A", "F", "K"], "staff": [12, 5, 5],
                         "distance_km": [d, 0.0, dg]})


def test_consequences_of_a_hand_drawn_plan(scn):
    units = scn.timeline.units_as_of(scn.plan_from)
    units = units[units["kind"] == "psu"]
    c = consequences(hand_plan(), units, scn)
    d = haversine(21.0, 107.1, 21.0, 107.0)    # B -> A, about 10.4 km
    dg = haversine(21.3, 107.4, 21.3, 107.3)   # G -> K, about 10.4 km too (further north)
    assert c["units_closed"] == 3
    assert c["staff_moved"] == 12 + 5 + 5
    assert c["max_distance_km"] == pytest.approx(max(d, dg), abs=1e-3)
    assert c["median_distance_km"] == pytest.approx(min(d, dg), abs=1e-3)  # of (0, dg, d)
    assert c["staff_km"] == pytest.approx(12 * d + 5 * dg, abs=1e-3)
    # posts held: A 1+3, B 1+1, F 1+0, K 1+2, G 0+0 (registry); E unknown -> 1 head + its cap of 1
    assert c["leader_posts_before"] == 4 + 2 + 1 + 2 + 3 + 0
    # caps after: A is a PSU under a department, partly self-reliant (group 3): 1 head + 2 deputies
    # (Decree 120/2020 Art. 6(2)); F a commune station: 1 + 1 (practice); K under the People's
    # Committee with 30 staff (> 20): 1 + 3
    assert c["leader_posts_after"] == 3 + 2 + 4
    # surplus per merged group: A+B hold 6, may hold 3 -> 3; E+F hold 3, may hold 2 -> 1;
    # K+G hold 3, may hold 4 -> 0 (a vacancy does not offset another group's surplus)
    assert c["leader_posts_surplus"] == 3 + 1 + 0
    assert c["headquarters_vacated"] == 2  # B and G leave their seats; E shares F's
    # early retirement, Decree 178/2024 Art. 7(2) as amended by Decree 67/2025: monthly salary
    # (4.40 + 0.30) x 2,340,000 = 10,998,000; months 1.0 x 36 + 5 x 3 + 5 + 0.5 x (25 - 20) = 58.5
    per = 10_998_000 * 58.5
    assert c["policy_cost_estimate_vnd"] == round(4 * per, -3) == 2_573_532_000
    basis = c["policy_cost_basis"]
    assert basis["estimate"] is True and basis["base_salary_vnd"] == 2_340_000 and "Decree 73/2024" in basis["base_salary_source"]
    assert "Decree 178/2024" in basis["source"] and "67/2025" in basis["source"]
    assert c["leader_posts_basis"]["held"] == "mixed"
    assert any("Decree 120/2020" in s for s in c["leader_posts_basis"]["cap_sources"])


def test_every_key_has_a_label():
    from orgmodel.consequences import LABELS

    assert list(LABELS) == list(KEYS)


def test_every_contract_key_and_an_empty_plan(scn):
    units = scn.timeline.units_as_of(scn.plan_from)
    empty = pd.DataFrame({"unit_id": [], "into_id": [], "staff": [], "distance_km": []})
    c = consequences(empty, units, scn)
    assert set(KEYS) <= set(c)
    assert all(c[k] == 0 for k in KEYS)


def test_caps_follow_decree_120_by_managing_body_and_size(scn):
    everyone = scn.timeline.units_as_of(scn.plan_from)
    caps = unit_caps(["K"], everyone, everyone)
    assert (caps.at["K", "heads"], caps.at["K", "deputies"]) == (1, 3)  # under the People's Committee, > 20 staff
    caps = unit_caps(["K"], everyone, everyone, {"K": 20})
    assert caps.at["K", "deputies"] == 2                                 # <= 20 staff
    caps = unit_caps(["B"], everyone, everyone)
    assert caps.at["B", "deputies"] == 2                                 # under a department
    assert "Decree 120/2020" in caps.at["B", "source"]


def test_base_salary_is_dated(scn):
    import datetime as dt

    assert cost_per_leader(dt.date(2024, 7, 1))[1]["base_salary_vnd"] == 2_340_000
    assert cost_per_leader(dt.date(2024, 6, 30))[1]["base_salary_vnd"] == 1_800_000


def test_solved_plan_carries_consequences_and_reasons(scn, tmp_path):
    from orgmodel.plan import write_solution

    sol = solve_scenario(scn)
    assert sol.status == "optimal"
    c = sol.summary["consequences"]
    assert (c["units_closed"], c["leader_posts_surplus"], c["headquarters_vacated"]) == (3, 4, 2)
    out = write_solution(sol, scn, tmp_path / "out")
    plan = pd.read_csv(out / "plan.csv", dtype=str, keep_default_na=False)
    assert list(plan.columns)[-5:] == ["name", "into_name", "unit_type", "into_type", "reason"]
    row = plan.set_index("unit_id").loc["B"]
    assert (row["name"], row["into_name"], row["unit_type"], row["into_type"]) == ("Trung tâm Y tế B", "Trung tâm Y tế A",
                                                                                 "trung-tam-y-te", "trung-tam-y-te")
    assert row["reason"].count(".") >= 1 and row["reason"].endswith(".")


def test_reasons_say_type_place_distance_and_staff(scn):
    units = scn.timeline.units_as_of(scn.plan_from)
    units = units[units["kind"] == "psu"]
    out = explain_plan(hand_plan(), units, scn, lang="en").set_index("unit_id")
    b = out.at["B", "reason"]
    assert b.startswith("Decided by the planner (pins.merge); same type (District health centre)")
    assert "from B to A" in b and "10.4 km apart" in b and "combined staff 42" in b
    e = out.at["E", "reason"]
    assert "same locality (A)" in e and "0.0 km apart" in e and "combined staff 11" in e
    assert "same commune since 1 July 2025 (X)" in e  # what the compatibility table asks of two stations
    assert plan_csv(hand_plan().assign(kind="psu", sector="health", locality="A", cost=0.0), units, scn, lang="en")["reason"].notna().all()


def test_consequences_text_comes_first_in_the_terminal_report(scn, english):
    from orgmodel.plan import format_plan_table

    sol = solve_scenario(scn)
    text = format_plan_table(sol)
    assert text.index(format_consequences(sol.summary["consequences"]).splitlines()[0]) < text.index("Targets")


def test_reasons_are_vietnamese_by_default(scn, monkeypatch):
    """With the Vietnamese catalogue (orgmodel/locale/vi) the
    default language writes the reasons in Vietnamese, numbers the Vietnamese way."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    import orgmodel.i18n as i18n

    with open(Path(__file__).resolve().parents[1] / "orgmodel" / "locale" / "vi" / "LC_MESSAGES" / "orgmodel.po", "rb") as fh:
        vi = {m.id: m.string for m in read_po(fh, locale="vi") if m.id and m.string}
    monkeypatch.setattr(i18n, "catalogue", lambda lang: vi if lang == "vi" else {})
    monkeypatch.delenv("ORGMODEL_LANG", raising=False)
    units = scn.timeline.units_as_of(scn.plan_from)
    out = explain_plan(hand_plan(), units[units["kind"] == "psu"], scn).set_index("unit_id")
    assert out.at["B", "reason"].startswith("Theo quyết định của người lập phương án (pins.merge); "
                                            "cùng loại hình (Trung tâm y tế cấp huyện)")
    assert "cách nhau 10,4 km" in out.at["B", "reason"] and "tổng biên chế sau sáp nhập 42" in out.at["B", "reason"]
