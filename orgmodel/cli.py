"""The ``orgmodel`` command: a thin layer over the package's public functions.

Exit codes: 0 success (an infeasible scenario is an answer, exit 0); 1 the registry or scenario
is invalid (every problem listed on stderr); 2 the input cannot be used (missing folder, bad date,
unknown unit, bad option); 3 an output cannot be written safely; 4 an internal error (a bug:
please report it with the command you ran). Run with ORGMODEL_DEBUG=1 to see a traceback.
"""

from __future__ import annotations

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
from .i18n import _
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


def _warn(reg) -> None:
    w = reg.warnings
    if len(w):
        _err(f"{len(w)} warning(s) for {reg.path} (accepted, but worth fixing):")
        for r in w.head(20).itertuples(index=False):
            where = f"{r.file}:{r.line}" if r.line is not None and str(r.line) != "<NA>" else r.file
            _err(f"  {where}: {r.message}")
        if len(w) > 20:
            _err(f"  … and {len(w) - 20} more")


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
        detail = view.breakdown(by).copy()
        detail["reduced_pct"] = detail["reduced_pct"].round(1)
        _echo(render_table(detail.rename(columns={"reduced_pct": "reduced %"}), title=f"By {by}"))


def render_progress(table, name: str, b, d) -> str:
    """The progress table as a planner reads it; ``b`` and ``d`` are the view's dates."""
    rows = []
    for r in table.itertuples(index=False):
        rows.append({
            "kind": r.kind,
            f"{b}": r.baseline,
            f"{d}": r.current,
            "reduced": r.reduced,
            "reduced %": "" if r.reduced_pct != r.reduced_pct else f"{r.reduced_pct:.1f}",
            "opened": r.opened,
            "closed": r.closed,
            "merge": r.closed_merge,
            "consolidate": r.closed_consolidate,
            "split": r.closed_split,
            "dissolve": r.closed_dissolve,
        })
    import pandas as pd

    text = render_table(pd.DataFrame(rows), title=f"{name}: units as of {d} against {b} (closed = by merge + consolidate + split + dissolve)")
    return text + "\nCheck: baseline + opened - closed = current for every kind."


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
        from .files import atomic_write_csv, refuse_inside

        refuse_inside(out, registry)
        atomic_write_csv(chain, out)
        _err(_("wrote {path} ({n} rows)", path=str(out), n=len(chain)))
    if fmt is Fmt2.json:
        _echo(json.dumps({"unit_id": unit_id, "as_of": d.isoformat(), "successors": succ}, ensure_ascii=False))
        return
    name = L.names_at(tl, [unit_id], d)[0]
    if succ == [unit_id]:
        _echo(f"{unit_id} ({name}) is still open on {d}.")
    elif not succ:
        _echo(f"{unit_id} ({name}) was dissolved without successors by {d}.")
    else:
        _echo(f"{unit_id} ({name}) is carried on at {d} by:")
        for s, n in zip(succ, L.names_at(tl, succ, d)):
            _echo(f"  {s}  {n}")
    if len(chain):
        _echo()
        _echo(render_table(chain, title="Events on the way"))


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
        _err(f"wrote {out} ({len(table)} rows)")
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
        _echo(render_table(table, title=f"{tl.registry.name}: counted units at each year end"))


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
    verdict = "MET" if res.met else "NOT MET"
    pct = f" ({100 * res.reduced / res.baseline_count:.1f}%)" if res.baseline_count else " (no such units at the baseline)"
    _echo(f"{res.target} — {verdict} on {res.as_of}: {res.reduced} of {res.baseline_count} fewer{pct}, {res.required} needed.")
    _echo(f"First met on {res.first_met}." if res.first_met else "Never met in the registry's history.")


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
    _echo(_("{name}: {n} units open on {date}", name=tl.registry.name, n=result["count"], date=result["as_of"]))
    if by:
        import pandas as pd

        rows = pd.DataFrame({by: list(result["by"]), "count": list(result["by"].values())})
        _echo(render_table(rows, max_rows=1000))


@app.command()
def solve(
    scenario: Path = typer.Argument(..., help="Scenario YAML, e.g. scenarios/psu-10pct-2025.yaml."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default reports/<scenario name>)."),
    force: bool = typer.Option(False, "--force", help="Replace an output folder that holds files orgmodel did not write."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress messages."),
) -> None:
    """Solve a scenario: the least disruptive merges that meet its targets (plan.csv, summary.json, after/)."""
    import time

    started = time.perf_counter()  # solver.time_limit_s is wall clock for the whole command
    from .optimise import solve_scenario
    from .plan import format_plan_table, refuse_inputs, write_solution
    from .scenario import load_scenario

    log = (lambda m: None) if quiet else _err
    scn = load_scenario(scenario)
    refuse_inputs(out or Path("reports") / scn.name, scn)  # before solving: nothing read may be written
    sol = solve_scenario(scn, log=log, started=started)
    path = write_solution(sol, scn, out or Path("reports") / scn.name, force=force)
    _echo(format_plan_table(sol))
    _err(f"wrote {path}")


@app.command()
def frontier(
    scenario: Path = typer.Argument(..., help="Scenario YAML."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default reports/<scenario name>-frontier)."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Number of points on the curve (default: every reduction when few, else 25)."),
    target: int = typer.Option(1, "--target", help="Which target of the scenario to sweep (1 = the first); the others are ignored for the curve."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Sweep the required reduction from 0 to the maximum: minimum cost at each (frontier.csv)."""
    import time

    started = time.perf_counter()
    from .optimise import frontier_answer
    from .plan import refuse_inputs, write_frontier
    from .scenario import load_scenario

    log = (lambda m: None) if quiet else _err
    scn = load_scenario(scenario)
    refuse_inputs(out or Path("reports") / f"{scn.name}-frontier", scn)  # before the sweep
    if not 1 <= target <= len(scn.targets):
        raise click.BadParameter(f"{scn.name} has {len(scn.targets)} target(s); give 1 to {len(scn.targets)}", param_hint="--target")
    ans = frontier_answer(scn, steps=steps, target=target - 1, log=log, started=started)
    df = ans.table
    path = write_frontier(df, scn, out or Path("reports") / f"{scn.name}-frontier")
    _echo(ans.why if ans.why else render_table(df, title=f"{scn.name}: minimum cost per reduction"))
    for note in ans.notes:
        _err(note)
    _err(f"wrote {path}")


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
        _err(f"wrote {out}")


@app.command()
def report(
    registry: Path = REGISTRY_ARG,
    baseline: str = typer.Option("2015-12-31", "--baseline", help="Baseline date."),
    as_of: str = typer.Option(..., "--as-of", help="Date to report."),
    scenario: Optional[Path] = typer.Option(None, "--scenario", help="Also solve this scenario and add its plan and figures."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default reports/status-<as-of> or reports/<scenario>-report)."),
    lang: str = typer.Option("vi", "--lang", help="vi (Vietnamese, default) or en."),
    force: bool = typer.Option(False, "--force", help="Replace an output folder that holds files orgmodel did not write."),
) -> None:
    """Proposal-ready folder: figures (PNG, SVG), an Excel workbook and a Word annex."""
    from .export import build_report

    if lang not in ("vi", "en"):
        raise click.BadParameter("use vi or en", param_hint="--lang")
    d = parse_date(as_of, "as-of date")
    default = Path("reports") / (f"{scenario.stem}-report" if scenario else f"status-{d.isoformat()}")
    path = build_report(registry, baseline, d, out or default, scenario=scenario, lang=lang, force=force)
    _err(f"wrote {path}")


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
        raise click.BadParameter("needs at least 1 province", param_hint="--provinces")
    from .files import check_output_folder, output_dir

    check_output_folder(out)  # before generating: --out . is refused at once
    units, events, meta = G.generate_national(provinces=provinces, seed=seed)
    with output_dir(out, force=force) as tmp:
        G.write_registry(units, events, tmp, meta=meta)
    _err(f"wrote {out}: {len(units)} units, {len(events)} events")


def _is_usage_error(exc: Exception) -> bool:
    """A command-line usage error (missing option, bad choice, unknown command)."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns every error into a message and an exit code."""
    try:
        rv = app(args=argv, prog_name="orgmodel", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except OrgmodelError as exc:
        _err(str(exc))
        code = exc.exit_code
    except (click.exceptions.Abort, typer.Abort):
        _err("Interrupted.")
        code = 130
    except KeyboardInterrupt:
        _err("Interrupted.")
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # a bug: one paragraph, no traceback unless asked for
        if _is_usage_error(exc):  # click's, or the copy of click that typer carries
            if type(exc).__name__ != "NoArgsIsHelpError":
                exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("ORGMODEL_DEBUG"):
            raise
        _err(f"Internal error ({type(exc).__name__}: {exc}). This is a bug in orgmodel, not in your input; "
             f"please report it with the command you ran (ORGMODEL_DEBUG=1 shows the traceback).")
        code = EXIT_INTERNAL
    sys.exit(code)
