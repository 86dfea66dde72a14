"""The ``orgmodel`` command: a thin layer over the package's public functions.

Exit codes: 0 success (an infeasible scenario is an answer, exit 0); 1 the registry or scenario
is invalid (every problem listed on stderr); 2 the input cannot be used (missing folder, bad date,
unknown unit, bad option); 3 an output cannot be written safely; 4 an internal error (a bug:
please report it with the command you ran). Run with ORGMODEL_DEBUG=1 to see a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import click
import typer

from . import lineage as L
from . import progress as P
from .dates import parse_date
from .errors import OrgmodelError
from .i18n import gettext as _
from .i18n import N_, labels, set_lang
from .registry import load_registry
from .tables import render_table
from .timeline import Timeline
from .views import View, date_warnings
from .vocab import nfc

app = typer.Typer(
    name="orgmodel",
    help="Track agencies and public service units (PSUs) against the 2015 baseline, and test further reduction targets.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_INTERNAL = 4


@app.callback()
def _global_options(
    lang: Optional[str] = typer.Option(None, "--lang", envvar="ORGMODEL_LANG",
                                       help="Language of everything orgmodel writes: vi (Vietnamese, default) or en."),
) -> None:
    """Track agencies and public service units (PSUs) against the 2015 baseline, and test further reduction targets."""
    if lang:
        set_lang(lang)


class Fmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class Fmt2(str, Enum):
    table = "table"
    json = "json"


BASELINE = "2015-12-31"  # the default baseline of every command (views.DEFAULT_BASELINE)

REGISTRY_ARG = typer.Argument(..., help="Registry folder (units.csv, events.csv) or .xlsx workbook, e.g. data/quang-ninh.", show_default=False)


def _echo(text: str = "") -> None:
    typer.echo(text)


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _timeline(registry: Path) -> Timeline:
    reg = load_registry(registry)
    _warn(reg)
    return Timeline(reg)


def _load_scenario(path: Path):
    from .scenario import load_scenario

    return load_scenario(path)


def _same_path(a, b) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _warn(reg) -> None:
    w = reg.warnings
    if len(w):
        _err(_("{n} warning(s) for {path} (accepted, but worth fixing):", n=len(w), path=reg.path))
        for r in w.head(20).itertuples(index=False):
            where = f"{r.file}:{r.line}" if r.line is not None and str(r.line) != "<NA>" else r.file
            _err(f"  {where}: {r.message}")
        if len(w) > 20:
            _err("  " + _("… and {n} more", n=len(w) - 20))


@app.command()
def validate(registry: Path = REGISTRY_ARG) -> None:
    """Check a registry against every rule of the registry format; list every problem."""
    reg = load_registry(registry)
    _warn(reg)
    _echo(f"OK: {len(reg.units)} units, {len(reg.events)} events")


def _view(tl: Timeline, as_of, baseline=BASELINE) -> View:
    """The as-of state of a command, computed once; its warnings (a date past the last event) on stderr."""
    view = View(tl, as_of, baseline)
    _warn_date(tl, view.as_of)
    return view


def _warn_date(tl: Timeline, date) -> None:
    for w in date_warnings(tl, date):
        _err(w)


@app.command()
def status(
    registry: Path = REGISTRY_ARG,
    baseline: str = typer.Option(BASELINE, "--baseline", help="Baseline date (default 2015-12-31)."),
    as_of: str = typer.Option(..., "--as-of", help="Date to report, e.g. 2021-12-31."),
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="table (for reading), json or csv (for tools)."),
    by: Optional[str] = typer.Option(None, "--by", help="Break down by a unit column: sector, level, locality (or district: localities follow their lineage), unit_type. Table: added below; csv: the breakdown instead of the progress table; json: an extra key \"by\"."),
) -> None:
    """Progress per kind (agency, psu, all) against the baseline, with the reconciliation."""
    tl = _timeline(registry)
    view = _view(tl, as_of, baseline)
    table = view.progress
    if fmt is Fmt.json:
        data = dict(view.progress_json)
        if by:
            data["by"] = view.breakdown_json(by)
        _echo(json.dumps(data, ensure_ascii=False))
        return
    if fmt is Fmt.csv:
        out = table if by is None else view.breakdown(by)
        _echo(out.to_csv(index=False, lineterminator="\n").rstrip("\n"))
        return
    _echo(render_progress(table, tl.registry.name, view.baseline, view.as_of))
    if by:
        _echo()
        _echo(render_breakdown(view.breakdown(by), by, view.baseline, view.as_of))


def render_progress(table, name: str, b, d) -> str:
    """The progress table as a planner reads it, in the language in force; ``b`` and ``d`` are the
    view's dates. (Machine-readable forms: --format json / csv.)"""
    import pandas as pd

    from . import fmt as F

    head = {"kind": _("Kind"), "reduced": _("Units reduced"), "reduced_pct": _("Reduced (%)"),
            "opened": _("Opened"), "closed": _("Closed"), "merge": _("by merge"),
            "consolidate": _("by consolidation"), "split": _("by split"), "dissolve": _("by dissolution")}
    rows = []
    for r in table.itertuples(index=False):
        rows.append({
            head["kind"]: F.kind(r.kind, short=True),
            F.date(b): F.number(r.baseline),
            F.date(d): F.number(r.current),
            head["reduced"]: F.number(r.reduced),
            head["reduced_pct"]: "" if r.reduced_pct != r.reduced_pct else F.pct(r.reduced_pct),
            head["opened"]: F.number(r.opened),
            head["closed"]: F.number(r.closed),
            head["merge"]: F.number(r.closed_merge),
            head["consolidate"]: F.number(r.closed_consolidate),
            head["split"]: F.number(r.closed_split),
            head["dissolve"]: F.number(r.closed_dissolve),
        })
    title = _("{name}: units as of {date} against {base} (closed = by merge + consolidation + split + dissolution)",
              name=name, date=F.date(d), base=F.date(b))
    return render_table(pd.DataFrame(rows), title=title) + "\n" + _("Check: baseline + opened - closed = current for every kind.")


def _heads(table, heads: dict, values: dict | None = None):
    """``table`` as a person reads it: columns renamed by ``heads`` (msgids, or already translated
    text), values of the columns in ``values`` passed through their function. Machine-readable forms
    (--format json / csv) keep the contract's column names."""
    shown = table.copy()
    for col, fn in (values or {}).items():
        if col in shown.columns:
            shown[col] = [fn(v) for v in shown[col]]
    return shown.rename(columns={c: _(h) for c, h in heads.items() if c in shown.columns})


def render_breakdown(detail, by: str, b, d) -> str:
    """``status --by`` as a table a planner reads (kind names, Babel numbers, headers in the language)."""
    from . import fmt as F
    from .outputs.texts import H

    heads = {"kind": H["kind"], by: H.get(by, by), "baseline": _("Units on {date}", date=F.date(b)),
             "current": _("Units on {date}", date=F.date(d)), "reduced": H["reduced"], "reduced_pct": H["reduced_pct"],
             "opened": H["opened"], "closed": H["closed"]}
    values = {"kind": lambda k: F.kind(k, short=True), "reduced_pct": lambda p: "" if p != p else F.pct(p),
              by: lambda v: F.label(by, v)}
    return render_table(_heads(detail, heads, values), title=_("By {column}", column=_(H.get(by, by))))


@app.command()
def lineage(
    registry: Path = REGISTRY_ARG,
    unit_id: str = typer.Argument(..., help="The unit to follow, e.g. HB-UBND."),
    as_of: str = typer.Option(..., "--as-of", help="Date at which to name its successors."),
    fmt: Fmt2 = typer.Option(Fmt2.table, "--format", help="table or json."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the events on the way (with names) to this CSV file."),
) -> None:
    """The units open at a date that carry on a unit (itself, or what it was merged or split into)."""
    tl = _timeline(registry)
    unit_id = nfc(unit_id.strip())
    succ = L.successors(tl, unit_id, as_of)
    d = parse_date(as_of, "as-of date")
    _warn_date(tl, d)
    chain = L.lineage_table(tl, unit_id, d)
    if out:
        from .files import atomic_write_csv, refuse_overlap

        refuse_overlap(out, [(registry, "the registry")], folder=False)
        atomic_write_csv(chain, out)
        _err(_("wrote {path} ({n} rows)", path=str(out), n=len(chain)))
    if fmt is Fmt2.json:
        _echo(json.dumps({"unit_id": unit_id, "as_of": d.isoformat(), "successors": succ}, ensure_ascii=False))
        return
    from . import fmt as F

    name = L.names_at(tl, [unit_id], d)[0]
    if succ == [unit_id]:
        _echo(_("{unit} ({name}) is still open on {date}.", unit=unit_id, name=name, date=F.date(d)))
    elif not succ:
        _echo(_("{unit} ({name}) was dissolved without successors by {date}.", unit=unit_id, name=name, date=F.date(d)))
    else:
        _echo(_("{unit} ({name}) is carried on at {date} by:", unit=unit_id, name=name, date=F.date(d)))
        for s, n in zip(succ, L.names_at(tl, succ, d)):
            _echo(f"  {s}  {n}")
    if len(chain):
        _echo()
        _echo(render_table(_heads(chain, labels("lineage_head"), {"type": F.event, "date": F.date}),
                           title=_("Events on the way")))


@app.command()
def crosswalk(
    registry: Path = REGISTRY_ARG,
    from_date: str = typer.Option(BASELINE, "--from", help="Date of the old units (default 2015-12-31)."),
    to_date: str = typer.Option(..., "--to", help="Date of the new units, e.g. 2021-12-31."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the CSV to this file instead of the terminal."),
    weight: str = typer.Option("staff", "--weight", help="How a split or dissolved unit is shared among its successors: staff (default), population or area."),
) -> None:
    """CSV mapping every unit open at --from to the units open at --to that carry it on, with shares."""
    tl = _timeline(registry)
    table = L.crosswalk(tl, from_date, to_date, weight=weight)
    text = table.to_csv(index=False, lineterminator="\n")
    if out:
        from .files import atomic_write_text, refuse_overlap

        refuse_overlap(out, [(registry, "the registry")], folder=False)
        atomic_write_text(out, text)
        _err(_("wrote {path} ({n} rows)", path=str(out), n=len(table)))
    else:
        _echo(text.rstrip("\n"))
    _warn_date(tl, to_date)


@app.command()
def trajectory(
    registry: Path = REGISTRY_ARG,
    first: Optional[int] = typer.Option(None, "--from-year", help="First year (default: the registry's start)."),
    last: Optional[int] = typer.Option(None, "--to-year", help="Last year (default: the last event's year)."),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """Count of agencies, PSUs and all counted units at each 31 December."""
    tl = _timeline(registry)
    table = P.trajectory(tl, first, last)
    table["date"] = table["date"].astype(str)
    if fmt is Fmt.json:
        _echo(json.dumps(table.to_dict("records"), ensure_ascii=False))
    elif fmt is Fmt.csv:
        _echo(table.to_csv(index=False, lineterminator="\n").rstrip("\n"))
    else:
        from . import fmt as F
        from .outputs.texts import H

        heads = {"date": H["date"], "year": H["year"], **{k: F.kind(k, short=True) for k in ("agency", "psu", "all")}}
        values = {"date": F.date, **{k: F.number for k in ("agency", "psu", "all")}}
        _echo(render_table(_heads(table, heads, values), title=_("{name}: counted units at each year end",
                                                                name=tl.registry.name)))


@app.command()
def target(
    registry: Path = REGISTRY_ARG,
    goal: str = typer.Argument(..., help='The target, e.g. "reduce psu by >= 10% against 2015-12-31" (baseline 2015-12-31 when not named).'),
    as_of: str = typer.Option(..., "--as-of", help="Date to check."),
    fmt: Fmt2 = typer.Option(Fmt2.table, "--format"),
) -> None:
    """Is a reduction target met at a date, and since when?"""
    tl = _timeline(registry)
    res = P.check_target(tl, goal, as_of, default_baseline=BASELINE)
    _warn_date(tl, res.as_of)
    if fmt is Fmt2.json:
        _echo(json.dumps(res.to_dict(), ensure_ascii=False))
        return
    _echo(render_target(res))


def render_target(res) -> str:
    """The ``target`` command's answer in the language in force (json: the contract's keys)."""
    from . import fmt as F

    t = res.target
    share = float(t.reduce_pct)
    goal = _("reduce {kind} by at least {pct} against {base}", kind=F.kind_text(t.kind),
             pct=F.pct(share, decimals=0 if share.is_integer() else 1), base=F.date(t.baseline))
    done = (" (" + F.pct(100 * res.reduced / res.baseline_count) + ")" if res.baseline_count
            else " " + _("(no such units at the baseline)"))
    verdict = _("MET") if res.met else _("NOT MET")
    lines = [_("{target} — {verdict} on {date}: {reduced} of {baseline} fewer{done}, {required} needed.", target=goal,
               verdict=verdict, date=F.date(res.as_of), reduced=F.number(res.reduced), baseline=F.number(res.baseline_count),
               done=done, required=F.number(res.required))]
    lines.append(_("First met on {date}.", date=F.date(res.first_met)) if res.first_met
                 else _("Never met in the registry's history."))
    return "\n".join(lines)


@app.command()
def count(
    registry: Path = REGISTRY_ARG,
    as_of: str = typer.Option(..., "--as-of", help="Date to count at, e.g. 2025-07-01."),
    kind: Optional[str] = typer.Option(None, "--kind", help="government, agency, psu, or all (= agency + psu); default every kind."),
    level: Optional[str] = typer.Option(None, "--level", help="province, district or commune (in force at the date)."),
    unit_type: Optional[str] = typer.Option(None, "--type", help="A unit_type slug, e.g. xa, phuong, thcs (in force at the date)."),
    where: Optional[list[str]] = typer.Option(None, "--where", help="COL=VALUE filter on a units.csv column (repeat for several; all must hold)."),
    by: Optional[str] = typer.Option(None, "--by", help="Count per value of a column (e.g. unit_type, level, locality)."),
    fmt: Fmt2 = typer.Option(Fmt2.table, "--format", help="table or json."),
) -> None:
    """Units open at a date matching every filter (attribute values in force at that date)."""
    filters: dict[str, list[str]] = {}
    for item in where or []:
        col, eq, value = item.partition("=")
        if not eq or not col.strip():
            raise click.BadParameter(_("write COL=VALUE, e.g. sector=education (got {item})", item=repr(item)), param_hint="--where")
        filters.setdefault(col.strip(), []).append(nfc(value.strip()))
    tl = _timeline(registry)
    d = parse_date(as_of, "as-of date")
    view = _view(tl, d, d)  # counting needs no baseline
    result = view.count(kind=kind, level=level, unit_type=unit_type, where=filters or None, by=by)
    if fmt is Fmt2.json:
        _echo(json.dumps(result, ensure_ascii=False, sort_keys=True))
        return
    from . import fmt as F
    from .outputs.texts import H

    _echo(_("{name}: {n} units open on {date}", name=tl.registry.name, n=F.number(result["count"]), date=F.date(result["as_of"])))
    if by:
        import pandas as pd

        rows = pd.DataFrame({by: list(result["by"]), "count": list(result["by"].values())})
        heads = {by: H.get(by, by), "count": N_("Units")}
        _echo(render_table(_heads(rows, heads, {by: lambda v: F.label(by, v), "count": F.number}), max_rows=1000))


@app.command()
def solve(
    scenario: Path = typer.Argument(..., help="Scenario YAML, e.g. scenarios/psu-10pct-2025.yaml."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default reports/<scenario name>)."),
    force: bool = typer.Option(False, "--force", help="Replace an output folder that holds files orgmodel did not write."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress messages."),
) -> None:
    """Solve a scenario: the least disruptive merges that meet its targets (plan.csv, summary.json, after/)."""
    started = _STARTED.get("at") or _now()  # solver.time_limit_s is wall clock for the whole command
    from .optimise import solve_scenario
    from .plan import format_plan_table, refuse_inputs, write_solution
    from .scenario import load_scenario

    log = (lambda m: None) if quiet else _err
    scn = load_scenario(scenario)
    refuse_inputs(out or Path("reports") / scn.name, scn)  # before solving: nothing read may be written
    sol = solve_scenario(scn, log=log, started=started)
    path = write_solution(sol, scn, out or Path("reports") / scn.name, force=force)
    _echo(format_plan_table(sol))
    _err(_("wrote {path}", path=str(path)))


@app.command()
def frontier(
    scenario: Path = typer.Argument(..., help="Scenario YAML."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default reports/<scenario name>-frontier)."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Number of points on the curve (default: every reduction when few, else 25)."),
    target: int = typer.Option(1, "--target", help="Which target of the scenario to sweep (1 = the first); the others are ignored for the curve."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Sweep the required reduction from 0 to the maximum: minimum cost at each (frontier.csv)."""
    started = _STARTED.get("at") or _now()
    from .optimise import frontier_answer
    from .plan import refuse_inputs, write_frontier
    from .scenario import load_scenario

    log = (lambda m: None) if quiet else _err
    scn = load_scenario(scenario)
    refuse_inputs(out or Path("reports") / f"{scn.name}-frontier", scn)  # before the sweep
    if not 1 <= target <= len(scn.targets):
        raise click.BadParameter(_("{name} has {n} target(s); give 1 to {n}", name=scn.name, n=len(scn.targets)),
                                 param_hint="--target")
    ans = frontier_answer(scn, steps=steps, target=target - 1, log=log, started=started)
    df = ans.table
    path = write_frontier(df, scn, out or Path("reports") / f"{scn.name}-frontier")
    _echo(ans.why if ans.why else render_frontier(df, scn.name))
    for note in ans.notes:
        _err(note)
    _err(_("wrote {path}", path=str(path)))


def render_frontier(df, name: str) -> str:
    """The frontier as a planner reads it (frontier.csv keeps the contract's columns)."""
    from . import fmt as F
    from .outputs.texts import H, STATUS

    heads = {"reduction": H["reduction"], "reduction_pct": H["frontier_pct"], "min_cost": H["min_cost"],
             "merges": H["merges"], "status": H["status"]}
    heads.update({c: _("Meets target {n}", n=c.split("_")[1]) for c in df.columns if c.startswith("meets_")})
    values = {"reduction": F.number, "merges": F.number, "reduction_pct": lambda p: "" if p != p else F.pct(p),
              "min_cost": lambda c: "" if c != c else F.number(c, decimals=2), "status": lambda s: _(STATUS.get(s, s))}
    values.update({c: (lambda m: _("yes") if m else _("no")) for c in df.columns if c.startswith("meets_")})
    return render_table(_heads(df, heads, values), title=_("{name}: least disruption for each reduction", name=name))


@app.command()
def compare(
    scenario_a: Path = typer.Argument(..., help="Scenario A (YAML)."),
    scenario_b: Path = typer.Argument(..., help="Scenario B (YAML)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write status/targets/consequences/merges CSVs into this folder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress messages."),
) -> None:
    """Solve two scenarios and show them side by side: targets, consequences, merges only in A, only in B, in both."""
    from .compare import compare_scenarios, write_comparison

    log = (lambda m: None) if quiet else _err
    cmp = compare_scenarios(scenario_a, scenario_b, log=log)
    if out is not None:
        write_comparison(cmp, out)
    _echo(cmp.text())
    if out is not None:
        _err(_("wrote {path}", path=str(out)))


@app.command()
def report(
    registry: Path = REGISTRY_ARG,
    baseline: str = typer.Option("2015-12-31", "--baseline", help="Baseline date."),
    as_of: str = typer.Option(..., "--as-of", help="Date to report."),
    scenario: Optional[Path] = typer.Option(None, "--scenario", help="Also solve this scenario and add its plan and figures."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default reports/status-<as-of> or reports/<scenario>-report)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="vi (Vietnamese, default) or en."),
    unit: Optional[list[str]] = typer.Option(None, "--unit", help="Draw the organisation chart of this unit (repeat for several; default: the department that changed most; none for no chart)."),
    goal: str = typer.Option("psu:10", "--target", help="The reduction the summary checks, as kind:percent (e.g. psu:10, agency:15), or none."),
    frontier_steps: Optional[int] = typer.Option(None, "--frontier-steps", help="Points on the scenario's cost curve (default: every reduction when few, else 25)."),
    force: bool = typer.Option(False, "--force", help="Replace an output folder that holds files orgmodel did not write."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Proposal-ready folder: figures (PNG, SVG), an Excel workbook and a Word annex."""
    _report(registry, baseline=baseline, as_of=as_of, scenario=scenario, out=out, lang=lang, units=unit,
            goal=goal, frontier_steps=frontier_steps, force=force, quiet=quiet)


def _report_target(goal: str) -> tuple[str, float] | None:
    """``psu:10`` -> ("psu", 10.0); ``none`` -> None; anything else: a clear usage error."""
    if goal.strip().lower() in ("none", "no", "off", ""):
        return None
    kind, _sep, pct = goal.partition(":")
    try:
        value = float(pct)
    except ValueError:
        value = -1.0
    if kind.strip() not in ("agency", "psu", "all") or not 0 < value <= 100:
        raise click.BadParameter(_("give kind:percent, e.g. psu:10 or agency:15 (kinds: agency, psu, all), or none"),
                                 param_hint="--target")
    return kind.strip(), value


def _report(registry: Path, *, baseline, as_of, scenario, out, lang, units, goal, frontier_steps, force, quiet) -> None:
    """The report command: state computed once (one View), the scenario solved once and its
    frontier swept through the public API, then the folder written, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .export import SolveAside
    from .fmt import check_lang
    from .outputs.report import Progress as Steps
    from .outputs.report import ReportWriter
    from .views import View

    lang = check_lang(set_lang(lang) if lang else None)
    target = _report_target(goal)
    if frontier_steps is not None and frontier_steps < 2:
        raise click.BadParameter(_("needs at least 2 points"), param_hint="--frontier-steps")
    d = parse_date(as_of, "as-of date")
    folder = out or Path("reports") / (f"{scenario.stem}-report" if scenario else f"status-{d.isoformat()}")
    org_units = None if not units else [u for u in units if u.lower() != "none"]
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task(_("Reading the registry"), total=None)
        scn = _load_scenario(scenario) if scenario is not None else None
        if scn is not None and _same_path(scn.registry_path, registry):
            _warn(scn.registry)
            tl = scn.timeline  # the scenario's registry is this one: read once
        else:
            tl = _timeline(registry)
        view = View(tl, d, baseline)
        steps = Steps(step=lambda m: bar.update(task, advance=1, description=m),
                      total=lambda n: bar.update(task, total=n, completed=0))
        if scn is not None:
            bar.update(task, description=_("Solving the scenario"))
        # the scenario is solved in another process while this one checks the folder, starts the
        # state's figures, works out the state's tables and gets ready to draw the plan's
        with SolveAside(scn, frontier_steps=frontier_steps) as solving, \
                ReportWriter(view, folder, scenario=scn, lang=lang, force=force, org_units=org_units, target=target,
                             progress=steps) as writer:
            if scn is not None:
                writer.drawing.get_ready()
            writer.prepare()
            sol, front = solving.result() if scn is not None else (None, None)
            path = writer.write(sol, front)
    _err(_("wrote {path}", path=path))


@app.command()
def synth(
    out: Path = typer.Argument(..., help="Folder to write the generated registry into."),
    provinces: int = typer.Option(63, "--provinces", help="Number of provinces (63 in 2015)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same registry)."),
    force: bool = typer.Option(False, "--force", help="Replace an output folder that holds files orgmodel did not write."),
) -> None:
    """Generate a realistic national-scale registry (2015-2025), valid by construction."""
    from . import synth as G

    if provinces < 1:
        raise click.BadParameter(_("needs at least 1 province"), param_hint="--provinces")
    from .files import check_output_folder, output_dir

    check_output_folder(out)  # before generating: --out . is refused at once
    units, events, meta = G.generate_national(provinces=provinces, seed=seed)
    with output_dir(out, force=force) as tmp:
        G.write_registry(units, events, tmp, meta=meta)
    _err(_("wrote {path}: {units} units, {events} events", path=str(out), units=len(units), events=len(events)))


def _is_usage_error(exc: Exception) -> bool:
    """A command-line usage error (missing option, bad choice, unknown command)."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)


def _param_name(param) -> str:
    opts = getattr(param, "opts", None) or []
    if getattr(param, "param_type_name", "") == "argument" or not opts:
        return (getattr(param, "human_readable_name", "") or getattr(param, "name", "") or "").upper()
    return max(opts, key=len)


def _usage_message(exc) -> str:
    """A command-line usage error in the language in force (click's own text stays the detail)."""
    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    if kind == "MissingParameter" and param is not None:
        return _("Missing {name}: it is required.", name=_param_name(param))
    if kind == "NoSuchOption":
        possible = sorted(getattr(exc, "possibilities", None) or [])
        text = _("No such option: {name}.", name=getattr(exc, "option_name", ""))
        return text + (" " + _("Did you mean {options}?", options=", ".join(possible)) if possible else "")
    if kind == "BadParameter":
        hint = getattr(exc, "param_hint", None) or (_param_name(param) if param is not None else "")
        hint = " / ".join(hint) if isinstance(hint, (list, tuple)) else hint
        bare = getattr(getattr(param, "type_descriptor", None), "annotation", None)  # typer: the option's Enum
        choices = ([e.value for e in bare] if isinstance(bare, type) and issubclass(bare, Enum)
                   else getattr(getattr(param, "type", None), "choices", None))
        detail = _("choose one of {choices}", choices=", ".join(map(str, choices))) if choices else exc.message
        return _("Invalid value for {name}: {detail}", name=hint, detail=detail)
    return exc.format_message()


def _show_usage_error(exc, argv: list[str] = ()) -> None:
    """Print a usage error as orgmodel's other errors: what is wrong, and where to read more."""
    ctx = getattr(exc, "ctx", None)
    names = set(getattr(typer.main.get_command(app), "commands", {}))
    given = next((a for a in argv if a in names), None)
    command = ctx.command_path if ctx is not None else ("orgmodel " + given if given else "orgmodel")
    try:
        text = _usage_message(exc)
    except Exception:  # never let the error printer fail: click's own words then
        text = exc.format_message()
    _err(_("Error: {text}", text=text))
    _err(_("See: {command} --help", command=command))


def _lang_from_argv(argv: list[str]) -> str | None:
    """The value of ``--lang`` anywhere on the command line (help is translated before parsing)."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None


#: typer's own help labels (module constants of typer.rich_utils), as msgids of our catalogue.
TYPER_LABELS = {"ARGUMENTS_PANEL_TITLE": N_("Arguments"), "OPTIONS_PANEL_TITLE": N_("Options"),
                "COMMANDS_PANEL_TITLE": N_("Commands"), "DEFAULT_STRING": N_("[default: {}]"),
                "ENVVAR_STRING": N_("[env var: {}]"), "REQUIRED_LONG_STRING": N_("[required]")}


def _translate_typer_labels() -> None:
    try:
        from typer import rich_utils
    except ImportError:
        return
    for name, msgid in TYPER_LABELS.items():
        if isinstance(getattr(rich_utils, name, None), str):
            setattr(rich_utils, name, _(msgid))


def translated_command(lang: str | None = None):
    """The click command tree of the app with every help text in the language in force."""
    cmd = typer.main.get_command(app)
    _translate_typer_labels()

    def help_option(ctx, _original=None):
        opt = _original(ctx)
        if opt is not None:
            opt.help = _("Show this message and exit.")
        return opt

    def format_usage(ctx, formatter, _command=None):  # click writes a fixed English "Usage: "
        formatter.write_usage(ctx.command_path, " ".join(_command.collect_usage_pieces(ctx)), prefix=_("Usage: "))

    def walk(c):
        c.get_help_option = functools.partial(help_option, _original=c.get_help_option)
        c.format_usage = functools.partial(format_usage, _command=c)
        c.options_metavar = _("[OPTIONS]")
        if getattr(c, "subcommand_metavar", None):
            c.subcommand_metavar = _("COMMAND [ARGS]...")
        if c.help:
            c.help = _(c.help.strip())
        if getattr(c, "short_help", None):
            c.short_help = _(c.short_help)
        for p in c.params:
            if getattr(p, "help", None):
                p.help = _(p.help)
        for sub in getattr(c, "commands", {}).values():
            walk(sub)

    walk(cmd)
    return cmd


def help_texts() -> list[str]:
    """Every help text of the command line (msgids of the catalogue; see extract_cli)."""
    cmd = typer.main.get_command(app)
    out: list[str] = []

    def walk(c):
        if c.help:
            out.append(c.help.strip())
        out.extend(p.help for p in c.params if getattr(p, "help", None))
        for sub in getattr(c, "commands", {}).values():
            walk(sub)

    walk(cmd)
    return sorted(set(out))


def extract_cli(fileobj, keywords, comment_tags, options):
    """Babel extraction method for orgmodel/cli.py (babel.cfg): its ``_()`` messages, plus every
    help text of the command line (typer option and command help strings, translated at run time)."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    for text in help_texts():
        yield 0, None, text, []


#: when the command began: the process's start for a console run (its budget counts start-up),
#: the call for an in-process one (tests, notebooks)
_STARTED: dict = {}


def _now() -> float:
    import time

    return time.perf_counter()


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns every error into a message and an exit code, in the
    language in force (``--lang`` / ``ORGMODEL_LANG``, Vietnamese by default). Run from the
    console (``argv`` None), the process ends without tearing down its objects once the outputs
    are written and flushed (a national registry takes 0.3 s to free)."""
    console = argv is None
    if console:
        from .optim.answers import process_started

        _STARTED["at"] = process_started()
    else:
        _STARTED["at"] = _now()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        set_lang(_lang_from_argv(argv))
        rv = translated_command().main(args=argv, prog_name="orgmodel", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
        if code == 130:  # typer turns Ctrl-C into a silent exit code 130 (no command returns 130 itself)
            _err(_("Interrupted."))
    except OrgmodelError as exc:
        _err(str(exc))
        code = exc.exit_code
    except (click.exceptions.Abort, typer.Abort):
        _err(_("Interrupted."))
        code = 130
    except KeyboardInterrupt:
        _err(_("Interrupted."))
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # a bug: one paragraph, no traceback unless asked for
        if _is_usage_error(exc):  # click's, or the copy of click that typer carries
            if type(exc).__name__ != "NoArgsIsHelpError":
                _show_usage_error(exc, argv)
            sys.exit(exc.exit_code)
        if os.environ.get("ORGMODEL_DEBUG"):
            raise
        error = f"{type(exc).__name__}: {exc}"
        _err(_("Internal error ({error}). This is a bug in orgmodel, not in your input; please report it with the "
               "command you ran (ORGMODEL_DEBUG=1 shows the traceback).", error=error))
        code = EXIT_INTERNAL
    finally:
        set_lang(None)
        _STARTED.clear()
    if console:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            pass
        os._exit(code)
    sys.exit(code)
