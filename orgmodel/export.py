"""Proposal-ready exports: tables with Vietnamese (or English) headers, generated summary texts,
an Excel workbook, a Word annex, and :func:`build_report`, which writes them all in one folder.

Every number in the tables stays a number (the workbook formats it; Vietnamese Excel then shows
``1.261`` and ``18,0`` by itself); the texts format numbers and dates with :mod:`orgmodel.fmt`
(``1.261``, ``18,0%``, ``31/12/2021``). Every figure in a text is computed from the registry or the
solved scenario, never written by hand.

Folder written by :func:`build_report` (replaced as a whole on the next run)::

    <out>/
      annex.docx          Word annex: summary, tables, figures with captions
      tables.xlsx         one sheet per table (progress, reconciliation, trajectory, ...)
      figures/NN-*.png    each figure at 300 dpi, 16 cm wide
      figures/NN-*.svg    the same with editable text
      README.md           what is in the folder and how it was made
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import networkx as nx
import numpy as np
import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import fmt
from . import lineage as L
from . import plots as G
from . import progress as P
from .dates import parse_date
from .errors import InputError
from .files import atomic_write_bytes, atomic_write_text, output_dir, refuse_overlap
from .registry import Registry, load_registry
from .timeline import Timeline

# ---------------------------------------------------------------- tables


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
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
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

H = {
    "vi": {
        "kind": "Loại hình", "count_at": "Số đầu mối {date}", "reduced": "Giảm (đầu mối)", "reduced_pct": "Tỷ lệ giảm (%)",
        "start": "Đầu kỳ ({date})", "end": "Cuối kỳ ({date})", "closed": "Thôi hoạt động",
        "closed_by": "Giảm do {event}", "opened": "Tăng do thành lập mới",
        "year": "Năm", "date": "Ngày", "change_pct": "{kind}: thay đổi so với {base} (%)",
        "sector": "Lĩnh vực", "locality": "Địa bàn", "level": "Cấp",
        "from_id": "Mã đơn vị ({date})", "from_name": "Tên đơn vị ({date})", "from_kind": "Loại hình ({date})",
        "to_id": "Mã đơn vị kế thừa ({date})", "to_name": "Tên đơn vị kế thừa ({date})",
        "share": "Tỷ trọng kế thừa", "fate": "Tình trạng", "via": "Sự kiện",
        "unit_id": "Mã đơn vị", "name": "Tên đơn vị", "into_id": "Sáp nhập vào (mã)", "into_name": "Sáp nhập vào (tên)",
        "staff": "Biên chế", "distance_km": "Khoảng cách (km)", "cost": "Chi phí",
        "plan_before": "Hiện có ({date})", "plan_after": "Sau sắp xếp", "plan_reduced": "Giảm",
        "reduction": "Số đơn vị giảm", "frontier_pct": "Tỷ lệ giảm (%)", "min_cost": "Chi phí tối thiểu",
        "merges": "Số đơn vị sáp nhập", "status": "Trạng thái",
        "item": "Chỉ tiêu", "target": "Mục tiêu", "baseline_count": "Số lượng tại mốc", "at_plan_from": "Hiện có",
        "after": "Sau sắp xếp", "required": "Cần giảm", "achieved": "Đạt được", "max": "Tối đa có thể", "met": "Đạt",
        "objective": "Chi phí (hàm mục tiêu)",
    },
    "en": {
        "kind": "Kind", "count_at": "Units on {date}", "reduced": "Reduced (units)", "reduced_pct": "Reduced (%)",
        "start": "Start ({date})", "end": "End ({date})", "closed": "Closed",
        "closed_by": "Closed by {event}", "opened": "Opened",
        "year": "Year", "date": "Date", "change_pct": "{kind}: change against {base} (%)",
        "sector": "Sector", "locality": "Locality", "level": "Level",
        "from_id": "Unit id ({date})", "from_name": "Unit name ({date})", "from_kind": "Kind ({date})",
        "to_id": "Successor id ({date})", "to_name": "Successor name ({date})",
        "share": "Share carried", "fate": "Fate", "via": "Events",
        "unit_id": "Unit id", "name": "Unit name", "into_id": "Merged into (id)", "into_name": "Merged into (name)",
        "staff": "Staff", "distance_km": "Distance (km)", "cost": "Cost",
        "plan_before": "Now ({date})", "plan_after": "After the plan", "plan_reduced": "Reduced",
        "reduction": "Units cut", "frontier_pct": "Reduction (%)", "min_cost": "Minimum cost",
        "merges": "Merges", "status": "Status",
        "item": "Item", "target": "Target", "baseline_count": "At the baseline", "at_plan_from": "Now",
        "after": "After the plan", "required": "Required", "achieved": "Achieved", "max": "Largest possible", "met": "Met",
        "objective": "Cost (objective)",
    },
}

TITLES = {
    "vi": {
        "progress": "Số đầu mối so với {base}, theo loại hình", "reconciliation": "Đối chiếu số đầu mối từ {base} đến {date}",
        "trajectory": "Số đầu mối tại 31/12 hằng năm", "sector": "Số đầu mối theo lĩnh vực", "locality": "Số đầu mối theo địa bàn",
        "crosswalk": "Bảng chuyển đổi đơn vị từ {base} sang {date}", "plan": "Phương án {name}: danh sách đơn vị sáp nhập",
        "plan_sector": "Phương án {name}: số đơn vị theo lĩnh vực", "plan_locality": "Phương án {name}: số đơn vị theo địa bàn",
        "frontier": "Chi phí tối thiểu theo mức giảm: {name}", "targets": "Phương án {name}: các mục tiêu",
        "compare": "So sánh các phương án",
    },
    "en": {
        "progress": "Counted units against {base}, by kind", "reconciliation": "Reconciliation of counted units, {base} to {date}",
        "trajectory": "Counted units at each 31 December", "sector": "Counted units by sector", "locality": "Counted units by locality",
        "crosswalk": "Crosswalk of units from {base} to {date}", "plan": "Scenario {name}: units merged",
        "plan_sector": "Scenario {name}: units by sector", "plan_locality": "Scenario {name}: units by locality",
        "frontier": "Minimum cost by reduction: {name}", "targets": "Scenario {name}: targets",
        "compare": "Scenarios compared",
    },
}

#: Sheet names of the workbook (at most 31 characters, as Excel requires).
SHEETS = {
    "vi": {"progress": "Tiến độ", "reconciliation": "Đối chiếu", "trajectory": "Theo năm", "sector": "Theo lĩnh vực",
           "locality": "Theo địa bàn", "crosswalk": "Chuyển đổi đơn vị", "targets": "Mục tiêu phương án",
           "plan": "Phương án", "frontier": "Đường chi phí"},
    "en": {"progress": "Progress", "reconciliation": "Reconciliation", "trajectory": "Trajectory", "sector": "By sector",
           "locality": "By locality", "crosswalk": "Crosswalk", "targets": "Scenario targets", "plan": "Plan",
           "frontier": "Frontier"},
}

STATUS = {"vi": {"optimal": "tối ưu", "feasible": "khả thi (chưa chứng minh tối ưu)", "infeasible": "không khả thi"},
          "en": {"optimal": "optimal", "feasible": "feasible (not proven optimal)", "infeasible": "infeasible"}}


def h(key: str, lang: str, **values) -> str:
    """A column header in ``lang``."""
    return fmt.nfc(H[fmt.check_lang(lang)][key].format(**values))


def _title(key: str, lang: str, **values) -> str:
    return fmt.nfc(TITLES[fmt.check_lang(lang)][key].format(**values))


def progress_table(tl: Timeline, baseline, as_of, lang: str = "vi") -> Table:
    """Counts at the baseline and at ``as_of``, reduction and % per kind (agency, psu, all)."""
    p = P.progress(tl, baseline, as_of)
    b, d = fmt.date(p.attrs["baseline"], lang), fmt.date(p.attrs["as_of"], lang)
    frame = pd.DataFrame({
        h("kind", lang): [fmt.kind(k, lang) for k in p["kind"]],
        h("count_at", lang, date=b): p["baseline"].astype(int).to_numpy(),
        h("count_at", lang, date=d): p["current"].astype(int).to_numpy(),
        h("reduced", lang): p["reduced"].astype(int).to_numpy(),
        h("reduced_pct", lang): p["reduced_pct"].to_numpy(),
    })
    formats = {c: INT for c in frame.columns[1:4]} | {frame.columns[4]: PCT}
    return Table("progress", _title("progress", lang, base=b), frame, formats, lang)


def reconciliation_table(tl: Timeline, baseline, as_of, lang: str = "vi") -> Table:
    """baseline - closed (by merge, consolidation, split, dissolution) + opened = current, per kind."""
    p = P.progress(tl, baseline, as_of)
    b, d = fmt.date(p.attrs["baseline"], lang), fmt.date(p.attrs["as_of"], lang)
    cols = {h("kind", lang): [fmt.kind(k, lang) for k in p["kind"]], h("start", lang, date=b): p["baseline"].to_numpy()}
    for t in P.CLOSED_BY:
        cols[h("closed_by", lang, event=fmt.event(t, lang).lower())] = p[f"closed_{t}"].to_numpy()
    cols[h("opened", lang)] = p["opened"].to_numpy()
    cols[h("end", lang, date=d)] = p["current"].to_numpy()
    frame = pd.DataFrame(cols)
    frame.iloc[:, 1:] = frame.iloc[:, 1:].astype(int)
    return Table("reconciliation", _title("reconciliation", lang, base=b, date=d), frame,
                 {c: INT for c in frame.columns[1:]}, lang)


def trajectory_table(tl: Timeline, baseline, as_of, lang: str = "vi") -> Table:
    """Counts per kind at each 31 December from the baseline's year, with the change (%) against
    the baseline count."""
    data = G.trajectory_table(tl, baseline, as_of)
    base = fmt.date(baseline, lang)
    wide = data.pivot(index="year", columns="kind", values="count")
    pct = data.pivot(index="year", columns="kind", values="change_pct")
    cols = {h("year", lang): wide.index.to_numpy(dtype=int)}
    for k in G.KIND_ORDER:
        cols[fmt.kind(k, lang)] = wide[k].astype(int).to_numpy()
    for k in G.KIND_ORDER:
        cols[h("change_pct", lang, kind=fmt.kind(k, lang, short=True), base=base)] = pct[k].to_numpy()
    frame = pd.DataFrame(cols)
    formats = {c: INT for c in frame.columns[1:4]} | {c: PCT for c in frame.columns[4:]}
    formats[frame.columns[0]] = "0"
    return Table("trajectory", _title("trajectory", lang), frame, formats, lang)


def breakdown_table(tl: Timeline, baseline, as_of, by: str = "sector", lang: str = "vi") -> Table:
    """Counted units per sector (or locality …) at the baseline and at ``as_of``."""
    data = G.breakdown_table(tl, baseline, as_of, by)
    return _group_table(data, by, h("count_at", lang, date=fmt.date(baseline, lang)),
                        h("count_at", lang, date=fmt.date(as_of, lang)), h("reduced", lang), by,
                        _title(by if by in ("sector", "locality") else "sector", lang), lang)


def _group_table(data: pd.DataFrame, by: str, before: str, after: str, reduced: str, key: str, title: str, lang: str) -> Table:
    group = H[lang].get(by, by)
    frame = pd.DataFrame({
        fmt.nfc(group): [fmt.label(by, g, lang) for g in data["group"]],
        before: data["baseline"].astype(int).to_numpy(),
        after: data["current"].astype(int).to_numpy(),
        reduced: data["reduced"].astype(int).to_numpy(),
        h("reduced_pct", lang): data["reduced_pct"].astype(float).to_numpy(),
    })
    return Table(key, title, frame, {before: INT, after: INT, reduced: INT, h("reduced_pct", lang): PCT}, lang)


def crosswalk_table(tl: Timeline, baseline, as_of, lang: str = "vi") -> Table:
    """Every unit open at the baseline and the unit(s) that carry it on at ``as_of``."""
    cw = L.crosswalk(tl, baseline, as_of)
    b, d = fmt.date(baseline, lang), fmt.date(as_of, lang)
    frame = pd.DataFrame({
        h("from_id", lang, date=b): cw["from_id"].to_numpy(),
        h("from_name", lang, date=b): [fmt.nfc(v) for v in cw["from_name"]],
        h("from_kind", lang, date=b): [fmt.kind(k, lang) for k in cw["from_kind"]],
        h("fate", lang): [fmt.fate(f, lang) for f in cw["fate"]],
        h("to_id", lang, date=d): cw["to_id"].to_numpy(),
        h("to_name", lang, date=d): [fmt.nfc(v) for v in cw["to_name"]],
        h("share", lang): cw["share"].astype(float).to_numpy(),
        h("via", lang): cw["via"].to_numpy(),
    })
    return Table("crosswalk", _title("crosswalk", lang, base=b, date=d), frame, {h("share", lang): DEC2}, lang)


def fate_table(tl: Timeline, baseline, as_of, lang: str = "vi") -> Table:
    """How many units open at the baseline are, at ``as_of``, unchanged, merged into another
    unit, part of several (split), or dissolved — per kind."""
    cw = L.crosswalk(tl, baseline, as_of)
    firsts = cw.sort_values(["from_id", "share"], ascending=[True, False], kind="stable").drop_duplicates("from_id")
    counts = firsts.groupby(["fate", "from_kind"]).size().unstack(fill_value=0)
    order = [f for f in fmt.FATE["en"] if f in counts.index]
    counts = counts.reindex(index=order, columns=["agency", "psu"], fill_value=0)
    frame = pd.DataFrame({h("fate", lang): [fmt.fate(f, lang) for f in order]})
    for k in ("agency", "psu"):
        frame[fmt.kind(k, lang)] = counts[k].astype(int).to_numpy()
    frame[fmt.kind("all", lang)] = frame.iloc[:, 1:3].sum(axis=1).astype(int)
    title = (f"Các đơn vị có ngày {fmt.date(baseline, lang)}: tình trạng đến {fmt.date(as_of, lang)}" if lang == "vi"
             else f"Units open on {fmt.date(baseline, lang)}: what became of them by {fmt.date(as_of, lang)}")
    return Table("fates", title, frame, {c: INT for c in frame.columns[1:]}, lang)


def lineage_events_table(tl: Timeline, unit_id: str, as_of, lang: str = "vi") -> Table:
    """The events from a unit to its successors at ``as_of``, with names, dates and legal bases."""
    chain = L.lineage_table(tl, unit_id, as_of)
    names = tl.units["name"]
    basis = tl.registry.events.set_index("event_id")["legal_basis"] if "legal_basis" in tl.registry.events.columns else pd.Series(dtype=object)
    vi = lang == "vi"
    frame = pd.DataFrame({
        ("Ngày" if vi else "Date"): [fmt.date(x, lang) for x in chain["date"]],
        ("Sự kiện" if vi else "Event"): [fmt.event(t, lang) for t in chain["type"]],
        ("Đơn vị" if vi else "Unit"): [f"{fmt.nfc(names.get(u, u))} ({u})" for u in chain["from_id"]],
        ("Chuyển thành / vào" if vi else "Into"): [f"{fmt.nfc(names.get(u, u))} ({u})" for u in chain["to_id"]],
        ("Căn cứ" if vi else "Legal basis"): [fmt.nfc("" if pd.isna(basis.get(e, "")) else basis.get(e, "")) for e in chain["event_id"]],
    })
    title = (f"Quá trình sắp xếp của {fmt.nfc(names.get(unit_id, unit_id))} đến {fmt.date(as_of, lang)}" if vi
             else f"What happened to {fmt.nfc(names.get(unit_id, unit_id))} up to {fmt.date(as_of, lang)}")
    return Table("lineage", title, frame, {}, lang)


def lineage_sentence(tl: Timeline, unit_id: str, as_of, lang: str = "vi") -> str:
    """``Phòng Giáo dục huyện Hoành Bồ (HB-PGD) đến 31/12/2021 do … kế thừa.`` (or still open,
    or dissolved without successors)."""
    succ = L.successors(tl, unit_id, as_of)
    names = tl.units["name"]
    who = f"{fmt.nfc(names.get(unit_id, unit_id))} ({unit_id})"
    d = fmt.date(as_of, lang)
    listed = "; ".join(f"{fmt.nfc(names.get(u, u))} ({u})" for u in succ)
    if lang == "vi":
        if succ == [unit_id]:
            return fmt.nfc(f"{who} vẫn hoạt động đến {d}.")
        if not succ:
            return fmt.nfc(f"{who} đã giải thể, không có đơn vị kế thừa (đến {d}).")
        return fmt.nfc(f"Đến {d}, {who} do {listed} kế thừa.")
    if succ == [unit_id]:
        return fmt.nfc(f"{who} is still open on {d}.")
    if not succ:
        return fmt.nfc(f"{who} was dissolved without successors (by {d}).")
    return fmt.nfc(f"On {d}, {who} is carried on by {listed}.")


# ---------------------------------------------------------------- scenario tables


def plan_table(sol, lang: str = "vi") -> Table:
    """The merges of a solved scenario, one row per absorbed unit, with both names."""
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
    return Table("plan", _title("plan", lang, name=scn.name), frame, formats, lang)


def plan_group_table(sol, by: str = "sector", lang: str = "vi") -> Table:
    """Units that may move at ``plan_from`` and after the plan, per sector (or locality)."""
    scn = sol.scenario
    data = G.plan_table(sol, by)
    key = "plan_sector" if by == "sector" else "plan_locality"
    return _group_table(data, by, h("plan_before", lang, date=fmt.date(scn.plan_from, lang)), h("plan_after", lang),
                        h("plan_reduced", lang), key, _title(key, lang, name=scn.name), lang)


def target_label(target: Mapping, lang: str = "vi", scn_target=None) -> str:
    """``Giảm 10% đơn vị sự nghiệp công lập so với năm 2015`` for a summary.json target."""
    kind_text = fmt.KIND_TEXT[lang][target["kind"]]
    if scn_target is not None and scn_target.reduce_pct is not None:
        amount = fmt.pct(float(scn_target.reduce_pct), lang, 0 if float(scn_target.reduce_pct).is_integer() else 1)
    else:
        amount = fmt.number(target["required_reduction"], lang)
    since = fmt.since(target["baseline_date"], lang)
    where = ""
    if scn_target is not None and scn_target.where:
        cond = ", ".join(f"{k} = {' | '.join(v)}" for k, v in scn_target.where.items())
        where = f" ({'chỉ tính' if lang == 'vi' else 'only'} {cond})"
    if lang == "vi":
        return fmt.nfc(f"Giảm {amount} {kind_text} so với {since}{where}")
    return fmt.nfc(f"{kind_text.capitalize()} down {amount} against {since}{where}")


def targets_table(sol, lang: str = "vi") -> Table:
    """One row per target of a solved scenario: counts, required, achieved, largest possible, met."""
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
            h("met", lang): _yes(t["met"], lang),
        })
    frame = pd.DataFrame(rows)
    formats = {c: INT for c in frame.columns[1:7]}
    return Table("targets", _title("targets", lang, name=scn.name), frame, formats, lang)


def _yes(flag: bool, lang: str) -> str:
    return ("có" if flag else "không") if lang == "vi" else ("yes" if flag else "no")


def frontier_table(front: pd.DataFrame, name: str = "", lang: str = "vi") -> Table:
    """The frontier (reduction, %, minimum cost, merges, status) with headers in ``lang``."""
    frame = pd.DataFrame({
        h("reduction", lang): front["reduction"].astype(int).to_numpy(),
        h("frontier_pct", lang): G.frontier_column(front, "reduction_pct").astype(float).round(1).to_numpy(),
        h("min_cost", lang): G.frontier_column(front, "min_cost").astype(float).round(2).to_numpy(),
        h("merges", lang): front["merges"].to_numpy() if "merges" in front.columns else np.nan,
        h("status", lang): [STATUS[lang].get(s, s) for s in front.get("status", pd.Series([""] * len(front)))],
    })
    formats = {h("reduction", lang): INT, h("frontier_pct", lang): PCT, h("min_cost", lang): DEC1, h("merges", lang): INT}
    return Table("frontier", _title("frontier", lang, name=name), frame, formats, lang)


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
            raise InputError(f"Cannot change {key!r}: it is not a rule ({', '.join(sorted(rules))}), an objective weight "
                             f"({', '.join(sorted(weights))}) or a scenario key.")
    name = label or scn.name + "".join(f"+{k}={v}" for k, v in changes.items())
    return dataclasses.replace(scn, name=name, rules=dataclasses.replace(scn.rules, **new_rules),
                               objective=dataclasses.replace(scn.objective, **new_weights), **new_top)


def compare_table(solutions: Mapping[str, object], lang: str = "vi") -> Table:
    """Solved scenarios side by side (one column each): status, merges, cost, and per target the
    reduction achieved / required (met; the largest the rules allow)."""
    cols = {}
    index: list[str] = []
    for label, sol in solutions.items():
        s = sol.summary
        col = {h("status", lang): STATUS[lang].get(s["status"], s["status"]),
               h("merges", lang): s["merges"],
               h("objective", lang): "" if s["objective"] is None else fmt.number(s["objective"], lang, 1)}
        for t, st in zip(s["targets"], sol.scenario.targets):
            name = target_label(t, lang, st)
            most = "" if t.get("max_reduction") is None else (
                f"; {'tối đa' if lang == 'vi' else 'at most'} {fmt.number(t['max_reduction'], lang)}")
            col[name] = (f"{fmt.number(t['achieved_reduction'], lang)} / {fmt.number(t['required_reduction'], lang)}"
                         f" ({_yes(t['met'], lang)}{most})")
        for k in col:
            if k not in index:
                index.append(k)
        cols[fmt.nfc(label)] = col
    frame = pd.DataFrame(cols).reindex(index).rename_axis(h("item", lang)).reset_index().fillna("")
    return Table("compare", _title("compare", lang), frame, {}, lang)


# ---------------------------------------------------------------- texts


def scope_phrase(tl: Timeline, as_of, lang: str = "vi") -> str:
    """How a text names the whole registry: ``toàn tỉnh`` when it has one provincial root."""
    units = tl.units_as_of(as_of)
    roots = units[(units["kind"] == "government") & (units["parent_id"] == "")]
    if len(roots) == 1:
        level = str(roots["level"].iloc[0])
        return {"vi": {"province": "toàn tỉnh", "district": "toàn huyện", "commune": "toàn xã"},
                "en": {"province": "the province", "district": "the district", "commune": "the commune"}}[lang].get(level, "")
    return "toàn bộ" if lang == "vi" else "the registry"


def summary_sentence(tl: Timeline, baseline, as_of, lang: str = "vi") -> str:
    """``Đến 31/12/2021 toàn tỉnh giảm 227 đầu mối, đạt 18,0% so với năm 2015, trong đó 140 cơ
    quan, tổ chức hành chính và 87 đơn vị sự nghiệp công lập.`` — computed from the registry."""
    p = P.progress(tl, baseline, as_of).set_index("kind")
    d, since, scope = fmt.date(as_of, lang), fmt.since(baseline, lang), scope_phrase(tl, as_of, lang)
    a = p.loc["all"]
    parts = [_kind_part(p.loc[k], k, lang) for k in ("agency", "psu")]
    if lang == "vi":
        if a["reduced"] > 0:
            head = f"Đến {d} {scope} giảm {fmt.number(a['reduced'], lang)} đầu mối, đạt {fmt.pct(a['reduced_pct'], lang)} so với {since}"
        elif a["reduced"] < 0:
            head = (f"Đến {d} {scope} tăng {fmt.number(-a['reduced'], lang)} đầu mối "
                    f"({fmt.pct(-a['reduced_pct'], lang)}) so với {since}")
        else:
            head = f"Đến {d} số đầu mối của {scope} không đổi so với {since}"
        return fmt.nfc(f"{head}, trong đó {' và '.join(parts)}.")
    who = scope[:1].upper() + scope[1:] if scope else "The registry"
    if a["reduced"] > 0:
        head = (f"By {d}, {scope or 'the registry'} had {fmt.number(a['reduced'], lang)} fewer counted units, "
                f"{fmt.pct(a['reduced_pct'], lang)} fewer than in {since}")
    elif a["reduced"] < 0:
        head = f"By {d}, {who} had {fmt.number(-a['reduced'], lang)} more counted units than in {since}"
    else:
        head = f"By {d}, {who} had as many counted units as in {since}"
    return fmt.nfc(f"{head}: {' and '.join(parts)}.")


def _kind_part(row, kind: str, lang: str) -> str:
    """``140 cơ quan, tổ chức hành chính`` (a reduction), or ``… tăng 3`` / ``… không đổi``."""
    n, text = int(row["reduced"]), fmt.KIND_TEXT[lang][kind]
    if lang == "vi":
        if n > 0:
            return f"{fmt.number(n, lang)} {text}"
        return f"{text} tăng {fmt.number(-n, lang)}" if n < 0 else f"{text} không đổi"
    if n > 0:
        return f"{fmt.number(n, lang)} fewer {text}"
    return f"{fmt.number(-n, lang)} more {text}" if n < 0 else f"{text} unchanged"


def reconciliation_sentence(tl: Timeline, baseline, as_of, lang: str = "vi") -> str:
    """How the count moved: units closed (by how) and opened, and the check that adds up."""
    p = P.progress(tl, baseline, as_of).set_index("kind").loc["all"]
    n = lambda v: fmt.number(int(v), lang)  # noqa: E731
    how = [(t, int(p[f"closed_{t}"])) for t in P.CLOSED_BY if int(p[f"closed_{t}"])]
    b, d = fmt.date(baseline, lang), fmt.date(as_of, lang)
    if lang == "vi":
        detail = ", ".join(f"{n(v)} do {fmt.event(t, lang).lower()}" for t, v in how)
        closed = f"{n(p['closed'])} đầu mối thôi hoạt động" + (f" ({detail})" if detail else "")
        return fmt.nfc(f"Từ {b} đến {d} có {closed} và {n(p['opened'])} đầu mối mới được thành lập: "
                       f"{n(p['baseline'])} - {n(p['closed'])} + {n(p['opened'])} = {n(p['current'])}.")
    detail = ", ".join(f"{n(v)} {fmt.event(t, lang).lower()}" for t, v in how)
    closed = f"{n(p['closed'])} counted units closed" + (f" ({detail})" if detail else "")
    return fmt.nfc(f"From {b} to {d}, {closed} and {n(p['opened'])} opened: "
                   f"{n(p['baseline'])} - {n(p['closed'])} + {n(p['opened'])} = {n(p['current'])}.")


def target_sentence(tl: Timeline, kind: str, pct: float, baseline, as_of, lang: str = "vi") -> str:
    """Whether "reduce ``kind`` by at least ``pct`` % against the baseline" holds at ``as_of``,
    and since when (or how far it still is)."""
    res = P.check_target(tl, f"reduce {kind} by >= {pct:g}% against {parse_date(baseline).isoformat()}", as_of)
    amount = fmt.pct(pct, lang, 0 if float(pct).is_integer() else 1)
    kt, since = fmt.KIND_TEXT[lang][kind], fmt.since(baseline, lang)
    if lang == "vi":
        head = f"Mục tiêu giảm ít nhất {amount} {kt} so với {since}"
        if res.met:
            return fmt.nfc(f"{head} đã đạt từ ngày {fmt.date(res.first_met, lang)}.")
        return fmt.nfc(f"{head} chưa đạt: đến {fmt.date(as_of, lang)} mới giảm {fmt.number(res.reduced, lang)}, "
                       f"cần giảm thêm {fmt.number(res.required - res.reduced, lang)}.")
    head = f"The target of {kt} down at least {amount} against {since}"
    if res.met:
        return fmt.nfc(f"{head} has been met since {fmt.date(res.first_met, lang)}.")
    return fmt.nfc(f"{head} is not met: by {fmt.date(as_of, lang)} the reduction is {fmt.number(res.reduced, lang)}, "
                   f"{fmt.number(res.required - res.reduced, lang)} short.")


def scenario_sentences(sol, lang: str = "vi") -> list[str]:
    """What a solved scenario says: status, merges and cost, then one sentence per target."""
    scn, s = sol.scenario, sol.summary
    name = f"“{scn.name}”"
    out = []
    if lang == "vi":
        if s["status"] == "infeasible":
            out.append(f"Phương án {name}: không có cách sáp nhập nào đáp ứng đồng thời các mục tiêu theo các quy tắc đã đặt.")
        else:
            out.append(f"Phương án {name} ({STATUS[lang][s['status']]}): sáp nhập {fmt.number(s['merges'], lang)} đơn vị "
                       f"vào đơn vị khác, tính trên hiện trạng ngày {fmt.date(scn.plan_from, lang)}; chi phí theo hàm mục tiêu "
                       f"{fmt.number(s['objective'], lang, 1)}.")
        for t, st in zip(s["targets"], scn.targets):
            verdict = "đạt" if t["met"] else "không đạt"
            mx = "" if t.get("max_reduction") is None else f"; mức giảm tối đa các quy tắc cho phép là {fmt.number(t['max_reduction'], lang)}"
            out.append(f"{target_label(t, lang, st)}: cần giảm {fmt.number(t['required_reduction'], lang)}, phương án giảm "
                       f"{fmt.number(t['achieved_reduction'], lang)} (từ {fmt.number(t['baseline'], lang)} còn "
                       f"{fmt.number(t['after'], lang)}), {verdict}{mx}.")
        if s.get("blocking_units"):
            out.append("Các đơn vị không thể đạt biên chế tối thiểu: " + ", ".join(s["blocking_units"]) + ".")
    else:
        if s["status"] == "infeasible":
            out.append(f"Scenario {name}: no set of merges meets every target under the rules.")
        else:
            out.append(f"Scenario {name} ({STATUS[lang][s['status']]}): {fmt.number(s['merges'], lang)} units merged into "
                       f"others, on the state of {fmt.date(scn.plan_from, lang)}; cost {fmt.number(s['objective'], lang, 1)}.")
        for t, st in zip(s["targets"], scn.targets):
            mx = "" if t.get("max_reduction") is None else f"; the rules allow at most {fmt.number(t['max_reduction'], lang)}"
            out.append(f"{target_label(t, lang, st)}: {fmt.number(t['required_reduction'], lang)} required, "
                       f"{fmt.number(t['achieved_reduction'], lang)} achieved ({fmt.number(t['baseline'], lang)} to "
                       f"{fmt.number(t['after'], lang)}), {'met' if t['met'] else 'not met'}{mx}.")
        if s.get("blocking_units"):
            out.append("Units that can never reach the minimum staff: " + ", ".join(s["blocking_units"]) + ".")
    return [fmt.nfc(t) for t in out]


# ---------------------------------------------------------------- picking an org chart


def pick_department(tl: Timeline, baseline, as_of) -> str | None:
    """The agency directly under a provincial government root whose subtree lost the most units
    between the two dates (ties: the larger subtree, then the id); None when there is none."""
    g = tl.graph_as_of(baseline)
    best = None
    for root in sorted(n for n, a in g.nodes(data=True) if a.get("kind") == "government" and g.in_degree(n) == 0):
        for dep in sorted(g.successors(root)):
            if g.nodes[dep].get("kind") != "agency" or not tl.is_open(dep, as_of):
                continue
            sub = [dep] + sorted(nx.descendants(g, dep))
            lost = sum(not tl.is_open(u, as_of) for u in sub)
            key = (lost, len(sub), [-ord(c) for c in dep])
            if lost and (best is None or key > best[0]):
                best = (key, dep)
    return best[1] if best else None


PAGE_HEIGHT_CM = 24.7  # A4 (29.7 cm) between the annex's margins, less a caption line


def org_chart_pages(tl: Timeline, unit_id: str, baseline, as_of, lang: str = "vi") -> list[tuple[str, tuple]]:
    """(file suffix, panels) of a unit's organisation chart in the report: one figure with both
    dates when it fits an A4 page, else one figure per date (``-before``, ``-after``)."""
    fig = G.org_chart(tl, unit_id, baseline, as_of, lang=lang, title=False)
    if fig.get_size_inches()[1] * 2.54 <= PAGE_HEIGHT_CM:
        return [("", G.ORG_PANELS)]
    return [("-before", ("before",)), ("-after", ("after",))]


# ---------------------------------------------------------------- Excel


def write_workbook(tables: list[Table], lang: str = "vi") -> bytes:
    """An .xlsx with one sheet per table: bold shaded header row, frozen header (and first
    column), filters, column widths to fit, numbers stored as numbers with formats."""
    wb = Workbook()
    wb.remove(wb.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    thin = Border(bottom=Side(style="thin", color="7F7F7F"))
    for t in tables:
        ws = wb.create_sheet(SHEETS[lang].get(t.key, t.key)[:31])
        frame = t.frame
        ws.append([fmt.nfc(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for j, col in enumerate(frame.columns, start=1):
            c = ws.cell(row=1, column=j)
            c.font, c.fill, c.border = bold, fill, thin
            c.alignment = Alignment(wrap_text=True, vertical="top")
            number_format = t.formats.get(col)
            if number_format:
                for i in range(2, len(frame) + 2):
                    ws.cell(row=i, column=j).number_format = number_format
            ws.column_dimensions[get_column_letter(j)].width = _width(col, frame[col])
        ws.freeze_panes = "B2" if len(frame.columns) > 3 else "A2"
        if len(frame):
            ws.auto_filter.ref = ws.dimensions
        ws.row_dimensions[1].height = 15 * max(1, max(len(str(c)) // 22 + 1 for c in frame.columns))
    wb.properties.title = fmt.nfc(tables[0].title) if tables else ""
    wb.properties.creator = "orgmodel"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(v):
    """A Python value openpyxl writes as a number, a date or text (never a number as text)."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, str):
        return fmt.nfc(v)
    return v


def _width(header: str, values: pd.Series) -> float:
    longest = max([len(str(v)) for v in values.head(500)] + [0])
    head = min(len(header), 22)
    return float(min(max(longest, head, 6) + 2, 60))


# ---------------------------------------------------------------- Word


@dataclass
class FigureRef:
    """A figure written into the report: its caption and the PNG to put in the annex."""

    caption: str
    png: Path
    svg: Path


def write_annex(path: Path, *, title: str, subtitle: str, sections: list[tuple[str, list]], lang: str = "vi") -> Path:
    """A Word annex (A4, margins of Decree 30/2020, Times New Roman 13 pt): a title, then
    sections of paragraphs (str), tables (:class:`Table`) and figures (:class:`FigureRef`),
    numbered "Bảng n." / "Hình n." (or "Table n." / "Figure n.")."""
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(2.0), Cm(2.0), Cm(3.0), Cm(1.5)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(13)
    _east_asian_font(normal, "Times New Roman")
    normal.paragraph_format.space_after = Pt(6)
    for name in ("Title", "Heading 1", "Heading 2", "Caption"):
        st = doc.styles[name]
        st.font.name = "Times New Roman"
        _east_asian_font(st, "Times New Roman")
    doc.core_properties.title = fmt.nfc(title)
    doc.core_properties.author = "orgmodel"
    doc.core_properties.language = "vi-VN" if lang == "vi" else "en-GB"

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(fmt.nfc(title).upper())
    run.bold, run.font.size = True, Pt(14)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(fmt.nfc(subtitle)).italic = True

    n_fig = n_tab = 0
    for heading, items in sections:
        doc.add_heading(fmt.nfc(heading), level=1)
        for item in items:
            if isinstance(item, str):
                p = doc.add_paragraph(fmt.nfc(item))
                p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                p.paragraph_format.first_line_indent = Cm(1.0)
            elif isinstance(item, Table):
                n_tab += 1
                _caption(doc, f"{'Bảng' if lang == 'vi' else 'Table'} {n_tab}. {item.title}", keep_with_next=True)
                _docx_table(doc, item)
            elif isinstance(item, FigureRef):
                n_fig += 1
                doc.add_picture(str(item.png), width=Cm(16.0))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the caption stays under its figure
                _caption(doc, f"{'Hình' if lang == 'vi' else 'Figure'} {n_fig}. {item.caption}")
    buf = io.BytesIO()
    doc.save(buf)
    return atomic_write_bytes(path, buf.getvalue())


def _east_asian_font(style, name: str) -> None:
    """Set the font for every script (Word otherwise falls back for some Vietnamese letters)."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _caption(doc, text: str, keep_with_next: bool = False) -> None:
    p = doc.add_paragraph(style="Caption")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = keep_with_next  # a table's caption stays with its table
    r = p.add_run(fmt.nfc(text))
    r.bold, r.italic, r.font.size = True, False, Pt(12)


def _docx_table(doc, table: Table, max_rows: int = 60) -> None:
    """A Word table: header row repeated on each page, numbers right-aligned and formatted in the
    table's language, 11 pt."""
    frame = table.frame.head(max_rows)
    t = doc.add_table(rows=1, cols=len(frame.columns))
    t.style = "Table Grid"
    hdr = t.rows[0]
    trpr = hdr._tr.get_or_add_trPr()
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    trpr.append(rep)
    for cell, col in zip(hdr.cells, frame.columns):
        cell.text = ""
        run = cell.paragraphs[0].add_run(fmt.nfc(col))
        run.bold, run.font.size = True, Pt(11)
    for row in frame.itertuples(index=False):
        cells = t.add_row().cells
        for cell, col, v in zip(cells, frame.columns, row):
            number = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            txt = table.text(col, v)
            cell.text = ""
            par = cell.paragraphs[0]
            par.add_run(txt).font.size = Pt(11)
            if number:
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if len(table.frame) > max_rows:
        more = len(table.frame) - max_rows
        doc.add_paragraph(fmt.nfc(f"… còn {fmt.number(more, table.lang)} dòng trong tệp Excel." if table.lang == "vi"
                                  else f"… {more} more rows in the Excel workbook."))


# ---------------------------------------------------------------- the report


def _load(registry) -> Registry:
    return registry if isinstance(registry, Registry) else load_registry(registry)


def _scenario(scenario):
    if scenario is None:
        return None
    from .scenario import Scenario, load_scenario

    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def build_report(registry, baseline, as_of, out_dir, *, scenario=None, lang: str = "vi", force: bool = False,
                 org_units=None, target: tuple[str, float] | None = ("psu", 10), frontier_steps: int | None = None,
                 log: Callable[[str], None] | None = None) -> Path:
    """Write a proposal-ready folder (figures as PNG + SVG, ``tables.xlsx``, ``annex.docx``,
    README.md) for ``registry`` between ``baseline`` and ``as_of``; with ``scenario`` (a YAML path
    or a loaded Scenario) also the solved plan, its map and frontier.

    ``org_units``: unit ids whose organisation chart to draw (default: the department that changed
    most, see :func:`pick_department`; ``[]`` for none). ``target``: the (kind, percent) reduction
    the summary and the trajectory figure check (default PSUs -10 %, Resolution 19-NQ/TW; None
    for none). Everything is computed before anything is
    written; the folder is built aside and swapped in whole (:func:`orgmodel.files.output_dir`),
    and never inside the registry or next to the scenario file. Returns the folder.
    """
    fmt.check_lang(lang)
    log = log or (lambda _m: None)
    reg = _load(registry)
    tl = Timeline(reg)
    b, d = parse_date(baseline, "baseline"), parse_date(as_of, "as-of date")
    if d < b:
        raise InputError(f"--as-of {d} is before --baseline {b}; give the later date as --as-of.")
    out = Path(out_dir)
    scn = _scenario(scenario)
    from .plan import scenario_inputs

    refuse_overlap(out, [(reg.path, "the registry")] + ([] if scn is None else scenario_inputs(scn)))
    orgs = [pick_department(tl, b, d)] if org_units is None else list(org_units)
    orgs = [u for u in orgs if u]
    for u in orgs:
        tl.check_open(u, b)
        if not tl.is_open(u, d):
            raise InputError(f"Unit {u!r} is not open on {d}; an organisation chart needs a unit open at both dates.")

    log("tables…")
    tables = [progress_table(tl, b, d, lang), reconciliation_table(tl, b, d, lang), trajectory_table(tl, b, d, lang),
              breakdown_table(tl, b, d, "sector", lang), breakdown_table(tl, b, d, "locality", lang),
              crosswalk_table(tl, b, d, lang)]
    figures: list[tuple[str, Callable]] = [
        ("01-progress", lambda: G.progress_chart(tl, b, d, lang=lang, title=False)),
        ("02-reconciliation", lambda: G.waterfall_chart(tl, b, d, lang=lang, title=False)),
        ("03-trajectory", lambda: G.trajectory_chart(tl, b, d, target_kind=target[0] if target else None,
                                                     target_pct=target[1] if target else None, lang=lang, title=False)),
        ("04-by-sector", lambda: G.breakdown_chart(tl, b, d, by="sector", lang=lang, title=False)),
        ("05-by-locality", lambda: G.breakdown_chart(tl, b, d, by="locality", lang=lang, title=False)),
    ]
    captions = {
        "01-progress": G.text("progress", lang, base=fmt.date(b, lang), date=fmt.date(d, lang)),
        "02-reconciliation": G.text("waterfall", lang, kind=fmt.KIND_TEXT[lang]["all"], base=fmt.date(b, lang), date=fmt.date(d, lang)),
        "03-trajectory": G.text("trajectory", lang, base=fmt.date(b, lang)),
        "04-by-sector": G.text("by_sector", lang, base=fmt.date(b, lang), date=fmt.date(d, lang)),
        "05-by-locality": G.text("by_locality", lang, base=fmt.date(b, lang), date=fmt.date(d, lang)),
    }
    for i, u in enumerate(orgs):
        stem = f"06-org-chart-{u}" if len(orgs) == 1 else f"06{chr(ord('a') + i)}-org-chart-{u}"
        for suffix, panels in org_chart_pages(tl, u, b, d, lang):
            figures.append((stem + suffix, lambda u=u, panels=panels: G.org_chart(tl, u, b, d, panels=panels, lang=lang, title=False)))
            captions[stem + suffix] = G.org_title(fmt.nfc(tl.units.at[u, "name"]), b, d, panels, lang)
    texts = [summary_sentence(tl, b, d, lang), reconciliation_sentence(tl, b, d, lang)]
    if target:
        texts.append(target_sentence(tl, target[0], target[1], b, d, lang))

    scenario_texts, scenario_tables, sol, front = [], [], None, None
    if scn is not None:
        from .optimise import frontier, solve_scenario

        log(f"solving scenario {scn.name}…")
        sol = solve_scenario(scn, log=log)
        log("frontier…")
        front = frontier(scn, steps=frontier_steps, log=log)
        scenario_texts = scenario_sentences(sol, lang)
        scenario_tables = [targets_table(sol, lang), plan_table(sol, lang), plan_group_table(sol, "sector", lang),
                           plan_group_table(sol, "locality", lang), frontier_table(front, scn.name, lang)]
        figures += [("07-plan-by-sector", lambda: G.plan_chart(sol, by="sector", lang=lang, title=False)),
                    ("08-plan-by-locality", lambda: G.plan_chart(sol, by="locality", lang=lang, title=False))]
        captions["07-plan-by-sector"] = G.text("plan_sector", lang, name=scn.name)
        captions["08-plan-by-locality"] = G.text("plan_locality", lang, name=scn.name)
        if len(sol.plan) and G.has_coordinates(sol):
            figures.append(("09-merge-map", lambda: G.merge_map(sol, lang=lang, title=False)))
            captions["09-merge-map"] = G.text("map", lang, name=scn.name, n=fmt.number(len(sol.plan), lang))
        if len(front):
            figures.append(("10-frontier", lambda: G.frontier_chart(front, sol, lang=lang, title=False)))
            captions["10-frontier"] = G.text("frontier", lang, name=scn.name)

    with output_dir(out, force=force) as tmp:
        refs: dict[str, FigureRef] = {}
        for stem, draw in figures:
            log(f"figure {stem}…")
            fig = draw()
            png, svg = G.save_figure(fig, tmp / "figures" / stem)
            refs[stem] = FigureRef(captions[stem], png, svg)
        atomic_write_bytes(tmp / "tables.xlsx", write_workbook(tables + scenario_tables, lang))
        sections = _sections(tl, b, d, lang, texts, tables, refs, scn, scenario_texts, scenario_tables)
        write_annex(tmp / "annex.docx", title=_annex_title(lang), subtitle=_annex_subtitle(tl, b, d, lang),
                    sections=sections, lang=lang)
        atomic_write_text(tmp / "README.md", _readme(reg, b, d, scn, sol, refs, lang))
    log(f"wrote {out}")
    return out


SHEETS["vi"].update({"plan_sector": "Phương án theo lĩnh vực", "plan_locality": "Phương án theo địa bàn"})
SHEETS["en"].update({"plan_sector": "Plan by sector", "plan_locality": "Plan by locality"})


def _annex_title(lang: str) -> str:
    return "Phụ lục" if lang == "vi" else "Annex"


def _annex_subtitle(tl: Timeline, b, d, lang: str) -> str:
    name = G.registry_title(tl.registry, lang)
    if lang == "vi":
        return f"Kết quả sắp xếp tổ chức bộ máy: {name}, từ {fmt.date(b, lang)} đến {fmt.date(d, lang)}"
    return f"Restructuring of agencies and public service units: {name}, {fmt.date(b, lang)} to {fmt.date(d, lang)}"


def _sections(tl, b, d, lang, texts, tables, refs, scn, scenario_texts, scenario_tables) -> list:
    t = {x.key: x for x in tables}
    f = refs
    vi = lang == "vi"
    sections = [
        ("1. Tóm tắt" if vi else "1. Summary", list(texts)),
        ("2. Kết quả so với mốc" if vi else "2. Against the baseline",
         [t["progress"], f["01-progress"], t["reconciliation"], f["02-reconciliation"], t["trajectory"], f["03-trajectory"]]),
        ("3. Theo lĩnh vực và địa bàn" if vi else "3. By sector and locality",
         [t["sector"], f["04-by-sector"], t["locality"], f["05-by-locality"]]),
    ]
    orgs = [r for k, r in f.items() if "-org-chart-" in k]
    if orgs:
        sections.append(("4. Sơ đồ tổ chức" if vi else "4. Organisation chart", orgs))
    note = (f"Bảng chuyển đổi đơn vị từ {fmt.date(b, lang)} sang {fmt.date(d, lang)} ({fmt.number(len(t['crosswalk'].frame), lang)} dòng) "
            f"nằm trong tệp tables.xlsx, trang “{SHEETS[lang]['crosswalk']}”." if vi else
            f"The crosswalk of units from {fmt.date(b, lang)} to {fmt.date(d, lang)} ({len(t['crosswalk'].frame)} rows) is in "
            f"tables.xlsx, sheet “{SHEETS[lang]['crosswalk']}”.")
    sections[0][1].append(note)
    if scn is not None:
        st = {x.key: x for x in scenario_tables}
        items = list(scenario_texts) + [st["targets"], st["plan_sector"]]
        items += [f[k] for k in ("07-plan-by-sector", "08-plan-by-locality", "09-merge-map", "10-frontier") if k in f]
        items.append(st["plan"])
        sections.append((f"{len(sections) + 1}. Phương án {scn.name}" if vi else f"{len(sections) + 1}. Scenario {scn.name}", items))
    return sections


def _readme(reg, b, d, scn, sol, refs: dict, lang: str) -> str:
    lines = [
        f"# Report: {reg.name}, {b.isoformat()} to {d.isoformat()}",
        "",
        "Written by `orgmodel` (`orgmodel.export.build_report`); this folder is replaced as a whole on the next run.",
        "",
        f"- registry: `{reg.path}`; baseline {b.isoformat()}, as of {d.isoformat()}; language: {lang}",
    ]
    if scn is not None:
        lines.append(f"- scenario: `{scn.path or scn.name}` — status {sol.summary['status']}, {sol.summary['merges']} merges")
    lines += ["- `annex.docx`: the Word annex (summary, tables, figures with captions)",
              "- `tables.xlsx`: every table, numbers stored as numbers", "- `figures/`: each figure as PNG (300 dpi) and SVG (editable text):", ""]
    lines += [f"  - `{k}`: {r.caption}" for k, r in refs.items()]
    return "\n".join(lines) + "\n"
