"""How the report is written, not what it says: figures drawn by forked workers while the
scenario is solved (recipes and solutions sent to workers forked before the plan existed), a
failure in a worker reaching the caller with nothing written, each figure laid out and drawn
once per file, the annex's tables written as one piece of XML, and a report whose figures all
come from the cache never importing matplotlib (nor seaborn's ipywidgets outside a notebook)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import docx
import pytest

from orgmodel import export as X
from orgmodel.outputs import report as R

from conftest import TINY_SCENARIO, write_registry

B, D = "2015-12-31", "2021-12-31"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def scenario(tmp_path):
    write_registry(tmp_path / "reg")
    path = tmp_path / "scn.yaml"
    path.write_text(TINY_SCENARIO.format(name="t", description="x"), encoding="utf-8")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "figures").glob("*"))}


def test_workers_forked_before_the_solve_draw_the_same_figures(scenario, monkeypatch):
    """Started before the solve (from 2 cores), the workers get the plan's recipes and
    the solution afterwards, without its scenario (they inherited it): the figures are the same,
    byte for byte, as those of workers started after the solve."""
    tmp = scenario.parent
    monkeypatch.setattr(R, "EARLY_CORES", 10**6)  # started after the solve
    late = X.build_report(tmp / "reg", B, D, tmp / "late", scenario=scenario, org_units=[], frontier_steps=2)
    sent = []
    real = R._portable
    monkeypatch.setattr(R, "_portable", lambda plan, ctx: sent.append(real(plan, ctx)) or sent[-1])
    monkeypatch.setattr(R, "EARLY_CORES", 1)
    early = X.build_report(tmp / "reg", B, D, tmp / "early", scenario=scenario, org_units=[], frontier_steps=2)
    assert _files(early) == _files(late) and any(n.startswith("07-") for n in _files(early))
    plans = [p for p in sent if p]
    assert plans and all(p["solution"].scenario is None and p["_scenario_inherited"] for p in plans)


def test_a_figure_that_fails_in_a_worker_fails_the_report_and_writes_nothing(scenario, monkeypatch):
    from orgmodel.errors import InputError
    from orgmodel.outputs import figures as G

    def broken(*_a, **_k):
        raise InputError("no map today")

    monkeypatch.setattr(G, "merge_map", broken)  # the workers are forked after this: they inherit it
    monkeypatch.setattr(R.S, "has_coordinates", lambda sol: True)
    with pytest.raises(InputError, match="no map today"):
        X.build_report(scenario.parent / "reg", B, D, scenario.parent / "out", scenario=scenario, org_units=[],
                       frontier_steps=2)
    assert not (scenario.parent / "out").exists()
    assert not [p for p in scenario.parent.iterdir() if p.name.startswith(".out")]  # no temporary folder left


def test_each_file_of_a_figure_is_drawn_once_and_laid_out_as_savefig_would(monkeypatch, tmp_path):
    """save_figure lays the figure out once at 300 dpi and draws each file once; the PNG is the
    one savefig makes with constrained layout (which would draw it twice)."""
    import io

    import numpy as np
    from matplotlib.figure import Figure
    from PIL import Image

    from orgmodel.outputs import figures as G

    def drawn():
        with G.figure_style():
            fig = G.new_figure("column", 6)
            ax = fig.add_subplot()
            ax.bar(["Trường", "Trạm Y tế"], [3, 5])
            ax.set_title("Số đơn vị giảm")
            return G.finish(fig, "Một hình thử", "nguồn thử", "vi")

    reference = io.BytesIO()
    drawn().savefig(reference, format="png", dpi=G.DPI)
    draws = []
    real = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: draws.append(1) or real(self, r))
    fig = drawn()
    png, svg = G.save_figure(fig, tmp_path / "f")
    assert len(draws) == 2  # one per file
    assert fig.get_layout_engine() is not None  # the figure keeps its engine
    same = [np.asarray(Image.open(p).convert("RGB")) for p in (reference, png)]
    assert same[0].shape == same[1].shape and (same[0] == same[1]).all()


def test_annex_tables_are_written_whole_with_any_text(tmp_path):
    """Cell text with XML specials, control characters, tabs and line breaks reaches Word as
    text (escaped, control characters dropped), numbers right-aligned."""
    import pandas as pd
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from orgmodel.outputs.docx import write_annex
    from orgmodel.outputs.tables import Table

    frame = pd.DataFrame({"Tên <đơn vị> & \"mã\"": ["A & B <c>", "x\x01y\x0bz", "một\thai", "dòng 1\ndòng 2"],
                          "Biên chế": [1261, 2, 3, 4]})
    path = write_annex(tmp_path / "a.docx", title="Phụ lục", subtitle="thử", lang="vi",
                       sections=[("1. Bảng", [Table("t", "Bảng thử", frame, {"Biên chế": "#,##0"})])])
    table = docx.Document(path).tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["Tên <đơn vị> & \"mã\"", "Biên chế"]
    assert [r[0] for r in cells[1:]] == ["A & B <c>", "xyz", "một\thai", "dòng 1\ndòng 2"]
    assert cells[1][1] == "1.261"
    assert table.rows[1].cells[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert table.rows[1].cells[0].paragraphs[0].alignment is None


def test_a_report_from_the_cache_never_imports_matplotlib(tmp_path):
    """The second report of the same inputs copies every figure from the cache: matplotlib is
    never imported. Drawing outside a notebook imports seaborn without ipywidgets or IPython."""
    write_registry(tmp_path / "reg")
    code = textwrap.dedent(f"""
        import os, sys
        os.environ["ORGMODEL_CACHE"] = {str(tmp_path / "cache")!r}
        from orgmodel import export as X
        X.build_report({str(tmp_path / "reg")!r}, {B!r}, {D!r}, {str(tmp_path / "a")!r}, org_units=[])
        drew = "matplotlib" in sys.modules
        print(drew, "seaborn" in sys.modules, "ipywidgets" in sys.modules, "IPython" in sys.modules)
    """)
    first = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["True", "True", "False", "False"]
    code2 = code.replace(str(tmp_path / "a"), str(tmp_path / "b"))
    second = subprocess.run([sys.executable, "-c", code2], cwd=ROOT, capture_output=True, text=True, check=True)
    assert second.stdout.split() == ["False", "False", "False", "False"]
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_with_one_core_the_jobs_run_in_this_process_with_the_same_figures(scenario, monkeypatch):
    """No fork, or one core: every job runs here when the annex (or the end) waits for it."""
    tmp = scenario.parent
    forked = X.build_report(tmp / "reg", B, D, tmp / "forked", scenario=scenario, org_units=[], frontier_steps=2)
    monkeypatch.setattr(R.os, "cpu_count", lambda: 1)
    pools = []
    monkeypatch.setattr(R, "ProcessPoolExecutor", lambda *a, **k: pools.append(1))
    here = X.build_report(tmp / "reg", B, D, tmp / "here", scenario=scenario, org_units=[], frontier_steps=2)
    assert not pools and _files(here) == _files(forked)
    assert (here / "tables.xlsx").is_file() and (here / "annex.docx").is_file()


def test_ctrl_c_during_a_report_says_so_and_leaves_nothing(scenario, monkeypatch, capsys):
    """Ctrl-C (here: while the scenario is solved) ends the command with exit code 130 and a
    message in Vietnamese; no folder and no temporary folder stay behind."""
    from orgmodel import cli
    from orgmodel import export

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "solve_for_report", interrupted)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", str(scenario.parent / "reg"), "--as-of", D, "--scenario", str(scenario), "--out",
                  str(scenario.parent / "out"), "--unit", "none", "--quiet"])
    assert exit_.value.code == 130
    assert "Đã dừng" in capsys.readouterr().err
    assert not [p for p in scenario.parent.iterdir() if p.name.startswith(".out") or p.name == "out"]


def test_the_scenario_solved_aside_gives_the_same_answer_with_this_scenario(scenario):
    from orgmodel.scenario import load_scenario

    scn = load_scenario(scenario)
    here = X.solve_for_report(scn, frontier_steps=3)
    with X.SolveAside(scn, frontier_steps=3) as solving:
        assert solving.child is not None  # (2 cores or more, fork: this machine)
        aside = solving.result()
    assert aside[0].scenario is scn and aside[0].status == here[0].status
    assert aside[0].plan.equals(here[0].plan) and aside[1].equals(here[1])


def test_an_error_while_solving_aside_is_raised_here_whole(scenario, monkeypatch):
    import pandas as pd

    from orgmodel.errors import ValidationError
    from orgmodel.scenario import load_scenario

    problems = pd.DataFrame([{"severity": "error", "file": "scn.yaml", "line": 3, "id": "", "column": "targets",
                              "value": "x", "message": "không đọc được mục tiêu"}])

    def broken(*_a, **_k):
        raise ValidationError(problems, "Kịch bản có lỗi")

    monkeypatch.setattr(X, "solve_for_report", broken)  # the child is forked after this: it inherits it
    with pytest.raises(ValidationError) as err, X.SolveAside(load_scenario(scenario)) as solving:
        solving.result()
    assert err.value.problems.equals(problems) and "scn.yaml:3: không đọc được mục tiêu" in str(err.value)


def test_leaving_early_stops_the_solving_process(scenario, monkeypatch):
    import time

    from orgmodel.scenario import load_scenario

    monkeypatch.setattr(X, "solve_for_report", lambda *a, **k: time.sleep(60))
    t = time.perf_counter()
    with pytest.raises(KeyboardInterrupt), X.SolveAside(load_scenario(scenario)) as solving:
        child = solving.child
        raise KeyboardInterrupt
    assert not child.is_alive() and time.perf_counter() - t < 10


def test_forked_processes_write_through_streams_of_their_own(capfd):
    """A worker or the solving child replaces the stdout and stderr it inherited (whose lock a
    progress bar's thread may have held at the fork) by new streams on the same descriptors."""
    saved = sys.stdout, sys.stderr
    try:
        R.fresh_std_streams()
        fresh = sys.stdout, sys.stderr
        print("ra stdout", flush=True)
        print("ra stderr", file=sys.stderr, flush=True)
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.close()
        sys.stdout, sys.stderr = saved
    assert fresh[0] is not saved[0] and fresh[1] is not saved[1]
    out, err = capfd.readouterr()
    assert "ra stdout" in out and "ra stderr" in err


def test_an_error_that_cannot_cross_the_pipe_keeps_its_words_and_exit_code():
    from orgmodel.errors import EXIT_INVALID, OrgmodelError

    class Stubborn(OrgmodelError):
        exit_code = EXIT_INVALID

        def __init__(self, what, where):  # two arguments: unpickling with one fails
            super().__init__(f"{what} ở {where}")

    sent = X._portable_error(Stubborn("thiếu cột", "units.csv"))
    assert isinstance(sent, OrgmodelError) and str(sent) == "thiếu cột ở units.csv" and sent.exit_code == EXIT_INVALID
    plain = ValueError("x")
    assert X._portable_error(plain) is plain
