"""Writing a scenario's answer: ``plan.csv``, ``summary.json``, ``after/`` and ``frontier.csv``.

Everything goes through :func:`orgmodel.files.output_dir` (the folder is built aside and swapped
in whole) and is byte-reproducible: rows sorted, floats rounded to 6 decimals, JSON keys in a
fixed order. Timings appear only under ``solver.seconds`` in summary.json.

``after/`` is the registry as it would be once the plan is carried out: the events up to
``plan_from`` plus one ``merge`` event per absorbing unit, dated the day after ``plan_from``
(ids ``PLAN-0001``…, empty legal basis). Units opened and events dated after ``plan_from`` are
left out, since the plan was computed on the state at ``plan_from``; ``after/README.md`` says so.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from .errors import OutputError
from .files import MARKER, atomic_write_csv, atomic_write_text, output_dir, refuse_overlap
from .fmt import kind as kind_name
from .fmt import locality as locality_name
from .fmt import date as date_text
from .fmt import nfc, number
from .i18n import _, get_lang
from .optimise import PLAN_COLUMNS, Solution
from .tables import render_table

EVENT_COLUMNS = ["event_id", "date", "type", "sources", "targets", "new_parent_id", "legal_basis", "note"]
#: scenario-format 1.1: plan.csv adds these after the version-1 columns
EXPLAIN_COLUMNS = ["name", "into_name", "unit_type", "into_type", "reason"]


def summary_json(summary: dict) -> str:
    """summary.json text: stable key order (as built), UTF-8, 2-space indent, final newline."""
    return json.dumps(summary, sort_keys=False, ensure_ascii=False, indent=2) + "\n"


def plan_csv(plan: pd.DataFrame, units: pd.DataFrame | None = None, scn=None, lang: str | None = None) -> pd.DataFrame:
    """plan.csv rows: the contract's columns (version 1, then name, into_name, unit_type,
    into_type, reason when ``units`` is given), sorted by unit_id."""
    cols = list(PLAN_COLUMNS)
    if units is not None:
        plan = explain_plan(plan, units, scn, lang=lang)
        cols += EXPLAIN_COLUMNS
    return plan[cols].sort_values("unit_id", kind="stable").reset_index(drop=True)


def _type_names(lang: str) -> dict[str, str]:
    from .rules import vocabulary_table

    voc = vocabulary_table()
    return dict(zip(voc["unit_type"], voc["name_vi" if lang == "vi" else "name_en"]))


def explain_plan(plan: pd.DataFrame, units: pd.DataFrame, scn=None, lang: str | None = None) -> pd.DataFrame:
    """``plan`` with name, into_name, unit_type, into_type and a one-sentence reason per move, in
    ``lang`` (default: the language in force). ``units``: the movable units (index unit_id)."""
    lang = lang or get_lang()
    out = plan.copy()
    if units.index.name != "unit_id" and "unit_id" in units.columns:
        units = units.set_index("unit_id", drop=False)

    def col(name: str, ids) -> pd.Series:
        if name not in units.columns:
            return pd.Series([""] * len(ids), index=out.index, dtype=object)
        vals = units[name].astype("string").fillna("")
        return pd.Series(vals.reindex(list(ids)).fillna("").to_numpy(dtype=object), index=out.index)

    out["name"] = col("name", out["unit_id"]).map(nfc)
    out["into_name"] = col("name", out["into_id"]).map(nfc)
    out["unit_type"] = col("unit_type", out["unit_id"])
    out["into_type"] = col("unit_type", out["into_id"])
    if out.empty:
        out["reason"] = pd.Series(dtype=object)
        return out
    staff = units["staff"].astype("int64") if "staff" in units.columns else pd.Series(dtype="int64")
    absorbed = out.groupby("into_id", sort=True)["staff"].sum()
    combined = {v: int(staff.get(v, 0)) + int(n) for v, n in absorbed.items()}
    loc_u, loc_v = col("locality", out["unit_id"]), col("locality", out["into_id"])
    par_u, par_v = col("parent_id", out["unit_id"]), col("parent_id", out["into_id"])
    has_xy = {"lat", "lon"} <= set(units.columns)
    xy_u = units.reindex(list(out["unit_id"]))[["lat", "lon"]].notna().all(axis=1).to_numpy() if has_xy else None
    xy_v = units.reindex(list(out["into_id"]))[["lat", "lon"]].notna().all(axis=1).to_numpy() if has_xy else None
    names = _type_names(lang)
    sources, requires = _pair_sources(scn), _pair_requires(scn, units)
    shared = {c for cols in requires.values() for c in cols} - {"locality", "parent_id"}
    every_name = _unit_names(scn) if shared else {}  # (only where a shared column may hold a unit's id)
    pinned = set(getattr(getattr(scn, "pins", None), "merge", ()) or ())
    reasons = []
    for i, (u, v, tu, tv) in enumerate(zip(out["unit_id"], out["into_id"], out["unit_type"], out["into_type"])):
        parts = []
        if (u, v) in pinned:
            parts.append(_("decided by the planner (pins.merge)", lang=lang))
        if tu and tu == tv:
            parts.append(_("same type ({type})", lang=lang, type=names.get(tu, tu)))
        elif tu and tv:
            src = sources.get((tu, tv))
            text = _("{type} joins {into_type}", lang=lang, type=names.get(tu, tu), into_type=names.get(tv, tv))
            parts.append(text + (f" ({src})" if src else ""))
        if par_u.iat[i] and par_u.iat[i] == par_v.iat[i]:
            parts.append(_("same managing body", lang=lang))
        lu, lv = locality_name(loc_u.iat[i], lang), locality_name(loc_v.iat[i], lang)  # "province": a label, not a place
        if lu and loc_u.iat[i] == loc_v.iat[i]:
            parts.append(_("same locality ({locality})", lang=lang, locality=lu))
        elif lu or lv:
            parts.append(_("from {locality} to {into_locality}", lang=lang, locality=lu, into_locality=lv))
        for column in requires.get((tu, tv), ()):  # what the law table asks the pair to share, beyond the above
            if column in ("locality", "parent_id") or column not in units.columns:
                continue
            value = str(units.at[u, column])
            if value != str(units.at[v, column]):
                continue  # (a plan of the solver never has this; a plan from elsewhere is not explained by it)
            shown = every_name.get(value, value)
            parts.append(_("same commune since 1 July 2025 ({commune})", lang=lang, commune=shown) if column == "commune_2025"
                         else _("same {column} ({value})", lang=lang, column=column_name(column, lang), value=shown))
        if has_xy and xy_u[i] and xy_v[i]:
            parts.append(_("{km} km apart", lang=lang, km=number(float(out["distance_km"].iat[i]), lang, 1)))
        parts.append(_("combined staff {n}", lang=lang, n=number(combined.get(v, 0), lang)))
        sentence = "; ".join(parts)
        reasons.append(nfc(sentence[:1].upper() + sentence[1:] + "."))
    out["reason"] = reasons
    return out


def column_name(column: str, lang: str) -> str:
    """A units.csv column as a person reads it (its table header), lower-case inside a sentence;
    a column orgmodel has no header for stays as written."""
    from .i18n import labels

    msgid = labels("header").get(column)
    return _(msgid, lang=lang).lower() if msgid else column


def _compatibility(scn) -> pd.DataFrame | None:
    if scn is None:
        return None
    from .rules import compatibility_table

    try:
        return compatibility_table(scn)
    except Exception:  # a table that cannot be read was refused when the scenario was loaded
        return None


def _pair_sources(scn) -> dict[tuple[str, str], str]:
    """(unit_type, into_type) -> the legal or practice source of the compatibility table in force."""
    table = _compatibility(scn)
    if table is None:
        return {}
    return {(a, b): str(src).split(";")[0].strip() for a, b, src in zip(table["unit_type"], table["into_type"], table["source"]) if src}


def _pair_requires(scn, units: pd.DataFrame) -> dict[tuple[str, str], tuple[str, ...]]:
    """(unit_type, into_type) -> the columns the compatibility table in force asks both to share."""
    from .rules import compatibility_in_force

    table = _compatibility(scn)
    if table is None or not compatibility_in_force(scn, units):
        return {}
    return {(a, b): tuple(req) for a, b, req in zip(table["unit_type"], table["into_type"], table["requires"]) if len(req)}


def _unit_names(scn) -> dict[str, str]:
    """unit_id -> name of every unit of the scenario's registry (a shared column may hold a unit's
    id, e.g. ``commune_2025`` the new commune's)."""
    units = getattr(getattr(scn, "timeline", None), "units", None)
    if units is None or "name" not in getattr(units, "columns", ()):
        return {}
    return {str(k): nfc(str(v)) for k, v in units["name"].items()}


def scenario_inputs(scn) -> list[tuple]:
    """What a scenario's run reads, labelled: its registry, its file, and any other file it reads
    (``scn.input_files``, e.g. compatibility tables)."""
    return [(scn.registry_path, "the registry"), (getattr(scn, "path", None), "the scenario file"),
            *((f, "an input file of the scenario") for f in getattr(scn, "input_files", ()))]


def refuse_inputs(out: Path, scn) -> None:
    """The scenario's inputs are never written, never inside or around a swapped folder, not even
    through links (:func:`orgmodel.files.refuse_overlap`)."""
    refuse_overlap(out, scenario_inputs(scn))


def write_solution(sol: Solution, scn, out_dir, *, force: bool = False) -> Path:
    """Write plan.csv, summary.json and after/ into ``out_dir`` (replaced as a whole)."""
    out = Path(out_dir)
    refuse_inputs(out, scn)
    units, events = after_registry(sol, scn)
    with output_dir(out, force=force) as tmp:
        movable = sol.instance.units if sol.instance is not None else None
        atomic_write_csv(plan_csv(sol.plan, movable, scn), tmp / "plan.csv")
        atomic_write_text(tmp / "summary.json", summary_json(sol.summary))
        atomic_write_csv(units, tmp / "after" / "units.csv", na_rep="")
        atomic_write_csv(events, tmp / "after" / "events.csv", na_rep="")
        atomic_write_text(tmp / "after" / "README.md", _after_readme(sol, scn, units, events))
    return out


def write_frontier(df: pd.DataFrame, scn, out_dir) -> Path:
    """Write ``frontier.csv`` into ``out_dir``: a new or orgmodel-written folder keeps its other
    files (e.g. the plan of the same scenario); a folder of foreign files is refused."""
    out = Path(out_dir)
    refuse_inputs(out, scn)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise OutputError(_("Output folder {out} holds files orgmodel did not write; refusing to mix frontier.csv with "
                            "them. Choose an empty or new folder with --out.", out=str(out)))
    if not out.exists():
        with output_dir(out) as tmp:
            atomic_write_csv(df, tmp / "frontier.csv", na_rep="")
    else:
        atomic_write_csv(df, out / "frontier.csv", na_rep="")
    return out / "frontier.csv"


# ---------------------------------------------------------------- the registry after the plan


def after_registry(sol: Solution, scn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(units, events) of the registry once the plan is carried out (see the module docstring)."""
    reg, tl = scn.registry, scn.timeline
    life = tl.life_table()
    opened_later = {u for u, d in zip(life.index, life["open_date"]) if d is not None and d > scn.plan_from}
    units = reg.units.drop(columns=["line"], errors="ignore")
    units = units.loc[~units["unit_id"].isin(opened_later)].reset_index(drop=True)
    ev = reg.events.drop(columns=["line"], errors="ignore")
    ev = ev.loc[[d <= scn.plan_from for d in ev["date"]]].copy()
    for col in ("sources", "targets"):
        ev[col] = [";".join(v) if isinstance(v, tuple) else ("" if v is None or pd.isna(v) else str(v)) for v in ev[col]]
    ev["date"] = [d.isoformat() for d in ev["date"]]
    plan_events = _plan_events(sol, scn, set(ev["event_id"]))
    columns = list(ev.columns) + [c for c in EVENT_COLUMNS if c not in ev.columns]
    events = pd.concat([ev, plan_events.reindex(columns=columns)], ignore_index=True)[columns]
    return units, events.fillna("")


def _plan_events(sol: Solution, scn, taken: set[str]) -> pd.DataFrame:
    plan = sol.plan
    if plan.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    prefix = "PLAN-" if not any(str(e).startswith("PLAN-") for e in taken) else f"PLAN-{scn.name}-"
    day = (scn.plan_from + dt.timedelta(days=1)).isoformat()
    groups = plan.groupby("into_id", sort=True)["unit_id"].agg(sorted)
    note = f"planned by orgmodel scenario {scn.name} (not a legal decision)"
    parents = scn.timeline.parents_as_of(scn.plan_from).to_dict()
    rows = []
    # a unit absorbing one of its own managers first moves up, out from under it
    for into, sources in groups.items():
        new_parent = _parent_above(into, set(sources), parents)
        if new_parent is not None:
            rows.append(("transfer", into, "", new_parent, f"{note}; moves {into} from under the unit(s) it absorbs"))
    rows += [("merge", ";".join(sources), into, "", note) for into, sources in groups.items()]
    return pd.DataFrame({
        "event_id": [f"{prefix}{i:04d}" for i in range(1, len(rows) + 1)],
        "date": day,
        "type": [r[0] for r in rows],
        "sources": [r[1] for r in rows],
        "targets": [r[2] for r in rows],
        "new_parent_id": [r[3] for r in rows],
        "legal_basis": "",
        "note": [r[4] for r in rows],
    }, columns=EVENT_COLUMNS)


def _parent_above(unit: str, sources: set[str], parents: dict[str, str]) -> str | None:
    """When some of ``sources`` manage ``unit`` (directly or not), the manager just above the
    highest of them; else None."""
    chain, p = [], parents.get(unit, "")
    while p and p not in chain:
        chain.append(p)
        p = parents.get(p, "")
    above = [i for i, a in enumerate(chain) if a in sources]
    if not above:
        return None
    top = above[-1]
    return chain[top + 1] if top + 1 < len(chain) else None


def _after_readme(sol: Solution, scn, units: pd.DataFrame, events: pd.DataFrame) -> str:
    n_plan = int((events["event_id"].astype(str).str.startswith("PLAN-")).sum())
    dropped_units = len(scn.registry.units) - len(units)
    dropped_events = len(scn.registry.events) - (len(events) - n_plan)
    day = scn.plan_from + dt.timedelta(days=1)
    return (
        f"# Registry after the plan of scenario `{scn.name}`\n\n"
        f"This folder is a registry (registry-format.md): the source registry `{scn.registry.name}` as of "
        f"{scn.plan_from.isoformat()}, plus {n_plan} planned `merge` event(s) dated {day.isoformat()} "
        f"(ids `PLAN-…`, no legal basis: they are a plan, not decisions).\n\n"
        f"Status of the plan: **{sol.status}**, {len(sol.plan)} unit(s) absorbed.\n\n"
        f"Left out because the plan was computed on the state at {scn.plan_from.isoformat()}: "
        f"{dropped_units} unit(s) opened after that date and {dropped_events} event(s) dated after it.\n"
    )


# ---------------------------------------------------------------- the terminal table


def format_plan_table(sol: Solution, max_rows: int = 40) -> str:
    """A readable report: headline, targets, blocking units, and the merges by absorbing unit."""
    s = sol.summary
    from .outputs.texts import STATUS

    head = _("Scenario {name}: {status}", name=s["scenario"], status=_(STATUS.get(s["status"], s["status"])).upper())
    if s["status"] not in ("infeasible", "unknown"):
        head += " — " + _("{n} merge(s), disruption {cost} points", n=number(s["merges"]), cost=number(s["objective"], decimals=2))
    gap = s["solver"].get("gap")
    head += f"  [{s['solver']['name']}, " + _("{s} s", s=number(s["solver"]["seconds"], decimals=2)) + (
        ", " + _("gap {pct}", pct=number(100 * gap, decimals=2) + " %") if gap else "") + "]"
    parts = [head]
    if s.get("consequences"):  # what a reader sees first: people, posts, km, VND
        from .consequences import format_consequences

        parts.append("\n" + format_consequences(s["consequences"]))
    if s.get("blocking"):
        parts.append("\n" + _("The pins contradict the rules:"))
        parts += [f"  pins.{b['pin']}[{b.get('index', '?')}] {b['unit_id']} -> {b['into_id']}: {b['reason']}" for b in s["blocking"]]
    wheres = [t.where for t in sol.scenario.targets]
    tt = pd.DataFrame([{
        _("kind"): kind_name(t["kind"]) + (" (" + ", ".join(_where_text(k, v) for k, v in w.items()) + ")" if w else ""),
        _("baseline"): f"{t['baseline']} ({date_text(t['baseline_date'])})",
        _("at plan_from"): t["plan_from"],
        _("after"): t["after"],
        _("required"): t["required_reduction"],
        _("achieved"): t["achieved_reduction"],
        _("max possible"): "—" if t["max_reduction"] is None else t["max_reduction"],
        _("met"): _("yes") if t["met"] else _("NO"),
    } for t, w in zip(s["targets"], wheres)])
    parts.append(render_table(tt, title="\n" + _("Targets (reductions against each baseline)")))
    if s.get("blocking_units") is not None:
        blk = s["blocking_units"]
        parts.append("\n" + _("The rules cannot be met: min_staff is out of reach for {n} unit(s): ", n=len(blk))
                     + (", ".join(blk[:20]) + (" …" if len(blk) > 20 else "") if blk else _("(none identified)")))
    for note in sol.notes:
        parts.append(_("Note: {note}", note=note))
    if not sol.plan.empty:
        names = sol.instance.units["name"] if sol.instance is not None else pd.Series(dtype=object)
        p = sol.plan.sort_values(["into_id", "unit_id"], kind="stable")
        view = pd.DataFrame({
            _("into"): p["into_id"],
            _("into name"): p["into_id"].map(names).fillna("").map(_short),
            _("absorbs"): p["unit_id"],
            _("name"): p["unit_id"].map(names).fillna("").map(_short),
            _("staff"): p["staff"],
            "km": p["distance_km"].round(1),
            _("disruption"): p["cost"].round(2),
        })
        title = "\n" + _("Plan: {n} merge(s) into {m} unit(s)", n=len(p), m=p["into_id"].nunique())
        parts.append(render_table(view.head(max_rows), title=title, max_rows=max_rows))
        if len(view) > max_rows:
            parts.append(_("… {n} more merges in plan.csv", n=len(view) - max_rows))
    return "\n".join(parts)


def _where_text(column: str, value) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, (list, tuple)):
        return f"{column}={value}"
    return f"{column}={'|'.join(map(str, value))}" if len(value) <= 3 else f"{column} in {len(value)} values"


def _short(text: str, width: int = 32) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"
