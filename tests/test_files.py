"""Safe outputs: atomic files, whole-folder swaps, no mixing with foreign files, never into inputs."""

from __future__ import annotations

import pytest

from orgmodel.errors import OutputError
from orgmodel.files import MARKER, atomic_write_text, output_dir, refuse_overlap


pytestmark = pytest.mark.usefixtures("english")  # the English wording is checked


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    atomic_write_text(tmp_path / "a.csv", "x\n1\n")
    atomic_write_text(tmp_path / "a.csv", "x\n2\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]
    assert (tmp_path / "a.csv").read_text() == "x\n2\n"


def test_output_dir_swaps_whole_folder(tmp_path):
    out = tmp_path / "run"
    with output_dir(out) as d:
        (d / "old.csv").write_text("old")
    with output_dir(out) as d:
        (d / "new.csv").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "new.csv"])  # old results not mixed in
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_interrupted_run_keeps_previous_results(tmp_path):
    out = tmp_path / "run"
    with output_dir(out) as d:
        (d / "plan.csv").write_text("complete")
    with pytest.raises(KeyboardInterrupt):
        with output_dir(out) as d:
            (d / "plan.csv").write_text("half")
            raise KeyboardInterrupt
    assert (out / "plan.csv").read_text() == "complete"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_foreign_folder_refused_unless_forced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(OutputError, match="did not write"):
        with output_dir(out):
            pass
    assert (out / "thesis.docx").read_text() == "precious"
    with output_dir(out, force=True) as d:
        (d / "x").write_text("1")
    assert not (out / "thesis.docx").exists()


def test_refuse_inside_registry(tmp_path, english):
    reg = tmp_path / "reg"
    reg.mkdir()
    with pytest.raises(OutputError, match="never changes its input"):
        refuse_overlap(reg / "out", [(reg, "the registry")])
    with pytest.raises(OutputError):
        refuse_overlap(reg, [(reg, "the registry")])
    refuse_overlap(tmp_path / "elsewhere", [(reg, "the registry")])


def test_output_folder_that_is_a_symlink_or_the_current_folder_is_refused(tmp_path, monkeypatch):
    real = tmp_path / "real"
    with output_dir(real) as d:
        (d / "plan.csv").write_text("kept")
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    with pytest.raises(OutputError, match="is a symbolic link"):
        with output_dir(tmp_path / "link"):
            pass
    monkeypatch.chdir(real)
    for out in (".", "..", str(real)):
        with pytest.raises(OutputError, match="current folder"):
            with output_dir(out, force=True):
                pass
    assert (real / "plan.csv").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]
