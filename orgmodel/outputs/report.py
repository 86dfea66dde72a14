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
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from .. import fmt
from ..errors import InputError, OrgmodelError
from ..files import atomic_write_bytes, atomic_write_text, output_dir, refuse_overlap
from ..i18n import gettext as _
from ..views import View
from . import figures as G
from . import tables as T
from . import texts as X
from .docx import FigureRef, write_annex
from .xlsx import write_workbook

PAGE_HEIGHT_CM = 24.7  # A4 (29.7 cm) between the annex's margins, less a caption line


def org_chart_pages(view: View, unit_id: str, lang: str | None = None) -> list[tuple[str, tuple]]:
    """(file suffix, panels) of a unit's organisation chart in the report: one figure with both
    dates when it fits an A4 page, else one figure per date (``-before``, ``-after``)."""
    if G.org_geometry(view.timeline, unit_id, view.baseline, view.as_of, title=False)["height_cm"] <= PAGE_HEIGHT_CM:
        return [("", G.ORG_PANELS)]
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
    figures: list = field(default_factory=list)  # (stem, draw) pairs
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


def plan_report(view: View, *, solution=None, front: pd.DataFrame | None = None, lang: str | None = None,
                org_units=None, target: tuple[str, float] | None = ("psu", 10)) -> ReportPlan:
    """The tables, texts and figure recipes of a report, all read from ``view`` and ``solution``."""
    lang = fmt.check_lang(lang)
    b, d = fmt.date(view.baseline, lang), fmt.date(view.as_of, lang)
    rp = ReportPlan()
    orgs = check_org_units(view, org_units)
    rp.tables = [T.progress_table(view, lang=lang), T.reconciliation_table(view, lang=lang), T.trajectory_table(view, lang=lang),
                 T.breakdown_table(view, by="sector", lang=lang), T.breakdown_table(view, by="locality", lang=lang),
                 T.crosswalk_table(view, lang=lang)]
    tk, tp = target if target else (None, None)
    rp.figures = [
        ("01-progress", lambda: G.progress_chart(view, lang=lang, title=False)),
        ("02-reconciliation", lambda: G.waterfall_chart(view, lang=lang, title=False)),
        ("03-trajectory", lambda: G.trajectory_chart(view, target_kind=tk, target_pct=tp, lang=lang, title=False)),
        ("04-by-sector", lambda: G.breakdown_chart(view, by="sector", lang=lang, title=False)),
        ("05-by-locality", lambda: G.breakdown_chart(view, by="locality", lang=lang, title=False)),
    ]
    rp.captions = {
        "01-progress": G.text("progress", lang, base=b, date=d),
        "02-reconciliation": G.text("waterfall", lang, kind=fmt.kind_text("all", lang), base=b, date=d),
        "03-trajectory": G.text("trajectory", lang, base=b),
        "04-by-sector": G.text("by_sector", lang, base=b, date=d),
        "05-by-locality": G.text("by_locality", lang, base=b, date=d),
    }
    tl = view.timeline
    for i, u in enumerate(orgs):
        stem = f"06-org-chart-{u}" if len(orgs) == 1 else f"06{chr(ord('a') + i)}-org-chart-{u}"
        for suffix, panels in org_chart_pages(view, u, lang):
            rp.figures.append((stem + suffix, lambda u=u, panels=panels: G.org_chart(tl, u, view.baseline, view.as_of,
                                                                                       panels=panels, lang=lang, title=False)))
            rp.captions[stem + suffix] = G.org_title(fmt.nfc(tl.units.at[u, "name"]), view.baseline, view.as_of, panels, lang)
    rp.texts = [X.summary_sentence(view, lang=lang), X.reconciliation_sentence(view, lang=lang)]
    if target:
        rp.texts.append(X.target_sentence(view, target[0], target[1], lang=lang))
    if solution is not None:
        sol, scn = solution, solution.scenario
        plan = X.plan_title(scn, lang)
        rp.scenario_texts = X.scenario_sentences(sol, lang)
        cons = T.consequences_table(sol, lang)
        rp.scenario_tables = ([cons] if cons is not None else []) + [
            T.targets_table(sol, lang), T.plan_table(sol, lang), T.plan_group_table(sol, "sector", lang),
            T.plan_group_table(sol, "locality", lang)]
        rp.figures += [("07-plan-by-sector", lambda: G.plan_chart(sol, by="sector", lang=lang, title=False)),
                       ("08-plan-by-locality", lambda: G.plan_chart(sol, by="locality", lang=lang, title=False))]
        rp.captions["07-plan-by-sector"] = G.text("plan_sector", lang, name=plan)
        rp.captions["08-plan-by-locality"] = G.text("plan_locality", lang, name=plan)
        if len(sol.plan) and G.has_coordinates(sol):
            rp.figures.append(("09-merge-map", lambda: G.merge_map(sol, lang=lang, title=False)))
            rp.captions["09-merge-map"] = G.text("map", lang, name=plan, n=fmt.number(len(sol.plan), lang))
        if front is not None:
            rp.scenario_tables.append(T.frontier_table(front, lang=lang, scn=scn))
            if len(front):
                rp.figures.append(("10-frontier", lambda: G.frontier_chart(front, sol, lang=lang, title=False)))
                rp.captions["10-frontier"] = G.text("frontier", lang, name=plan)
    rp.plan_figures = {stem for stem, _draw in rp.figures if stem[:2] in ("07", "08", "09", "10")}
    return rp


def write_report(view: View, out_dir, *, solution=None, front: pd.DataFrame | None = None, lang: str | None = None,
                 force: bool = False, org_units=None, target: tuple[str, float] | None = ("psu", 10),
                 progress: Progress | None = None) -> Path:
    """Write the report folder for ``view`` (and ``solution`` / ``front`` when given). Everything
    is computed before anything is written; the folder is built aside and swapped in whole, and
    never inside the registry or next to the scenario file. Returns the folder."""
    lang = fmt.check_lang(lang)
    progress = progress or Progress()
    out = Path(out_dir)
    reg = view.registry
    scn = solution.scenario if solution is not None else None
    from ..plan import scenario_inputs

    refuse_overlap(out, [(reg.path, "the registry")] + ([] if scn is None else scenario_inputs(scn)))
    rp = plan_report(view, solution=solution, front=front, lang=lang, org_units=org_units, target=target)
    progress.total(len(rp.figures) + 3)
    with output_dir(out, force=force) as tmp:
        refs: dict[str, FigureRef] = {}
        state_key = figure_key(view, None, None, lang, target)  # the state's figures: shared by every scenario
        plan_key = figure_key(view, solution, front, lang, target) if solution is not None else state_key
        keys = {stem: (plan_key if stem in rp.plan_figures else state_key) for stem, _draw in rp.figures}
        def workbook() -> None:  # written while the figures are drawn in the workers
            atomic_write_bytes(tmp / "tables.xlsx", write_workbook(rp.tables + rp.scenario_tables, lang,
                                                                   cover=cover_rows(view, solution, front, lang),
                                                                   title=annex_subtitle(view, lang)))
            progress.step(_("Excel workbook"))

        for stem, (png, svg) in render_figures(rp.figures, tmp / "figures", keys, progress, meanwhile=workbook):
            refs[stem] = FigureRef(rp.captions[stem], png, svg)
        progress.step(_("Word annex"))
        write_annex(tmp / "annex.docx", title=_("Annex", lang), subtitle=annex_subtitle(view, lang),
                    sections=sections(view, rp, refs, solution, front, lang), lang=lang)
        progress.step("README.md")
        atomic_write_text(tmp / "README.md", readme(view, solution, refs, lang))
    return out


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


_JOBS: list = []


def _render(i: int, folder: str) -> tuple[str, str]:
    """Draw and save job ``i`` (run in a forked worker: the jobs are inherited, never pickled)."""
    stem, draw = _JOBS[i]
    png, svg = G.save_figure(draw(), Path(folder) / stem)
    return str(png), str(svg)


def render_figures(figures: list, folder: Path, keys: dict, progress: Progress,
                   meanwhile: Callable[[], None] | None = None) -> list[tuple[str, tuple[Path, Path]]]:
    """Save every (stem, draw) figure as PNG + SVG into ``folder``: from the cache when the same
    figure was drawn before for the same inputs, else drawn in parallel (one forked worker per
    core, at most 4) and cached. ``meanwhile`` runs in this process while the workers draw (or
    after the figures, when they are drawn here). Returns (stem, (png, svg)) in the given order."""
    meanwhile = meanwhile or (lambda: None)
    cache = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    done: dict[str, tuple[Path, Path]] = {}
    todo = []
    for stem, draw in figures:
        key = keys.get(stem)
        hit = [cache / key[:2] / f"{key}-{stem}.{ext}" for ext in ("png", "svg")] if cache and key else None
        if hit and hit[0].is_file() and hit[1].is_file():
            png = atomic_write_bytes(folder / f"{stem}.png", hit[0].read_bytes())
            svg = atomic_write_bytes(folder / f"{stem}.svg", hit[1].read_bytes())
            done[stem] = (png, svg)
            progress.step(_("figure {name}", name=stem))
        else:
            todo.append((stem, draw))
    if todo:
        G.preload()  # once here, inherited by the forked workers
    workers = min(len(todo), os.cpu_count() or 1, 4)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        global _JOBS
        _JOBS = todo
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = {pool.submit(_render, i, str(folder)): stem for i, (stem, _d) in enumerate(todo)}
                meanwhile()
                for fut in as_completed(futures):
                    png, svg = fut.result()
                    done[futures[fut]] = (Path(png), Path(svg))
                    progress.step(_("figure {name}", name=futures[fut]))
        finally:
            _JOBS = []
    else:
        for stem, draw in todo:
            done[stem] = G.save_figure(draw(), folder / stem)
            progress.step(_("figure {name}", name=stem))
        meanwhile()
    if cache:
        for stem, _draw in todo:
            key = keys.get(stem)
            if not key:
                continue
            try:
                for ext, written in zip(("png", "svg"), done[stem]):
                    atomic_write_bytes(cache / key[:2] / f"{key}-{stem}.{ext}", written.read_bytes())
            except (OSError, OrgmodelError):  # a cache that cannot be written is only slower, never an error
                pass
    return [(stem, done[stem]) for stem, _draw in figures]


def annex_subtitle(view: View, lang: str | None = None) -> str:
    return _("Restructuring of agencies and public service units: {name}, {base} to {date}", lang,
             name=G.registry_title(view.registry, lang), base=fmt.date(view.baseline, lang), date=fmt.date(view.as_of, lang))


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
    rows = [(_("Registry", lang), f"{G.registry_title(view.registry, lang)} ({view.registry.path})"),
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
