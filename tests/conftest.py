"""Shared fixtures: tiny hand-drawn registries written from inline CSV text."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QN = ROOT / "data" / "quang-ninh"

# A small scenario on BASE_UNITS (written to <folder>/reg): two pairs of PSUs can merge.
TINY_SCENARIO = """\
name: {name}
description: {description}
registry: reg
plan_from: 2021-12-31
baseline: 2015-12-31
targets:
  - kind: psu
    reduce_count: 2
movable: [psu]
"""

UNITS_HEADER = "unit_id,name,kind,level,sector,parent_id,locality,staff,autonomy,lat,lon"
EVENTS_HEADER = "event_id,date,type,sources,targets,new_parent_id,legal_basis,note"

# A small province: one government root, one district, a department with divisions and PSUs.
BASE_UNITS = """\
P,UBND tỉnh,government,province,general,,province,10,,,
D1,UBND huyện A,government,district,general,P,A,10,,,
D2,UBND huyện B,government,district,general,P,B,10,,,
DEP,Sở Y tế,agency,province,health,P,province,40,,21.0,107.0
DIV1,Phòng Tổ chức,agency,province,health,DEP,province,8,,21.0,107.0
DIV2,Phòng Kế hoạch,agency,province,health,DEP,province,6,,21.0,107.0
H1,Trung tâm Y tế A,psu,district,health,DEP,A,200,3,21.1,107.1
H2,Trung tâm Y tế B,psu,district,health,DEP,B,150,3,21.2,107.2
S1,Trường Tiểu học 1,psu,district,education,D1,A,30,4,21.1,107.1
S2,Trường Tiểu học 2,psu,district,education,D1,A,20,4,21.1,107.2
S3,Trường Tiểu học 3,psu,district,education,D2,B,25,4,21.2,107.2
"""


def write_registry(folder: Path, units_rows: str = BASE_UNITS, events_rows: str = "", *,
                   units_header: str = UNITS_HEADER, events_header: str = EVENTS_HEADER) -> Path:
    """Write units.csv/events.csv from row text (dedented; header added)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.csv").write_text(units_header + "\n" + textwrap.dedent(units_rows), encoding="utf-8")
    (folder / "events.csv").write_text(events_header + "\n" + textwrap.dedent(events_rows), encoding="utf-8")
    return folder


@pytest.fixture
def make_registry(tmp_path):
    counter = {"n": 0}

    def _make(events_rows: str = "", units_rows: str = BASE_UNITS, **kw) -> Path:
        counter["n"] += 1
        return write_registry(tmp_path / f"reg{counter['n']}", units_rows, events_rows, **kw)

    return _make


@pytest.fixture(scope="session")
def qn_timeline():
    """The bundled Quảng Ninh registry's timeline, built once per test process."""
    from orgmodel.registry import load_registry
    from orgmodel.timeline import Timeline

    return Timeline(load_registry(QN))


@pytest.fixture
def english(monkeypatch):
    """Messages in English (the default is Vietnamese): for tests that check the English wording."""
    from orgmodel import i18n

    monkeypatch.setenv("ORGMODEL_LANG", "en")
    i18n.set_lang("en")
    yield
    i18n.set_lang(None)


# Rendered figures are cached between runs (orgmodel.outputs.report.cache_dir); the tests keep
# theirs out of the user's home (tests/test_office.py checks the cache itself).
os.environ.setdefault("ORGMODEL_CACHE", "off")
