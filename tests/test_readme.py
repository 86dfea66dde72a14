"""Numbers the README claims are computed here, not copied."""

from __future__ import annotations

import subprocess
import sys

from conftest import QN, ROOT


def test_readme_status_block_is_what_make_status_prints():
    proc = subprocess.run([sys.executable, "-m", "orgmodel", "status", str(QN), "--baseline", "2015-12-31", "--as-of", "2021-12-31"],
                          capture_output=True, text=True, check=True)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert proc.stdout.strip() in readme


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```", 2)[1]  # the first code block, right under the title
    commands = [l.split("#")[0].split() for l in first_block.splitlines() if l.strip()]
    assert commands == [["make", "status"], ["make", "test"]]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
