"""The report folder: assembles computed results (one :class:`~orgmodel.views.View`, and a solved
scenario with its frontier when given) into figures, a workbook, a Word annex and a README. It
never solves: the caller (the CLI, :func:`orgmodel.export.build_report`) solves through the public
API and hands the Solution and the frontier in.

Folder written (replaced as a whole on the next run)::

    <out>/
      annex.docx          Word annex: summary, tables, figures with captions, parameters and sources
      tables.xlsx         a cover sheet, then one sheet per table
      figures/NN-*.png    each figure at 300 dpi, 16 cm wide
      figures/NN-*.svg    the same with editable text
      README.md           what is in the folder and how it was made
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import multiprocessing
import os
import signal
import contextlib
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from .. import fmt
from ..errors import InputError, OrgmodelError
from ..files import atomic_write_bytes, atomic_write_text, output_dir, refuse_overlap
from ..i18n import gettext as _
from ..views import View
from . import figtext as S
from . import tables as T
from . import texts as X
from .docx import FigureRef, write_annex

PAGE_HEIGHT_CM = 24.7  # A4 (29.7 cm) between the annex's margins, less a caption line


def _figures():
    """The drawing module, imported on first use: a report whose figures all come from the
    cache never imports matplotlib."""
    from . import figures

    return figures


def org_chart_pages(view: View, unit_id: str, lang: str | None = None) -> list[tuple[str, tuple]]:
    """(file suffix, panels) of a unit's organisation chart in the report: one figure with both
    dates when it fits an A4 page, else one figure per date (``-before``, ``-after``)."""
    if S.org_geometry(view.timeline, unit_id, view.baseline, view.as_of, title=False)["height_cm"] <= PAGE_HEIGHT_CM:
        return [("", S.ORG_PANELS)]
    return [("-before", ("before",)), ("-after", ("after",))]


@dataclass
class Progress:
    """What the report tells its caller as it goes: ``step(message)`` once per unit of work out
    of ``total`` (the CLI shows a progress bar on stderr)."""

    step: Callable[[str], None] = lambda _m: None
    total: Callable[[int], None] = lambda _n: None


@dataclass
class ReportPlan:
    """Everything the report will write, computed before anything is written."""

    tables: list = field(default_factory=list)
    scenario_tables: list = field(default_factory=list)
    figures: list = field(default_factory=list)  # (stem, Recipe) pairs
    captions: dict = field(default_factory=dict)
    texts: list = field(default_factory=list)
    scenario_texts: list = field(default_factory=list)
    plan_figures: set = field(default_factory=set)  # stems of the figures that depend on the plan


def check_org_units(view: View, org_units) -> list[str]:
    """The units whose organisation chart to draw: ``org_units`` (each open at both dates), or
    the department that changed most."""
    orgs = [T.pick_department(view)] if org_units is None else list(org_units)
    orgs = [u for u in orgs if u]
    for u in orgs:
        view.timeline.check_open(u, view.baseline)
        if not view.timeline.is_open(u, view.as_of):
            raise InputError(_("Unit {unit} is not open on {date}; an organisation chart needs a unit open at both dates.",
                               unit=repr(u), date=fmt.date(view.as_of)))
    return orgs


@dataclass(frozen=True)
class Ref:
    """Stands in a :class:`Recipe` for an object of the report's state: ``view``, ``timeline``,
    ``solution`` or ``front`` (a forked worker reads its own copy)."""

    name: str


VIEW, TIMELINE, SOLUTION, FRONT = Ref("view"), Ref("timeline"), Ref("solution"), Ref("front")


@dataclass(frozen=True)
class Recipe:
    """How to draw one figure, as data: ``fn`` of :mod:`orgmodel.outputs.figures` called with
    ``args`` and ``kwargs``, each :class:`Ref` among them replaced by the object it names. Data,
    not a closure: a worker forked before the scenario was solved is sent the plan figures'
    recipes (and the solution) once they are known."""

    fn: str
    args: tuple = ()
    kwargs: tuple = ()  # (name, value) pairs

    def draw(self, context: dict):
        def get(v):
            return context[v.name] if isinstance(v, Ref) else v
        return getattr(_figures(), self.fn)(*map(get, self.args), **{k: get(v) for k, v in self.kwargs})


def _recipe(fn: str, *args, **kwargs) -> Recipe:
    return Recipe(fn, args, tuple(sorted(kwargs.items())))


def state_figures(view: View, *, lang: str | None = None, org_units=None,
                  target: tuple[str, float] | None = ("psu", 10)) -> tuple[list[tuple[str, Recipe]], dict]:
    """The (stem, recipe) of every figure of the state at ``view``, and their captions."""
    lang = fmt.check_lang(lang)
    b, d = fmt.date(view.baseline, lang), fmt.date(view.as_of, lang)
    tk, tp = target if target else (None, None)
    figures = [
        ("01-progress", _recipe("progress_chart", VIEW, lang=lang, title=False)),
        ("02-reconciliation", _recipe("waterfall_chart", VIEW, lang=lang, title=False)),
        ("03-trajectory", _recipe("trajectory_chart", VIEW, target_kind=tk, target_pct=tp, lang=lang, title=False)),
        ("04-by-sector", _recipe("breakdown_chart", VIEW, by="sector", lang=lang, title=False)),
        ("05-by-locality", _recipe("breakdown_chart", VIEW, by="locality", lang=lang, title=False)),
    ]
    captions = {
        "01-progress": S.text("progress", lang, base=b, date=d),
        "02-reconciliation": S.text("waterfall", lang, kind=fmt.kind_text("all", lang), base=b, date=d),
        "03-trajectory": S.text("trajectory", lang, base=b),
        "04-by-sector": S.text("by_sector", lang, base=b, date=d),
        "05-by-locality": S.text("by_locality", lang, base=b, date=d),
    }
    tl = view.timeline
    orgs = check_org_units(view, org_units)
    for i, u in enumerate(orgs):
        stem = f"06-org-chart-{u}" if len(orgs) == 1 else f"06{chr(ord('a') + i)}-org-chart-{u}"
        for suffix, panels in org_chart_pages(view, u, lang):
            figures.append((stem + suffix, _recipe("org_chart", TIMELINE, u, view.baseline, view.as_of, panels=panels,
                                                   lang=lang, title=False)))
            captions[stem + suffix] = S.org_title(fmt.nfc(tl.units.at[u, "name"]), view.baseline, view.as_of, panels, lang)
    return figures, captions


def plan_figures(solution, front: pd.DataFrame | None = None, *, lang: str | None = None) -> tuple[list[tuple[str, Recipe]], dict]:
    """The (stem, recipe) of every figure of a solved scenario (and its frontier), and their captions."""
    lang = fmt.check_lang(lang)
    sol = solution
    plan = X.plan_title(sol.scenario, lang)
    figures = [("07-plan-by-sector", _recipe("plan_chart", SOLUTION, by="sector", lang=lang, title=False)),
               ("08-plan-by-locality", _recipe("plan_chart", SOLUTION, by="locality", lang=lang, title=False))]
    captions = {"07-plan-by-sector": S.text("plan_sector", lang, name=plan),
                "08-plan-by-locality": S.text("plan_locality", lang, name=plan)}
    if len(sol.plan) and S.has_coordinates(sol):
        figures.append(("09-merge-map", _recipe("merge_map", SOLUTION, lang=lang, title=False)))
        captions["09-merge-map"] = S.text("map", lang, name=plan, n=fmt.number(len(sol.plan), lang))
    if front is not None and len(front):
        figures.append(("10-frontier", _recipe("frontier_chart", FRONT, SOLUTION, lang=lang, title=False)))
        captions["10-frontier"] = S.text("frontier", lang, name=plan)
    return figures, captions


def state_report(view: View, *, lang: str | None = None, org_units=None, target: tuple[str, float] | None = ("psu", 10),
                 figures: tuple[list, dict] | None = None) -> ReportPlan:
    """The state's part of a report: its tables, texts and figure recipes (``figures``: those of
    :func:`state_figures`, when already worked out)."""
    lang = fmt.check_lang(lang)
    rp = ReportPlan()
    figures, captions = figures or state_figures(view, lang=lang, org_units=org_units, target=target)
    rp.figures, rp.captions = list(figures), dict(captions)
    rp.tables = [T.progress_table(view, lang=lang), T.reconciliation_table(view, lang=lang), T.trajectory_table(view, lang=lang),
                 T.breakdown_table(view, by="sector", lang=lang), T.breakdown_table(view, by="locality", lang=lang),
                 T.crosswalk_table(view, lang=lang)]
    rp.texts = [X.summary_sentence(view, lang=lang), X.reconciliation_sentence(view, lang=lang)]
    if target:
        rp.texts.append(X.target_sentence(view, target[0], target[1], lang=lang))
    return rp


def plan_report(view: View, *, solution=None, front: pd.DataFrame | None = None, lang: str | None = None,
                org_units=None, target: tuple[str, float] | None = ("psu", 10),
                state: ReportPlan | None = None) -> ReportPlan:
    """The tables, texts and figure recipes of a report, all read from ``view`` and ``solution``
    (``state``: the state's part, :func:`state_report`, when already worked out)."""
    lang = fmt.check_lang(lang)
    base = state or state_report(view, lang=lang, org_units=org_units, target=target)
    rp = dataclasses.replace(base, figures=list(base.figures), captions=dict(base.captions), tables=list(base.tables),
                             texts=list(base.texts), scenario_tables=[], scenario_texts=[], plan_figures=set())
    if solution is not None:
        sol, scn = solution, solution.scenario
        rp.scenario_texts = X.scenario_sentences(sol, lang)
        cons = T.consequences_table(sol, lang)
        rp.scenario_tables = ([cons] if cons is not None else []) + [
            T.targets_table(sol, lang), T.plan_table(sol, lang), T.plan_group_table(sol, "sector", lang),
            T.plan_group_table(sol, "locality", lang)]
        if front is not None:
            rp.scenario_tables.append(T.frontier_table(front, lang=lang, scn=scn))
        figures, captions = plan_figures(sol, front, lang=lang)
        rp.figures += figures
        rp.captions.update(captions)
        rp.plan_figures = {stem for stem, _recipe in figures}
    return rp


class ReportWriter:
    """A report folder being written, opened before the scenario is solved: the folder is checked
    at once, the state's figures are taken from the cache or drawn by forked workers while the
    caller solves (from :data:`EARLY_CORES` cores), and :meth:`write` adds the plan, the tables,
    the annex and the README. Use it as a context manager; the folder replaces ``out_dir``
    when the block ends without an error, and nothing at ``out_dir`` changes otherwise::

        with ReportWriter(view, out, scenario=scn) as report:
            solution, front = solve_for_report(scn)
            report.write(solution, front)
    """

    def __init__(self, view: View, out_dir, *, scenario=None, lang: str | None = None, force: bool = False,
                 org_units=None, target: tuple[str, float] | None = ("psu", 10), progress: Progress | None = None):
        from ..plan import scenario_inputs

        self.view, self.out, self.force = view, Path(out_dir), force
        self.lang, self.target = fmt.check_lang(lang), target
        self.progress = progress or Progress()
        refuse_overlap(self.out, [(view.registry.path, "the registry")] + ([] if scenario is None else scenario_inputs(scenario)))
        self.state = state_figures(view, lang=self.lang, org_units=org_units, target=target)  # a bad --unit fails here
        self.scenario = scenario
        self._stack = contextlib.ExitStack()
        self._state_report: ReportPlan | None = None
        self.tmp: Path | None = None
        self.drawing: Drawing | None = None

    def __enter__(self) -> "ReportWriter":
        with contextlib.ExitStack() as stack:
            self.tmp = stack.enter_context(output_dir(self.out, force=self.force))
            context = {"view": self.view, "timeline": self.view.timeline, "scenario": self.scenario}
            self.drawing = stack.enter_context(Drawing(self.tmp / "figures", context))
            key = figure_key(self.view, None, None, self.lang, self.target)  # the state's figures: shared by every scenario
            for stem, recipe in self.state[0]:
                self.drawing.submit(stem, recipe, key)
            if self.scenario is not None and self.drawing.waiting and (os.cpu_count() or 1) >= EARLY_CORES:
                self.drawing.start(early=True)  # the state's figures drawn while the scenario is solved
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc) -> bool | None:
        return self._stack.__exit__(*exc)

    def prepare(self) -> ReportPlan:
        """The state's tables and texts, worked out now (the command does it while the scenario
        is solved in another process); :meth:`write` uses them."""
        if self._state_report is None:
            self._state_report = state_report(self.view, lang=self.lang, target=self.target, figures=self.state)
        return self._state_report

    def write(self, solution=None, front: pd.DataFrame | None = None) -> Path:
        """Add the plan (when given), the tables, the annex and the README; the folder is in
        place once the ``with`` block ends. Returns the folder."""
        if self.tmp is None or self.drawing is None:
            raise RuntimeError("call ReportWriter.write() inside its with block")
        view, lang, tmp, drawing, progress = self.view, self.lang, self.tmp, self.drawing, self.progress
        if solution is not None and self.scenario is not None and solution.scenario is not self.scenario:
            raise ValueError("the solution is not of the scenario this report was opened with")
        rp = plan_report(view, solution=solution, front=front, lang=lang, target=self.target, state=self.prepare())
        progress.total(len(rp.figures) + 3)
        if solution is not None:
            key = figure_key(view, solution, front, lang, self.target)
            plan = [(stem, r) for stem, r in rp.figures if stem in rp.plan_figures]
            for stem, recipe in plan:
                drawing.submit(stem, recipe, key, plan={"solution": solution, "front": front})
        drawing.call("tables.xlsx", _("Excel workbook"), functools.partial(  # after the figures, in a worker
            _workbook, tmp / "tables.xlsx", rp.tables + rp.scenario_tables, lang, cover_rows(view, solution, front, lang),
            annex_subtitle(view, lang)))
        drawing.start()
        drawing.count(progress)
        folder = tmp / "figures"
        refs = {stem: FigureRef(rp.captions[stem], folder / f"{stem}.png", folder / f"{stem}.svg",
                                ready=functools.partial(drawing.wait, stem)) for stem, _r in rp.figures}
        write_annex(tmp / "annex.docx", title=_("Annex", lang), subtitle=annex_subtitle(view, lang),
                    sections=sections(view, rp, refs, solution, front, lang), lang=lang)  # it waits for each figure it shows
        progress.step(_("Word annex"))
        drawing.finish()
        progress.step("README.md")
        atomic_write_text(tmp / "README.md", readme(view, solution, refs, lang))
        return self.out


def _workbook(path: Path, tables: list, lang: str, cover, title: str) -> None:
    from .xlsx import write_workbook

    atomic_write_bytes(path, write_workbook(tables, lang, cover=cover, title=title))


def write_report(view: View, out_dir, *, solution=None, front: pd.DataFrame | None = None, lang: str | None = None,
                 force: bool = False, org_units=None, target: tuple[str, float] | None = ("psu", 10),
                 progress: Progress | None = None) -> Path:
    """Write the report folder for ``view`` (and ``solution`` / ``front`` when given). The folder
    is built aside and swapped in whole, and never inside the registry or next to the scenario
    file. Returns the folder. (:class:`ReportWriter` does the same with the state's figures
    drawn while the scenario is solved.)"""
    with ReportWriter(view, out_dir, scenario=None if solution is None else solution.scenario, lang=lang, force=force,
                      org_units=org_units, target=target, progress=progress) as report:
        report.write(solution, front)
    return Path(out_dir)


# ---------------------------------------------------------------- figures: cached, rendered in parallel


def cache_dir() -> Path | None:
    """Where rendered figures are kept between runs: ``ORGMODEL_CACHE`` (a folder, or ``off``),
    else ``$XDG_CACHE_HOME/orgmodel/figures`` (``~/.cache/orgmodel/figures``)."""
    env = os.environ.get("ORGMODEL_CACHE", "").strip()
    if env.lower() in ("off", "0", "no", "none"):
        return None
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "orgmodel" / "figures"


def _hash_files(paths) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.name).encode("utf-8"))
        h.update(p.read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    """The package's code and catalogues: a figure drawn by other code is never reused."""
    root = Path(__file__).resolve().parents[1]
    return _hash_files([p for p in root.rglob("*") if p.suffix in (".py", ".po", ".csv", ".yaml") and p.is_file()])


def figure_key(view: View, solution, front, lang: str, target) -> str | None:
    """A digest of everything the report's figures depend on: the code, the registry's files, the
    dates, the language, the target, and the solved plan and frontier; None when unknown."""
    path = Path(view.registry.path)
    try:
        files = [p for p in path.iterdir() if p.is_file()] if path.is_dir() else [path]
        h = hashlib.sha256("\0".join([_code_hash(), _hash_files(files), view.baseline.isoformat(),
                                       view.as_of.isoformat(), lang, repr(target)]).encode("utf-8"))
    except OSError:
        return None
    if solution is not None:
        h.update(solution.plan.to_csv(index=False).encode("utf-8"))
        steady = {k: v for k, v in solution.summary.items() if k != "solver"}  # solver timings vary run to run
        h.update(json.dumps(steady, sort_keys=True, default=str).encode("utf-8"))
        h.update(repr(dataclasses.asdict(solution.scenario.rules) if dataclasses.is_dataclass(solution.scenario.rules)
                      else solution.scenario.rules).encode("utf-8"))
    if front is not None:
        h.update(front.to_csv(index=False).encode("utf-8"))
    return h.hexdigest()


#: what the workers of the running :class:`Drawing` inherit when forked (the report's state)
_CONTEXT: dict = {}


#: cores from which the state's figures are drawn while the scenario is solved (each worker then
#: imports matplotlib itself). Measured on 2 cores, first report of a registry: 4.21 s against
#: 4.41 s (median of 8 runs each, measured before the command solved in a process of its own); from
#: 4 cores the drawing and the solve no longer take turns.
EARLY_CORES = 2


def fresh_std_streams() -> None:
    """In a forked process: stdout and stderr as new objects on the same descriptors. A stream
    inherited from the parent may carry a lock another thread held at the fork (a progress bar
    refreshing), and the process flushes its streams when it ends."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        try:
            setattr(sys, name, io.TextIOWrapper(io.FileIO(os.dup(fd), "w"), encoding=getattr(old, "encoding", None) or "utf-8",
                                                errors=getattr(old, "errors", None) or "backslashreplace", line_buffering=True))
        except OSError:  # no such descriptor: nothing to write to
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))


def _init_worker(preload: bool) -> None:
    """A drawing worker: its own std streams; Ctrl-C is the parent's to handle; matplotlib
    imported at once when figures will come."""
    fresh_std_streams()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if preload:
        _figures().preload()


def _draw(stem: str, recipe: Recipe, folder: Path, kept: list[Path] | None, plan: dict | None) -> None:
    """Draw one figure from the inherited state (and ``plan``: the solution and frontier, sent
    along), save its PNG and SVG into ``folder``, and keep a copy in the cache."""
    context = dict(_CONTEXT, **(plan or {}))
    png, svg = _figures().save_figure(recipe.draw(context), folder / stem)
    if kept:
        try:
            for written, copy in zip((png, svg), kept):
                atomic_write_bytes(copy, written.read_bytes())
        except (OSError, OrgmodelError):  # a cache that cannot be written is only slower, never an error
            pass


def _portable(plan: dict, context: dict) -> dict:
    """The solution and frontier as sent to a worker: without the scenario when the worker
    inherited it (the solution's own tables only), and without the solver's model."""
    sol = plan.get("solution")
    if sol is None:
        return plan
    if dataclasses.is_dataclass(sol):
        drop = {"instance": None} if hasattr(sol, "instance") else {}
        if context.get("scenario") is not None and getattr(sol, "scenario", None) is context["scenario"]:
            drop["scenario"] = None
        sol = dataclasses.replace(sol, **drop)
    return {**plan, "solution": sol, "_scenario_inherited": getattr(sol, "scenario", 0) is None}


def _run(fn: Callable, *args):
    """A job in a worker: a solution sent without its scenario gets the inherited one back."""
    if args and isinstance(args[-1], dict) and args[-1].pop("_scenario_inherited", False):
        plan = args[-1]
        plan["solution"] = dataclasses.replace(plan["solution"], scenario=_CONTEXT["scenario"])
    return fn(*args)


class Drawing:
    """The report's figures (and other files) written by forked workers while this process goes
    on (one worker per core, at most 4, the report's state ``context`` inherited). A figure drawn
    before for the same inputs is copied from the cache instead. :meth:`submit` queues a figure,
    :meth:`call` another job; the workers start at :meth:`start` (with matplotlib imported once
    here and inherited) or at the first :meth:`wait`. :meth:`wait` returns when one job is done
    (the Word annex waits for each figure where it shows it), :meth:`finish` when all are, raising
    the first failure. Without ``fork``, or with one core, each job runs here when it is waited
    for. Progress is stepped once per job as its end is seen, from :meth:`count` on."""

    def __init__(self, folder: Path, context: dict):
        self.folder, self.context = folder, context
        self.cache = cache_dir()
        self.pool: ProcessPoolExecutor | None = None
        self.pending: list[tuple[str, Callable, tuple]] = []
        self.jobs: dict[str, Callable[[], None]] = {}
        self.futures: dict[str, Future] = {}
        self.labels: dict[str, str] = {}
        self.seen: list[str] = []
        self.progress: Progress | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> "Drawing":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (a job under way is let finish; the queued ones are dropped)."""
        global _CONTEXT
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        _CONTEXT = {}

    def get_ready(self) -> None:
        """Import what drawing needs here, unless workers already drawing import it themselves
        (the report does it while its scenario is solved in another process)."""
        if self.pool is None and (os.cpu_count() or 1) > 1:
            _figures().preload()

    def start(self, *, early: bool = False) -> None:
        """Start the queued jobs: fork the workers (they inherit the state as it is now), or keep
        the jobs to run here. ``early`` (before the scenario is solved, the state's figures to draw
        meanwhile): each worker imports matplotlib itself, leaving this process free to solve."""
        cores = os.cpu_count() or 1
        if self.pool is None and cores > 1 and "fork" in multiprocessing.get_all_start_methods():
            global _CONTEXT
            _CONTEXT = self.context
            figures = any(fn is _draw for _n, fn, _a in self.pending)
            if figures and not early:
                _figures().preload()  # once here, inherited by the workers
            for stream in (sys.stdout, sys.stderr):  # nothing buffered here is written twice by a worker
                stream.flush()
            workers = min(cores, 4) if early else min(cores, 4, max(len(self.pending), 1))
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_init_worker, initargs=(early,))
        pending, self.pending = self.pending, []
        if not early:  # in the order the annex shows them (it waits for each): the plan's, the state's, other jobs
            pending.sort(key=lambda job: 2 if job[1] is not _draw else 0 if job[2][-1].get("solution") is not None else 1)
        for name, fn, args in pending:
            if self.pool is not None:
                if args and isinstance(args[-1], dict):
                    args = (*args[:-1], _portable(args[-1], self.context))
                self.futures[name] = self.pool.submit(_run, fn, *args)
            else:
                self.jobs[name] = functools.partial(fn, *args)

    def _add(self, name: str, label: str, fn: Callable, *args) -> None:
        self.labels[name] = label
        self.pending.append((name, fn, args))
        if self.pool is not None:
            self.start()

    def submit(self, stem: str, recipe: Recipe, key: str | None, plan: dict | None = None) -> None:
        """Queue figure ``stem`` (``plan``: the solution and frontier its recipe reads)."""
        kept = [self.cache / key[:2] / f"{key}-{stem}.{ext}" for ext in ("png", "svg")] if self.cache and key else None
        if kept and kept[0].is_file() and kept[1].is_file():
            atomic_write_bytes(self.folder / f"{stem}.png", kept[0].read_bytes())
            atomic_write_bytes(self.folder / f"{stem}.svg", kept[1].read_bytes())
            self.labels[stem] = _("figure {name}", name=stem)
            self._seen(stem)
            return
        self._add(stem, _("figure {name}", name=stem), _draw, stem, recipe, self.folder, kept, dict(plan or {}))

    def call(self, name: str, label: str, fn: Callable[[], None]) -> None:
        """Queue another job (a picklable callable: the workers may be running already)."""
        self._add(name, label, fn)

    @property
    def waiting(self) -> bool:
        """True when jobs are queued and not started."""
        return bool(self.pending)

    def count(self, progress: Progress) -> None:
        """Step ``progress`` for every job seen done so far, and for each one from now on."""
        self.progress = progress
        for name in self.seen:
            progress.step(self.labels[name])

    def _seen(self, name: str) -> None:
        if name not in self.seen:
            self.seen.append(name)
            if self.progress is not None:
                self.progress.step(self.labels[name])

    def wait(self, name: str) -> None:
        """Return when job ``name`` is done (running it here when there are no workers)."""
        if self.pending:
            self.start()
        if name in self.futures:
            self.futures[name].result()
        elif name in self.jobs and name not in self.seen:
            global _CONTEXT
            _CONTEXT, saved = self.context, _CONTEXT
            try:
                self.jobs[name]()
            finally:
                _CONTEXT = saved
        self._seen(name)
        for other, fut in self.futures.items():  # the others that ended meanwhile
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self._seen(other)

    def finish(self) -> None:
        """Return when every job is done; a job's failure is raised here."""
        if self.pending:
            self.start()
        for name in [*self.futures, *self.jobs]:
            self.wait(name)


def annex_subtitle(view: View, lang: str | None = None) -> str:
    return _("Restructuring of agencies and public service units: {name}, {base} to {date}", lang,
             name=S.registry_title(view.registry, lang), base=fmt.date(view.baseline, lang), date=fmt.date(view.as_of, lang))


def _sources(view: View) -> list[str]:
    meta = getattr(view.registry, "meta", None) or {}
    src = meta.get("sources") or []
    return [fmt.nfc(s) for s in (src if isinstance(src, list) else [src])]


def _synthetic_note(view: View, lang: str) -> str:
    meta = getattr(view.registry, "meta", None) or {}
    if meta.get("generator"):
        return _("Unit-level lists are synthetic (generated by {generator}), calibrated to the published figures "
                 "named in the sources; territory, departments and legal changes are real.", lang, generator=meta["generator"])
    return _("As recorded in the registry; nothing is generated.", lang)


def parameter_rows(view: View, solution=None, front=None, lang: str | None = None) -> list[tuple[str, str]]:
    """(label, value) of every parameter the results depend on."""
    lang = fmt.check_lang(lang)
    rows = [(_("Registry", lang), f"{S.registry_title(view.registry, lang)} ({view.registry.path})"),
            (_("Baseline", lang), fmt.date(view.baseline, lang)), (_("As of", lang), fmt.date(view.as_of, lang))]
    if solution is not None:
        scn = solution.scenario
        rows += [(_("Plan", lang), X.plan_title(scn, lang)),
                 (_("Scenario file", lang), str(scn.path or scn.name)),
                 (_("Plan drawn on the state of", lang), fmt.date(scn.plan_from, lang)),
                 (_("Units that may be merged", lang), X.kinds_phrase(scn.movable, lang))]
        rows += [(_("Target {n}", lang, n=i), X.target_label(t, lang, st))
                 for i, (t, st) in enumerate(zip(solution.summary["targets"], scn.targets), start=1)]
        rows.append((_("Answer", lang), X.status(solution.summary["status"], lang)))
        if front is not None:
            rows.append((_("Points on the cost curve", lang), fmt.number(len(front), lang)))
    return rows


def cover_rows(view: View, solution=None, front=None, lang: str | None = None) -> list[tuple[str, str]]:
    """The workbook's cover sheet: parameters, sources and what is synthetic."""
    lang = fmt.check_lang(lang)
    rows = parameter_rows(view, solution, front, lang)
    rows += [(_("Source {n}", lang, n=i), s) for i, s in enumerate(_sources(view), start=1)]
    rows += [(_("Synthetic data", lang), _synthetic_note(view, lang)), (_("Made with", lang), "orgmodel")]
    return rows


def sections(view: View, rp: ReportPlan, refs: dict, solution, front, lang: str) -> list:
    t = {x.key: x for x in rp.tables}
    f = refs
    n = 1
    out = [(_("{n}. Summary", lang, n=n), list(rp.texts))]
    out[0][1].append(_("The crosswalk of units from {base} to {date} ({n} rows) is in tables.xlsx, sheet “{sheet}”.", lang,
                       base=fmt.date(view.baseline, lang), date=fmt.date(view.as_of, lang),
                       n=fmt.number(len(t["crosswalk"].frame), lang), sheet=X.sheet("crosswalk", lang)))
    if solution is not None:
        st = {x.key: x for x in rp.scenario_tables}
        n += 1
        items = list(rp.scenario_texts) + [st[k] for k in ("consequences", "targets", "plan_sector") if k in st]
        items += [f[k] for k in ("07-plan-by-sector", "08-plan-by-locality", "09-merge-map", "10-frontier") if k in f]
        items += [st[k] for k in ("plan", "frontier") if k in st]
        out.append((_("{n}. {plan}", lang, n=n, plan=X.plan_title(solution.scenario, lang)), items))
    n += 1
    out.append((_("{n}. Against the baseline", lang, n=n),
                [t["progress"], f["01-progress"], t["reconciliation"], f["02-reconciliation"], t["trajectory"], f["03-trajectory"]]))
    n += 1
    out.append((_("{n}. By sector and locality", lang, n=n), [t["sector"], f["04-by-sector"], t["locality"], f["05-by-locality"]]))
    orgs = [r for k, r in f.items() if "-org-chart-" in k]
    if orgs:
        n += 1
        out.append((_("{n}. Organisation chart", lang, n=n), orgs))
    n += 1
    params = [f"{k}: {v}." for k, v in parameter_rows(view, solution, front, lang)]
    params += [_("Source: {source}", lang, source=s) for s in _sources(view)]
    params.append(_synthetic_note(view, lang))
    out.append((_("{n}. Parameters and sources", lang, n=n), params))
    return out


def readme(view: View, solution, refs: dict, lang: str) -> str:
    reg, b, d = view.registry, view.baseline, view.as_of
    lines = [
        "# " + _("Report: {name}, {base} to {date}", lang, name=reg.name, base=fmt.date(b, lang), date=fmt.date(d, lang)),
        "",
        _("Written by orgmodel; this folder is replaced as a whole on the next run.", lang),
        "",
        f"- {_('Registry', lang)}: `{reg.path}`; {_('Baseline', lang)} {fmt.date(b, lang)}; {_('As of', lang)} {fmt.date(d, lang)}",
    ]
    if solution is not None:
        scn = solution.scenario
        lines.append(f"- {X.plan_title(scn, lang)} (`{scn.path or scn.name}`): {X.status(solution.summary['status'], lang)}, "
                     + _("{n} units merged", lang, n=fmt.number(solution.summary["merges"], lang)))
    lines += [f"- `annex.docx`: {_('the Word annex (summary, tables, figures with captions, parameters and sources)', lang)}",
              f"- `tables.xlsx`: {_('a cover sheet, then every table; numbers stored as numbers', lang)}",
              f"- `figures/`: {_('each figure as PNG (300 dpi) and SVG (editable text):', lang)}", ""]
    lines += [f"  - `{k}`: {r.caption}" for k, r in refs.items()]
    return "\n".join(lines) + "\n"
