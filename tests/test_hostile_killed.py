"""Hostile inputs, class 6: nothing left behind. A real process killed with SIGKILL in the middle
of writing leaves the previous output intact; the next run that writes there removes what the
killed one left (and never what a running one is writing), and leaves no temporary file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from orgmodel.files import MARKER, atomic_write_text, clean_stale, output_dir

CHILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from orgmodel import files
    mode, target = sys.argv[1], Path(sys.argv[2])

    def ready():
        print("ready", flush=True)
        time.sleep(120)  # killed here

    if mode == "folder":  # killed while the new folder is half written
        with files.output_dir(target) as tmp:
            (tmp / "plan.csv").write_text("half", encoding="utf-8")
            ready()
    elif mode == "swap":  # killed between the two renames of a swap (no atomic exchange)
        files._exchange = lambda a, b: False
        real = os.replace
        def replace(a, b):
            real(a, b)
            if str(b).endswith(".old"):
                ready()
        os.replace = replace
        with files.output_dir(target) as tmp:
            (tmp / "plan.csv").write_text("new", encoding="utf-8")
    elif mode == "file":  # killed while one file is half written
        os.fsync = lambda fd: ready()
        files.atomic_write_text(target, "half")
""")


def kill_mid_write(mode: str, target: Path) -> int:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, mode, str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read()
        left = [p.name for p in target.parent.iterdir() if f".orgmodel-{proc.pid}-" in p.name]
        assert left, "the child should be mid-write, with its temporary beside the output"
        assert clean_stale(target.parent, target.name) == [], "a running writer's temporary was removed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return proc.pid


def previous(out: Path) -> None:
    with output_dir(out) as d:
        (d / "plan.csv").write_text("complete", encoding="utf-8")


def test_folder_killed_mid_write(tmp_path):
    out = tmp_path / "run"
    previous(out)
    pid = kill_mid_write("folder", out)
    assert (out / "plan.csv").read_text(encoding="utf-8") == "complete"
    assert any(f"orgmodel-{pid}-" in p.name for p in tmp_path.iterdir()), "the killed run left its temporary folder"
    with output_dir(out) as d:
        (d / "plan.csv").write_text("next", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "plan.csv"])
    assert (out / "plan.csv").read_text(encoding="utf-8") == "next"


def test_killed_between_the_two_renames_of_a_swap(tmp_path):
    out = tmp_path / "run"
    previous(out)
    kill_mid_write("swap", out)
    assert not out.exists(), "the child was killed with the previous output set aside"
    clean_stale(tmp_path, "run")  # what the next run does first
    assert (out / "plan.csv").read_text(encoding="utf-8") == "complete", "the previous output was not put back"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_file_killed_mid_write(tmp_path):
    target = tmp_path / "cw.csv"
    atomic_write_text(target, "complete")
    kill_mid_write("file", target)
    assert target.read_text(encoding="utf-8") == "complete"
    assert len(list(tmp_path.iterdir())) == 2, "the killed run left its temporary file"
    atomic_write_text(target, "next")
    assert [p.name for p in tmp_path.iterdir()] == ["cw.csv"]


def test_only_orgmodel_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    keep = [".run.orgmodel-notapid-x.tmp", ".run.backup", "run.tmp", f".other.orgmodel-{dead}-abc.tmp",
            f".run.orgmodel-{os.getpid()}-abc.tmp"]
    for name in keep:
        (tmp_path / name).mkdir()
    (tmp_path / f".run.orgmodel-{dead}-abc.tmp").mkdir()
    removed = clean_stale(tmp_path, "run")
    assert [p.name for p in removed] == [f".run.orgmodel-{dead}-abc.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)
