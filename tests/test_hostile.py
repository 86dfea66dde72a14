"""The hostile-input corpus (tests/hostile/): each broken registry is refused with a message that
says what to fix, or read as intended with a warning. Never a traceback; never a changed input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orgmodel.cli import main
from orgmodel.registry import load_registry

CORPUS = Path(__file__).parent / "hostile" / "registries"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


pytestmark = pytest.mark.usefixtures("english")  # the English wording is checked


def expectations(case: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in (CORPUS / case / "expect.txt").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(": ")
        out.setdefault(key, []).append(value)
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("case", CASES)
def test_hostile_registry(case, tmp_path, capsys):
    folder = shutil.copytree(CORPUS / case, tmp_path / case)
    (folder / "expect.txt").unlink()
    before = snapshot(folder)
    exp = expectations(case)
    with pytest.raises(SystemExit) as info:
        main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert info.value.code == int(exp["exit"][0]), err
    assert "Traceback" not in err + out
    for words in exp.get("says", []) + exp.get("warns", []):
        assert words in err, f"{case}: expected {words!r} in:\n{err}"
    if info.value.code == 0:
        assert out.startswith("OK: ")
        reg = load_registry(folder)
        for spec in exp.get("name", []):
            uid, _, name = spec.partition(" = ")
            assert reg.units.set_index("unit_id").at[uid, "name"] == name
    assert snapshot(folder) == before, "validate changed or added files in the registry"


def test_corpus_is_not_empty():
    assert len(CASES) >= 15


SCENARIOS = Path(__file__).parent / "hostile" / "scenarios"


def scenario_cases() -> list[tuple[str, int, str]]:
    rows = []
    for line in (SCENARIOS / "expect.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, code, words = (p.strip() for p in line.split("|", 2))
            rows.append((name, int(code), words))
    return rows


def test_every_scenario_in_the_corpus_has_an_expectation():
    listed = {name for name, _, _ in scenario_cases()}
    assert listed == {p.name for p in SCENARIOS.glob("*.yaml")}


@pytest.mark.parametrize("name, code, words", scenario_cases())
def test_hostile_scenario(name, code, words, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["solve", str(SCENARIOS / name), "--out", str(out), "--quiet"])
    _, err = capsys.readouterr()
    assert info.value.code == code, err
    assert words in err and "Traceback" not in err
    assert not out.exists(), "a refused scenario must not leave an output folder"
