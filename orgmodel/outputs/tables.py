"""Tables ready for Excel, Word and a notebook, read from one computed state (a
:class:`~orgmodel.views.View`) or a solved scenario: display headers in the output language, plain
numbers (the workbook formats them), units in the headers.

Every builder takes a View (or, as notebooks call them, a timeline with ``baseline`` and
``as_of``) and an optional ``lang`` (default: the language in force).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Mapping

import networkx as nx
import numpy as np
import pandas as pd

from .. import fmt
from .. import lineage as L
from .. import progress as P
from ..errors import InputError
from ..i18n import gettext as _
from . import data as D
from .data import KIND_ORDER, as_view
from .texts import h, plan_title, status, target_label, title, yes


def is_number(value) -> bool:
    """True for a number a table shows as one (right-aligned, formatted): ints and floats, numpy's too, never a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


@dataclass
class Table:
    """A table ready for Excel, Word and a notebook: ``frame`` has the display headers and plain
    numbers; ``formats`` maps a header to an Excel number format (``"#,##0"``, ``"0.0"`` …)."""

    key: str
    title: str
    frame: pd.DataFrame
    formats: dict = field(default_factory=dict)
    lang: str = "vi"

    def __repr__(self) -> str:
        return f"{self.title}\n{self.frame.to_string(index=False)}"

    def text(self, column: str, value) -> str:
        """A cell as text in the table's language: numbers formatted like the Excel format of the
        column (``#,##0`` -> ``1.261``; ``0.0`` -> ``18,0``; ``0`` -> ``2015``), the rest as is."""
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return ""
        if is_number(value):
            f = self.formats.get(column, "#,##0.##" if isinstance(value, (float, np.floating)) else "#,##0")
            decimals = len(f.split(".")[1]) if "." in f else 0
            return fmt.number(value, self.lang, decimals, group="," in f)
        return fmt.nfc(value)

    def _repr_html_(self) -> str:
        """Notebook display: numbers in the table's language (``1.261``, ``18,0``)."""
        styled = self.frame.style.hide(axis="index").set_caption(self.title)
        for col in self.frame.columns:
            styled = styled.format(lambda v, c=col: self.text(c, v), subset=[col])
        return styled.to_html()


INT, PCT, DEC2, DEC1 = "#,##0", "0.0", "0.00", "#,##0.0"


def progress_table(state, baseline=None, as_of=None, lang: str | None = None) -> Table:
    """Counts at the baseline and at ``as_of``, reduction and % per kind (agency, psu, all)."""
    lang = fmt.check_lang(lang)
    v = as_view(state, baseline, as_of)
    p = v.progress
    b, d = fmt.date(v.baseline, lang), fmt.date(v.as_of, lang)
    frame = pd.DataFrame({
        h("kind", lang): [fmt.kind(k, lang) for k in p["kind"]],
        h("count_at", lang, date=b): p["baseline"].astype(int).to_numpy(),
        h("count_at", lang, date=d): p["current"].astype(int).to_numpy(),
        h("reduced", lang): p["reduced"].astype(int).to_numpy(),
        h("reduced_pct", lang): p["reduced_pct"].to_numpy(),
    })
    formats = {c: INT for c in frame.columns[1:4]} | {frame.columns[4]: PCT}
    return Table("progress", title("progress", lang, base=b), frame, formats, lang)


def reconciliation_table(state, baseline=None, as_of=None, lang: str | None = None) -> Table:
    """baseline - closed (by merge, consolidation, split, dissolution) + opened = current, per kind."""
    lang = fmt.check_lang(lang)
    v = as_view(state, baseline, as_of)
    p = v.progress
    b, d = fmt.date(v.baseline, lang), fmt.date(v.as_of, lang)
    cols = {h("kind", lang): [fmt.kind(k, lang) for k in p["kind"]], h("start", lang, date=b): p["baseline"].to_numpy()}
    for t in P.CLOSED_BY:
        cols[h("closed_by", lang, event=fmt.event(t, lang).lower())] = p[f"closed_{t}"].to_numpy()
    cols[h("opened", lang)] = p["opened"].to_numpy()
    cols[h("end", lang, date=d)] = p["current"].to_numpy()
    frame = pd.DataFrame(cols)
    frame.iloc[:, 1:] = frame.iloc[:, 1:].astype(int)
    return Table("reconciliation", title("reconciliation", lang, base=b, date=d), frame,
                 {c: INT for c in frame.columns[1:]}, lang)


def trajectory_table(state, baseline=None, as_of=None, lang: str | None = None) -> Table:
    """Counts per kind at each 31 December from the baseline's year, with the change (%) against
    the baseline count."""
    lang = fmt.check_lang(lang)
    v = as_view(state, baseline, as_of)
    data = D.trajectory_table(v)
    base = fmt.date(v.baseline, lang)
    wide = data.pivot(index="year", columns="kind", values="count")
    pct = data.pivot(index="year", columns="kind", values="change_pct")
    cols = {h("year", lang): wide.index.to_numpy(dtype=int)}
    for k in KIND_ORDER:
        cols[fmt.kind(k, lang)] = wide[k].astype(int).to_numpy()
    for k in KIND_ORDER:
        cols[h("change_pct", lang, kind=fmt.kind(k, lang, short=True), base=base)] = pct[k].to_numpy()
    frame = pd.DataFrame(cols)
    formats = {c: INT for c in frame.columns[1:4]} | {c: PCT for c in frame.columns[4:]}
    formats[frame.columns[0]] = "0"
    return Table("trajectory", title("trajectory", lang), frame, formats, lang)


def breakdown_table(state, baseline=None, as_of=None, by: str = "sector", lang: str | None = None) -> Table:
    """Counted units per sector (or locality …) at the baseline and at ``as_of``."""
    lang = fmt.check_lang(lang)
    v = as_view(state, baseline, as_of)
    data = D.breakdown_table(v, by=by)
    return _group_table(data, by, h("count_at", lang, date=fmt.date(v.baseline, lang)),
                        h("count_at", lang, date=fmt.date(v.as_of, lang)), h("reduced", lang), by,
                        title(by if by in ("sector", "locality") else "sector", lang), lang)


def _group_table(data: pd.DataFrame, by: str, before: str, after: str, reduced: str, key: str, text: str, lang: str) -> Table:
    group = h(by, lang) if by in ("sector", "locality", "level") else fmt.nfc(by)
    frame = pd.DataFrame({
        group: [fmt.label(by, g, lang) for g in data["group"]],
        before: data["baseline"].astype(int).to_numpy(),
        after: data["current"].astype(int).to_numpy(),
        reduced: data["reduced"].astype(int).to_numpy(),
        h("reduced_pct", lang): data["reduced_pct"].astype(float).to_numpy(),
    })
    return Table(key, text, frame, {before: INT, after: INT, reduced: INT, h("reduced_pct", lang): PCT}, lang)


def crosswalk_table(state, baseline=None, as_of=None, lang: str | None = None) -> Table:
    """Every unit open at the baseline and the unit(s) that carry it on at ``as_of``."""
    lang = fmt.check_lang(lang)
    v = as_view(state, baseline, as_of)
    cw = L.crosswalk(v.timeline, v.baseline, v.as_of)
    b, d = fmt.date(v.baseline, lang), fmt.date(v.as_of, lang)
    frame = pd.DataFrame({
        h("from_id", lang, date=b): cw["from_id"].to_numpy(),
        h("from_name", lang, date=b): [fmt.nfc(x) for x in cw["from_name"]],
        h("from_kind", lang, date=b): [fmt.kind(k, lang) for k in cw["from_kind"]],
        h("fate", lang): [fmt.fate(f, lang) for f in cw["fate"]],
        h("to_id", lang, date=d): cw["to_id"].to_numpy(),
        h("to_name", lang, date=d): [fmt.nfc(x) for x in cw["to_name"]],
        h("share", lang): cw["share"].astype(float).to_numpy(),
        h("via", lang): cw["via"].to_numpy(),
    })
    return Table("crosswalk", title("crosswalk", lang, base=b, date=d), frame, {h("share", lang): DEC2}, lang)


def fate_table(state, baseline=None, as_of=None, lang: str | None = None) -> Table:
    """How many units open at the baseline are, at ``as_of``, unchanged, merged into another
    unit, part of several (split), or dissolved — per kind."""
    lang = fmt.check_lang(lang)
    v = as_view(state, baseline, as_of)
    cw = L.crosswalk(v.timeline, v.baseline, v.as_of)
    firsts = cw.sort_values(["from_id", "share"], ascending=[True, False], kind="stable").drop_duplicates("from_id")
    counts = firsts.groupby(["fate", "from_kind"]).size().unstack(fill_value=0)
    order = [f for f in fmt.FATE if f in counts.index]
    counts = counts.reindex(index=order, columns=["agency", "psu"], fill_value=0)
    frame = pd.DataFrame({h("fate", lang): [fmt.fate(f, lang) for f in order]})
    for k in ("agency", "psu"):
        frame[fmt.kind(k, lang)] = counts[k].astype(int).to_numpy()
    frame[fmt.kind("all", lang)] = frame.iloc[:, 1:3].sum(axis=1).astype(int)
    return Table("fates", title("fates", lang, base=fmt.date(v.baseline, lang), date=fmt.date(v.as_of, lang)), frame,
                 {c: INT for c in frame.columns[1:]}, lang)


def lineage_events_table(tl, unit_id: str, as_of, lang: str | None = None) -> Table:
    """The events from a unit to its successors at ``as_of``, with names, dates and legal bases."""
    lang = fmt.check_lang(lang)
    tl = getattr(tl, "timeline", tl)
    chain = L.lineage_table(tl, unit_id, as_of)
    names = tl.units["name"]
    basis = tl.registry.events.set_index("event_id")["legal_basis"] if "legal_basis" in tl.registry.events.columns else pd.Series(dtype=object)
    frame = pd.DataFrame({
        h("event_date", lang): [fmt.date(x, lang) for x in chain["date"]],
        h("event", lang): [fmt.event(t, lang) for t in chain["type"]],
        h("unit", lang): [f"{fmt.nfc(names.get(u, u))} ({u})" for u in chain["from_id"]],
        h("into", lang): [f"{fmt.nfc(names.get(u, u))} ({u})" for u in chain["to_id"]],
        h("legal_basis", lang): [fmt.nfc("" if pd.isna(basis.get(e, "")) else basis.get(e, "")) for e in chain["event_id"]],
    })
    return Table("lineage", title("lineage", lang, name=fmt.nfc(names.get(unit_id, unit_id)), date=fmt.date(as_of, lang)),
                 frame, {}, lang)


# ---------------------------------------------------------------- scenario tables


def plan_table(sol, lang: str | None = None) -> Table:
    """The merges of a solved scenario, one row per absorbed unit, with both names."""
    lang = fmt.check_lang(lang)
    scn = sol.scenario
    names = scn.timeline.units["name"]
    p = sol.plan.sort_values("unit_id", kind="stable")
    frame = pd.DataFrame({
        h("unit_id", lang): p["unit_id"].to_numpy(dtype=object),
        h("name", lang): [fmt.nfc(names.get(u, "")) for u in p["unit_id"]],
        h("into_id", lang): p["into_id"].to_numpy(dtype=object),
        h("into_name", lang): [fmt.nfc(names.get(u, "")) for u in p["into_id"]],
        h("kind", lang): [fmt.kind(k, lang) for k in p["kind"]],
        h("sector", lang): [fmt.sector(s, lang) for s in p["sector"]],
        h("locality", lang): [fmt.locality(s, lang) for s in p["locality"]],
        h("staff", lang): p["staff"].astype(int).to_numpy(),
        h("distance_km", lang): p["distance_km"].astype(float).round(2).to_numpy(),
        h("cost", lang): p["cost"].astype(float).round(2).to_numpy(),
    })
    formats = {h("staff", lang): INT, h("distance_km", lang): DEC1, h("cost", lang): DEC1}
    return Table("plan", title("plan", lang, plan=plan_title(scn, lang)), frame, formats, lang)


def plan_group_table(sol, by: str = "sector", lang: str | None = None) -> Table:
    """Units that may move at ``plan_from`` and after the plan, per sector (or locality)."""
    lang = fmt.check_lang(lang)
    scn = sol.scenario
    data = D.plan_table(sol, by)
    key = "plan_sector" if by == "sector" else "plan_locality"
    return _group_table(data, by, h("plan_before", lang, date=fmt.date(scn.plan_from, lang)), h("plan_after", lang),
                        h("plan_reduced", lang), key, title(key, lang, plan=plan_title(scn, lang)), lang)


def targets_table(sol, lang: str | None = None) -> Table:
    """One row per target of a solved scenario: counts, required, achieved, largest possible, met."""
    lang = fmt.check_lang(lang)
    scn = sol.scenario
    rows = []
    for t, st in zip(sol.summary["targets"], scn.targets):
        rows.append({
            h("target", lang): target_label(t, lang, st),
            h("baseline_count", lang): int(t["baseline"]),
            h("at_plan_from", lang): int(t["plan_from"]),
            h("after", lang): int(t["after"]),
            h("required", lang): int(t["required_reduction"]),
            h("achieved", lang): int(t["achieved_reduction"]),
            h("max", lang): np.nan if t.get("max_reduction") is None else int(t["max_reduction"]),
            h("met", lang): yes(t["met"], lang),
        })
    frame = pd.DataFrame(rows)
    formats = {c: INT for c in frame.columns[1:7]}
    return Table("targets", title("targets", lang, plan=plan_title(scn, lang)), frame, formats, lang)


def consequences_table(sol, lang: str | None = None) -> Table | None:
    """The plan's consequences (summary.json ``consequences``: people, posts, km, VND), or None."""
    from .texts import consequence_rows

    lang = fmt.check_lang(lang)
    rows = consequence_rows(sol.summary.get("consequences"), lang)
    if not rows:
        return None
    frame = pd.DataFrame({h("item", lang): [k for k, _v in rows], h("after", lang): [v for _k, v in rows]})
    return Table("consequences", title("consequences", lang, plan=plan_title(sol.scenario, lang)), frame,
                 {h("after", lang): "#,##0.#"}, lang)


def frontier_table(front: pd.DataFrame, name: str = "", lang: str | None = None, scn=None) -> Table:
    """The frontier (reduction, %, least disruption, merges, status) with headers in ``lang``."""
    lang = fmt.check_lang(lang)
    frame = pd.DataFrame({
        h("reduction", lang): front["reduction"].astype(int).to_numpy(),
        h("frontier_pct", lang): D.frontier_column(front, "reduction_pct").astype(float).round(1).to_numpy(),
        h("min_cost", lang): D.frontier_column(front, "min_cost").astype(float).round(2).to_numpy(),
        h("merges", lang): front["merges"].to_numpy() if "merges" in front.columns else np.nan,
        h("status", lang): [status(s, lang) for s in front.get("status", pd.Series([""] * len(front)))],
    })
    formats = {h("reduction", lang): INT, h("frontier_pct", lang): PCT, h("min_cost", lang): DEC1, h("merges", lang): INT}
    plan = plan_title(scn, lang) if scn is not None else fmt.nfc(name)
    return Table("frontier", title("frontier", lang, plan=plan), frame, formats, lang)


def variant(scn, label: str | None = None, **changes):
    """A copy of a loaded scenario with some rules, objective weights or top-level keys changed,
    e.g. ``variant(scn, max_distance_km=20)`` or ``variant(scn, movable=("psu",))``; the original is
    left untouched. The copy's name gets ``label`` (default: the changes, e.g. ``+max_distance_km=20``)."""
    rules = {f.name for f in dataclasses.fields(scn.rules)}
    weights = {f.name for f in dataclasses.fields(scn.objective)}
    top = {f.name for f in dataclasses.fields(scn)} - {"registry", "path", "rules", "objective", "solver"}
    new_rules, new_weights, new_top = {}, {}, {}
    for key, value in changes.items():
        if key in rules:
            new_rules[key] = tuple(value) if isinstance(value, list) else value
        elif key in weights:
            new_weights[key] = value
        elif key in top:
            new_top[key] = value
        else:
            raise InputError(_("Cannot change {key}: it is not a rule ({rules}), an objective weight ({weights}) or a "
                               "scenario key.", key=repr(key), rules=", ".join(sorted(rules)), weights=", ".join(sorted(weights))))
    name = label or scn.name + "".join(f"+{k}={v}" for k, v in changes.items())
    return dataclasses.replace(scn, name=name, rules=dataclasses.replace(scn.rules, **new_rules),
                               objective=dataclasses.replace(scn.objective, **new_weights), **new_top)


def compare_table(solutions: Mapping[str, object], lang: str | None = None) -> Table:
    """Solved scenarios side by side (one column each): status, merges, disruption, and per
    target the reduction achieved / required (met; the largest the rules allow)."""
    from ..i18n import gettext as _

    lang = fmt.check_lang(lang)
    cols = {}
    index: list[str] = []
    for label, sol in solutions.items():
        s = sol.summary
        col = {h("status", lang): status(s["status"], lang),
               h("merges", lang): s["merges"],
               h("objective", lang): "" if s["objective"] is None else fmt.number(s["objective"], lang, 1)}
        for t, st in zip(s["targets"], sol.scenario.targets):
            most = "" if t.get("max_reduction") is None else _("; at most {n}", lang, n=fmt.number(t["max_reduction"], lang))
            col[target_label(t, lang, st)] = (f"{fmt.number(t['achieved_reduction'], lang)} / "
                                              f"{fmt.number(t['required_reduction'], lang)} ({yes(t['met'], lang)}{most})")
        for k in col:
            if k not in index:
                index.append(k)
        cols[fmt.nfc(label)] = col
    frame = pd.DataFrame(cols).reindex(index).rename_axis(h("item", lang)).reset_index().fillna("")
    return Table("compare", title("compare", lang), frame, {}, lang)


# ---------------------------------------------------------------- picking an org chart


def pick_department(state, baseline=None, as_of=None) -> str | None:
    """The agency directly under a provincial government root whose subtree lost the most units
    between the two dates (ties: the larger subtree, then the id); None when there is none."""
    v = as_view(state, baseline, as_of)
    tl = v.timeline
    g = tl.graph_as_of(v.baseline)
    best = None
    for root in sorted(n for n, a in g.nodes(data=True) if a.get("kind") == "government" and g.in_degree(n) == 0):
        for dep in sorted(g.successors(root)):
            if g.nodes[dep].get("kind") != "agency" or not tl.is_open(dep, v.as_of):
                continue
            sub = [dep] + sorted(nx.descendants(g, dep))
            lost = sum(not tl.is_open(u, v.as_of) for u in sub)
            key = (lost, len(sub), [-ord(c) for c in dep])
            if lost and (best is None or key > best[0]):
                best = (key, dep)
    return best[1] if best else None
