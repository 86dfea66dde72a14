"""orgmodel.whatif: settings -> scenario, pins checked against the plan, scenario files that make
runs, and the live controls (driven here without a browser; tests/test_browser.py drives them in one)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

from orgmodel import whatif as WI
from orgmodel.errors import InputError
from orgmodel.optimise import solve_scenario
from orgmodel.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "psu-10pct-2025.yaml"


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCENARIO)


def test_settings_round_trip_and_leave_the_loaded_scenario_alone(base):
    s = WI.Settings.from_scenario(base)
    assert (s.target_mode, s.target, s.baseline) == ("pct", 10.0, dt.date(2021, 12, 31))
    changed = dataclasses.replace(s, target=12.5, sectors=("education",), localities=("Hạ Long",), max_distance_km=20.0,
                                  min_staff=15)
    scn, notes = WI.apply_settings(base, changed)
    assert float(scn.targets[0].reduce_pct) == 12.5 and scn.targets[0].reduce_count is None
    assert scn.scope == {"sector": ("education",), "locality": ("Hạ Long",)}
    assert (scn.rules.max_distance_km, scn.rules.min_staff) == (20.0, 15)
    assert float(base.targets[0].reduce_pct) == 10 and base.scope is None and base.rules.min_staff is None
    count, _ = WI.apply_settings(base, dataclasses.replace(s, target_mode="count", target=40))
    assert count.targets[0].reduce_count == 40 and count.targets[0].reduce_pct is None
    with pytest.raises(InputError):
        WI.apply_settings(base, dataclasses.replace(s, target=-1))


def test_keep_pins_are_never_dropped(base):
    s = dataclasses.replace(WI.Settings.from_scenario(base), keep=("QN-TTTGPL",), forbid=(("QN-PCC1", "QN-TTTGPL"),))
    scn, notes = WI.apply_settings(base, s)
    if WI.supports_pins():
        assert WI.scenario_pins(scn)["keep"] == ("QN-TTTGPL",)
        assert WI.scenario_pins(scn)["forbid"] == (("QN-PCC1", "QN-TTTGPL"),)
    else:  # an orgmodel without pins: keep is the rule `protected`; forbid is reported, not silently lost
        assert "QN-TTTGPL" in scn.rules.protected
        assert any("forbid" in n for n in notes)


def test_pin_problems_name_each_pin_the_plan_breaks(base):
    plan = pd.DataFrame({"unit_id": ["A", "B"], "into_id": ["X", "Y"], "staff": [5, 7], "distance_km": [1.0, 2.0]})
    sol = type("Sol", (), {"status": "optimal", "plan": plan, "summary": {}})()
    s = WI.Settings(keep=("A",), forbid=(("B", "Y"),), merge=(("C", "X"), ("A", "X")))
    problems = WI.pin_problems(sol, s)
    assert problems == ["Sáp nhập bắt buộc C → X không có trong phương án.", "Phương án có sáp nhập B → Y dù đã bị cấm.",
                        "Đơn vị A được ghim giữ nguyên nhưng đã bị sáp nhập."]
    assert WI.pin_problems(sol, WI.Settings(keep=("Z",), merge=(("A", "X"),))) == []
    c, here = WI.consequences(sol)
    assert here and c == {"units_closed": 2, "staff_moved": 12, "max_distance_km": 2.0}


def test_a_saved_what_if_is_a_scenario_that_solves_the_same(base, tmp_path):
    s = dataclasses.replace(WI.Settings.from_scenario(base), target=12.0, max_distance_km=25.0)
    scn, _ = WI.apply_settings(base, s)
    path = WI.save_scenario(scn, tmp_path / "what-if.yaml", description="thử")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["name"] == "what-if" and doc["targets"][0]["reduce_pct"] == 12
    assert doc["rules"]["max_distance_km"] == 25 and doc["description"] == "thử"
    assert (path.parent / doc["registry"]).resolve() == (ROOT / "data" / "quang-ninh").resolve()
    again = load_scenario(path)
    a, b = solve_scenario(scn), solve_scenario(again)
    assert a.summary["merges"] == b.summary["merges"] and a.summary["objective"] == b.summary["objective"]
    assert a.plan["unit_id"].tolist() == b.plan["unit_id"].tolist()


def test_saving_refuses_bad_names_and_keeps_the_old_file(base, tmp_path):
    with pytest.raises(InputError, match="tên tệp là tên phương án"):  # Vietnamese by default
        WI.save_scenario(base, tmp_path / "thử nghiệm.yaml")
    with pytest.raises(InputError, match=".yaml"):
        WI.save_scenario(base, tmp_path / "x.txt")
    old = tmp_path / "kept.yaml"
    old.write_text("old", encoding="utf-8")
    broken = dataclasses.replace(base, rules=dataclasses.replace(base.rules, merge_within=("no-such-column",)))
    with pytest.raises(Exception):
        WI.save_scenario(broken, old)
    assert old.read_text(encoding="utf-8") == "old"


def test_the_live_controls_re_solve_and_save(base, tmp_path):
    app = WI.WhatIfApp(base, save_to=tmp_path / "what-if.yaml")
    assert app.runs == 1 and len(app.last.solution.plan) > 0
    merges = len(app.last.solution.plan)
    app.w_target.value = 15.0  # what the browser test does with the slider
    assert app.runs == 2 and len(app.last.solution.plan) > merges
    assert f'data-merges="{len(app.last.solution.plan)}"' in app.w_status.value
    assert len(app.map.lines.data["features"]) == len(app.last.solution.plan)  # the map followed
    plan_html = app.o_plan.outputs[0]["data"]["text/html"]
    assert app.last.solution.plan["unit_id"].iloc[-1] in plan_html
    assert "text/markdown" in app.o_sentences.outputs[0]["data"]
    label = next(lab for lab, uid in app.labels.items() if uid == "QN-TTTGPL")
    app.w_pin_kind.value, app.w_pin_unit.value = "keep", label
    app.w_add.click()
    assert app.settings.keep == ("QN-TTTGPL",) and app.runs == 3
    assert "QN-TTTGPL" not in set(app.last.solution.plan["unit_id"])
    app.w_save.click()
    assert (tmp_path / "what-if.yaml").exists()
    app.w_target.value = 12.0
    app.w_save.click()  # the second save compares with the first
    texts = " ".join(str(o.get("data", {}).get("text/html", "")) for o in app.o_save.outputs)
    assert "trước: what-if" in texts and "nay: what-if" in texts


def test_scope_is_chosen_by_vietnamese_names(base):
    app = WI.WhatIfApp(base)
    assert "Giáo dục" in app.w_sectors.allowed_tags and "education" not in app.w_sectors.allowed_tags
    assert "Cấp tỉnh" in app.w_localities.allowed_tags
    app.w_sectors.value = ["Tư pháp"]
    assert app.settings.sectors == ("justice",)
    assert set(app.last.solution.plan["sector"]) <= {"justice"} and app.last.scenario.scope["sector"] == ("justice",)


def test_pins_that_contradict_the_rules_are_named():
    sol = type("Sol", (), {"summary": {"blocking": [{"pin": "merge", "unit_id": "A", "into_id": "B", "reason": "khác lĩnh vực"}]}})()
    assert WI.blocking_sentences(sol) == ["Ghim buộc A → B mâu thuẫn với quy tắc: khác lĩnh vực."]
    assert WI.blocking_sentences(type("Sol", (), {"summary": {}})()) == []
