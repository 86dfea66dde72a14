"""Proposal-ready exports, kept importable as ``orgmodel.export`` (``from orgmodel import export as X``).

The code lives in :mod:`orgmodel.outputs` (texts, tables, figures, xlsx, docx, report); this
module re-exports it and keeps the notebook-friendly signatures (a timeline with a baseline and
an as-of date, or one :class:`~orgmodel.views.View`). :func:`build_report` is the one-call
convenience for notebooks: it solves the scenario through the public API, then hands the answer
to :func:`orgmodel.outputs.report.write_report`, which never solves.
"""

from __future__ import annotations

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


def __getattr__(name: str):
    """``write_workbook`` is imported on first use (openpyxl is for the workbook alone)."""
    if name == "write_workbook":
        from .outputs.xlsx import write_workbook

        return write_workbook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
