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
