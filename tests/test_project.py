"""The project's own promises: environment.yml mirrors pyproject.toml; make help lists targets."""

from __future__ import annotations

import re
import subprocess
import tomllib

from conftest import ROOT


def _names(specs):
    return {re.split(r"[<>=!\[ ]", s.strip(), maxsplit=1)[0].lower() for s in specs}


def test_environment_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = _names(project["dependencies"]) | _names(project["optional-dependencies"]["test"])
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    listed = _names(m for m in re.findall(r"^\s+- ([A-Za-z][\w.-]*[^\n]*)$", env, flags=re.M))
    missing = wanted - listed
    assert not missing, f"environment.yml lacks {sorted(missing)} that pyproject.toml lists"


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    documented = set(re.findall(r"^([a-z][a-z-]*):.*## ", makefile, flags=re.M))
    assert targets <= documented, f"targets without a ## description: {sorted(targets - documented)}"
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for t in documented:
        assert t in out
