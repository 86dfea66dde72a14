"""Hostile inputs, class 1: the same file by another path. Nothing a run reads may be written,
whatever the path: symbolic links, hard links, `--out .`, an output folder inside the registry or
around the scenario. Every case is refused with exit 3 before anything is written, naming the file,
and every input is byte-identical afterwards. The links are made at test time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import TINY_SCENARIO, write_registry

from orgmodel.cli import main
from orgmodel.errors import OutputError
from orgmodel.files import MARKER, output_dir, refuse_overlap


pytestmark = pytest.mark.usefixtures("english")  # the English wording is checked


def snapshot(*folders: Path) -> dict[str, bytes]:
    out = {}
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                out[str(p)] = p.read_bytes()
    return out


def run(args, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return info.value.code, err


@pytest.fixture
def project(tmp_path, monkeypatch):
    """tmp/reg (registry), tmp/s.yaml (scenario on it), cwd = tmp."""
    write_registry(tmp_path / "reg")
    (tmp_path / "s.yaml").write_text(TINY_SCENARIO.format(name="s", description="links"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _previous_output(folder: Path) -> Path:
    """An output folder orgmodel wrote before (so that only the link rule can refuse it)."""
    with output_dir(folder) as d:
        (d / "plan.csv").write_text("old\n", encoding="utf-8")
    return folder


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def registry_file_is_symlink_into_output(p):
    out = _previous_output(p / "out")
    (out / "units.csv").write_bytes((p / "reg" / "units.csv").read_bytes())
    (p / "reg" / "units.csv").unlink()
    (p / "reg" / "units.csv").symlink_to(out / "units.csv")
    return out, "units.csv"


@case
def registry_file_is_hard_link_into_output(p):
    out = _previous_output(p / "out")
    os.link(p / "reg" / "events.csv", out / "events.csv")
    return out, "events.csv"


@case
def output_holds_symlink_to_registry_file(p):
    out = _previous_output(p / "out")
    (out / "after").mkdir()
    (out / "after" / "units.csv").symlink_to(p / "reg" / "units.csv")
    return out, "units.csv"


@case
def output_holds_symlink_to_registry_folder(p):
    out = _previous_output(p / "out")
    (out / "data").symlink_to(p / "reg", target_is_directory=True)
    return out, "reg"


@case
def output_is_symlink_into_registry(p):
    (p / "link").symlink_to(p / "reg", target_is_directory=True)
    return p / "link" / "out", "reg"


@case
def output_is_current_folder(p):
    return Path("."), "current folder"


@case
def output_is_registry(p):
    return p / "reg", "reg"


@case
def output_inside_registry(p):
    return p / "reg" / "plans", "reg"


@case
def output_holds_scenario(p):
    (p / "sub").mkdir()
    text = (p / "s.yaml").read_text(encoding="utf-8").replace("registry: reg", "registry: ../reg")
    (p / "sub" / "s.yaml").write_text(text, encoding="utf-8")
    return p / "sub", "s.yaml"


def _scenario(p: Path) -> Path:
    return p / "sub" / "s.yaml" if (p / "sub" / "s.yaml").exists() else p / "s.yaml"


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("command", ["solve", "frontier", "report"])
def test_nothing_read_is_written(name, command, project, capsys):
    out, says = CASES[name](project)
    before = snapshot(project)
    args = {
        "solve": ["solve", _scenario(project), "--out", out, "--quiet"],
        "frontier": ["frontier", _scenario(project), "--out", out, "--quiet", "--steps", "2"],
        "report": ["report", project / "reg", "--as-of", "2021-12-31", "--out", out, "--lang", "en"],
    }[command]
    if command == "report" and name == "output_holds_scenario":
        args += ["--scenario", _scenario(project)]
    code, err = run(args, capsys)
    assert code == 3, err
    assert "Refusing to write" in err and says in err, err
    assert snapshot(project) == before, "a refused run changed, added or removed a file"


@pytest.mark.parametrize("name", sorted(n for n in CASES if n != "output_holds_scenario"))
def test_crosswalk_out_never_writes_an_input(name, project, capsys):
    out, says = CASES[name](project)
    target = out if name in ("output_is_registry",) else out / "cw.csv"
    if name == "output_is_current_folder":
        target = Path("reg") / "units.csv"  # the current folder holds the registry: its file by a relative path
    before = snapshot(project)
    code, err = run(["crosswalk", project / "reg", "--from", "2016-12-31", "--to", "2021-12-31", "--out", target], capsys)
    if name in ("registry_file_is_hard_link_into_output", "output_holds_symlink_to_registry_file",
                "output_holds_symlink_to_registry_folder", "registry_file_is_symlink_into_output"):
        assert code == 0, err  # a new file beside the links changes nothing that is read
        assert snapshot(project).items() >= before.items()
        return
    assert code == 3, err
    assert snapshot(project) == before


def test_crosswalk_out_is_a_hard_link_to_the_registry(project, capsys):
    os.link(project / "reg" / "units.csv", project / "cw.csv")
    before = snapshot(project)
    code, err = run(["crosswalk", project / "reg", "--from", "2016-12-31", "--to", "2021-12-31", "--out", "cw.csv"], capsys)
    assert code == 3 and "units.csv" in err and "never changes its input" in err
    assert snapshot(project) == before


def test_out_inside_the_scenario_folder_is_allowed(project, capsys):
    """Only a folder that holds the scenario is refused; a new folder beside it is a normal choice."""
    code, err = run(["solve", project / "s.yaml", "--out", project / "answers", "--quiet"], capsys)
    assert code == 0, err
    assert (project / "answers" / "plan.csv").exists() and (project / "answers" / MARKER).exists()


def test_refuse_overlap_sees_a_bind_mount_like_identity(tmp_path, monkeypatch):
    """Two spellings of one folder (here: a symlinked parent) are the same folder."""
    reg = write_registry(tmp_path / "reg")
    (tmp_path / "alias").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(OutputError, match="the registry"):
        refuse_overlap(tmp_path / "alias" / "reg" / "x", [(reg, "the registry")])
    refuse_overlap(tmp_path / "alias" / "elsewhere", [(reg, "the registry")])


def test_synth_refuses_the_current_folder_even_forced(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "thesis.docx").write_text("precious", encoding="utf-8")
    code, err = run(["synth", ".", "--provinces", "1", "--force"], capsys)
    assert code == 3 and "current folder" in err
    assert (tmp_path / "thesis.docx").read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]
