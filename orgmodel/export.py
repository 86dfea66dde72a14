"""Proposal-ready exports, kept importable as ``orgmodel.export`` (``from orgmodel import export as X``).

The code lives in :mod:`orgmodel.outputs` (texts, tables, figures, xlsx, docx, report); this
module re-exports it and keeps the notebook-friendly signatures (a timeline with a baseline and
an as-of date, or one :class:`~orgmodel.views.View`). :func:`build_report` is the one-call
convenience for notebooks: it solves the scenario through the public API, then hands the answer
to :func:`orgmodel.outputs.report.write_report`, which never solves.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from . import fmt
from .outputs import texts as _texts
from .outputs.data import as_view
from .outputs.docx import FigureRef, write_annex  # noqa: F401
from .outputs.report import Progress, ReportWriter, org_chart_pages, write_report  # noqa: F401
from .outputs.tables import (INT, PCT, DEC1, DEC2, Table, breakdown_table, compare_table, consequences_table,  # noqa: F401
                             crosswalk_table, fate_table, frontier_table, lineage_events_table, pick_department,
                             plan_group_table, plan_table, progress_table, reconciliation_table, targets_table,
                             trajectory_table, variant)
from .outputs.texts import H, SHEETS, STATUS, TITLES, h, plan_title, scenario_sentences, sheet, target_label  # noqa: F401
from .registry import Registry, load_registry
from .timeline import Timeline
from .views import View


def summary_sentence(state, baseline=None, as_of=None, lang: str | None = None) -> str:
    """:func:`orgmodel.outputs.texts.summary_sentence` of a View, or of a timeline at two dates."""
    return _texts.summary_sentence(as_view(state, baseline, as_of), lang=lang)


def reconciliation_sentence(state, baseline=None, as_of=None, lang: str | None = None) -> str:
    """:func:`orgmodel.outputs.texts.reconciliation_sentence` of a View, or of a timeline at two dates."""
    return _texts.reconciliation_sentence(as_view(state, baseline, as_of), lang=lang)


def target_sentence(state, kind: str, pct: float, baseline=None, as_of=None, lang: str | None = None) -> str:
    """:func:`orgmodel.outputs.texts.target_sentence` of a View, or of a timeline at two dates."""
    return _texts.target_sentence(as_view(state, baseline, as_of), kind, pct, lang=lang)


def lineage_sentence(tl, unit_id: str, as_of, lang: str | None = None) -> str:
    """Who carries on ``unit_id`` at ``as_of``, as a sentence."""
    from . import lineage as L

    tl = getattr(tl, "timeline", tl)
    return _texts.lineage_sentence(tl, unit_id, L.successors(tl, unit_id, as_of), as_of, lang)


def build_report(registry, baseline, as_of, out_dir, *, scenario=None, lang: str | None = None, force: bool = False,
                 org_units=None, target: tuple[str, float] | None = ("psu", 10), frontier_steps: int | None = None,
                 log: Callable[[str], None] | None = None, progress: Progress | None = None) -> Path:
    """Write a proposal-ready folder for ``registry`` between ``baseline`` and ``as_of``; with
    ``scenario`` (a YAML path or a loaded Scenario) solve it once, sweep its frontier, and add the
    plan. See :func:`orgmodel.outputs.report.write_report` for the folder."""
    from .scenario import Scenario, load_scenario

    lang = fmt.check_lang(lang)
    reg = registry if isinstance(registry, Registry) else load_registry(registry)
    view = View(Timeline(reg), as_of, baseline)
    scn = scenario if scenario is None or isinstance(scenario, Scenario) else load_scenario(scenario)
    # the folder is checked, and the state's figures start drawing, before any solve
    with ReportWriter(view, out_dir, scenario=scn, lang=lang, force=force, org_units=org_units, target=target,
                      progress=progress) as writer:
        sol, front = solve_for_report(scn, frontier_steps=frontier_steps, log=log)
        writer.write(sol, front)
    return Path(out_dir)


def solve_for_report(scenario, *, frontier_steps: int | None = None, log: Callable[[str], None] | None = None):
    """(solution, frontier) of a scenario (a path or a loaded Scenario), or (None, None)."""
    if scenario is None:
        return None, None
    from .optimise import frontier, solve_scenario
    from .scenario import Scenario, load_scenario

    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    log = log or (lambda _m: None)
    sol = solve_scenario(scn, log=log)
    return sol, frontier(scn, steps=frontier_steps, log=log)


def _solve_child(conn, scn, frontier_steps) -> None:
    """In a forked child: solve, send (solution without its scenario and model, frontier) or the error."""
    import dataclasses
    import signal

    from .outputs.report import fresh_std_streams

    fresh_std_streams()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops this child
    try:
        sol, front = solve_for_report(scn, frontier_steps=frontier_steps)
        message = ("ok", dataclasses.replace(sol, scenario=None, instance=None), front)
    except BaseException as exc:  # noqa: BLE001  (sent to the parent, raised there)
        message = ("error", _portable_error(exc), None)
    try:
        conn.send(message)
    except Exception as exc:  # an answer that cannot be pickled (a bug): its words still reach the parent
        conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), None))
    conn.close()


def _portable_error(exc: BaseException) -> BaseException:
    """``exc`` when it crosses a pipe unchanged; else an error of the same kind and words (an
    OrgmodelError keeps its exit code)."""
    import pickle

    from .errors import OrgmodelError

    try:
        back = pickle.loads(pickle.dumps(exc))
        if type(back) is type(exc) and str(back) == str(exc):
            return exc
    except Exception:  # noqa: BLE001  (then the words are sent)
        pass
    if isinstance(exc, OrgmodelError):
        plain = OrgmodelError(str(exc))
        plain.exit_code = exc.exit_code
        return plain
    return RuntimeError(f"{type(exc).__name__}: {exc}")


class SolveAside:
    """:func:`solve_for_report` of a loaded scenario in a forked child process, while this
    process goes on (the report command gets its folder, tables and drawing ready meanwhile)::

        with SolveAside(scn, frontier_steps=25) as solving:
            ...                                   # work here
            solution, front = solving.result()    # the same answer, with this process's scenario

    Without ``fork``, or with one core, :meth:`result` solves here. An error in the child is
    raised by :meth:`result`; leaving the block early (an error here, Ctrl-C) stops the child."""

    def __init__(self, scenario, *, frontier_steps: int | None = None):
        self.scenario, self.frontier_steps = scenario, frontier_steps
        self.child = self.receive = None
        self.answered = False

    def __enter__(self) -> "SolveAside":
        import multiprocessing
        import os

        if self.scenario is None or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return self
        ctx = multiprocessing.get_context("fork")
        self.receive, send = ctx.Pipe(duplex=False)
        self.child = ctx.Process(target=_solve_child, args=(send, self.scenario, self.frontier_steps),
                                 name="orgmodel-solve", daemon=True)
        for stream in (sys.stdout, sys.stderr):  # nothing buffered here is written twice by the child
            stream.flush()
        self.child.start()
        send.close()
        return self

    def result(self):
        """(solution, frontier), as :func:`solve_for_report` gives them."""
        import dataclasses

        if self.child is None:
            return solve_for_report(self.scenario, frontier_steps=self.frontier_steps)
        try:
            status, value, front = self.receive.recv()
        except EOFError:
            self.child.join()
            raise RuntimeError(f"the solving process ended without an answer (exit code {self.child.exitcode})") from None
        self.answered = True  # the child ends by itself: it is joined when the block ends
        if status != "ok":
            raise value
        return dataclasses.replace(value, scenario=self.scenario), front

    def __exit__(self, *exc) -> None:
        if self.child is None:
            return
        self.receive.close()
        self.child.join(timeout=5.0 if self.answered else 0.0)
        if self.child.is_alive():  # still solving: stopped
            self.child.terminate()
            self.child.join()
        self.child = None


def __getattr__(name: str):
    """``write_workbook`` is imported on first use (openpyxl is for the workbook alone)."""
    if name == "write_workbook":
        from .outputs.xlsx import write_workbook

        return write_workbook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
