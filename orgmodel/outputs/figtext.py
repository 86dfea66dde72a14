"""What the figures say and how big they are, worked out without matplotlib: their texts
(:data:`TEXT`, :func:`text`), print sizes, how a registry is named, and the organisation chart's
layout (:func:`org_geometry`). The report reads these to plan its figures, captions and pages, so
a report whose figures all come from the cache never imports matplotlib;
:mod:`orgmodel.outputs.figures` draws with them (and re-exports them under its own name).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import networkx as nx

from .. import fmt
from ..dates import parse_date
from ..errors import InputError
from ..i18n import N_
from ..i18n import gettext as _
from .data import plan_units

CM = 1 / 2.54
WIDTHS_CM = {"full": 16.0, "column": 8.0}
DPI = 300
BASE_PT = 9.0
SMALL_PT = 8.0  # the smallest text on any figure: legible when pasted at column width


TEXT = {
    "source": N_("Source"),
    "units": N_("Number of units"),
    "change_pct": N_("Change against {base} (%)"),
    "change_pct_short": N_("Against {base} (%)"),
    "target": N_("Target: {kind} down {pct}"),
    "met": N_("met in {year}"),
    "not_zero": N_("axis does not start at 0"),
    "progress": N_("Counted units on {base} and {date}, by kind"),
    "waterfall": N_("Reconciliation of {kind}: {base} to {date}"),
    "trajectory": N_("Counted units against {base}, by year"),
    "by_sector": N_("Counted units by sector: {base} and {date}"),
    "by_locality": N_("Counted units by locality: {base} and {date}"),
    "by_level": N_("Counted units by level: {base} and {date}"),
    "by_other": N_("Counted units by {by}: {base} and {date}"),
    "registry_source": N_("restructuring register of {registry}, computed with orgmodel"),
    "org": N_("Organisation chart of {name}: {before} and {after}"),
    "org_one": N_("Organisation chart of {name} on {date}"),
    "org_closed": N_("No longer exists on {date}"),
    "org_new": N_("New after {date}"),
    "org_below": N_("(+n): units under it"),
    "plan_sector": N_("{name}: units before and after the plan, by sector"),
    "plan_locality": N_("{name}: units before and after the plan, by locality"),
    "plan_other": N_("{name}: units before and after the plan, by {by}"),
    "before_plan": N_("Now ({date})"),
    "after_plan": N_("After the plan"),
    "scenario_source": N_("{name} (computed with orgmodel), data of {registry} as of {date}"),
    "map": N_("{name}: {n} units merged into others"),
    "map_other": N_("Unchanged unit"),
    "map_into": N_("Absorbing unit"),
    "map_moved": N_("Merged unit"),
    "frontier": N_("Least disruption for each reduction: {name}"),
    "frontier_x": N_("Units cut against {base}"),
    "frontier_y": N_("Minimum disruption (cost points)"),
    "frontier_pct": N_("Reduction (%)"),
    "frontier_target": N_("Target: {n} fewer ({pct})"),
    "frontier_chosen": N_("Solved plan"),
    "frontier_max": N_("Largest reduction the rules allow: {n}"),
    "no_coordinates": N_("Cannot draw the map: the units in the plan have no coordinates (lat, lon)."),
    "no_merges": N_("Cannot draw the map: the plan merges no unit."),
}


def text(key: str, lang: str | None = None, **values) -> str:
    """A figure text in ``lang`` (None: the language in force) with ``values`` filled in, NFC."""
    return fmt.nfc(_(TEXT[key], fmt.check_lang(lang), **values))


def width_cm(width: str | float) -> float:
    """A width name (``full`` 16 cm, ``column`` 8 cm) or a number of centimetres."""
    if isinstance(width, str):
        try:
            return WIDTHS_CM[width]
        except KeyError:
            raise ValueError(f"width must be 'full', 'column' or a number of cm, not {width!r}") from None
    return float(width)


#: How a place is named: "tỉnh Quảng Ninh" in Vietnamese, "Quảng Ninh province" in English.
PLACE_PREFIXES = (("tỉnh ", N_("{name} province")), ("thành phố ", N_("{name} city")), ("huyện ", N_("{name} district")))


def registry_title(registry, lang: str | None = None) -> str:
    """How a text names a registry: ``title`` from registry.yaml; else the name of its single
    root government without the "UBND" prefix (``tỉnh Quảng Ninh``; in English ``Quảng Ninh
    province``); else the registry's name."""
    meta = getattr(registry, "meta", None) or {}
    if meta.get("title"):
        return fmt.nfc(meta["title"])
    units = getattr(registry, "units", None)
    if units is not None and len(units):
        roots = units[(units["kind"] == "government") & (units["parent_id"].fillna("").astype(str) == "")]
        if len(roots) == 1:
            name = fmt.nfc(roots["name"].iloc[0])
            for prefix in ("UBND ", "Ủy ban nhân dân ", "Uỷ ban nhân dân "):
                if name.startswith(prefix):
                    name = name[len(prefix):]
            for prefix, msg in PLACE_PREFIXES:
                if name.startswith(prefix):
                    return fmt.nfc(_(msg, fmt.check_lang(lang), name=name[len(prefix):]))
            return name
    return fmt.nfc(getattr(registry, "name", ""))


def registry_source(tl, lang: str) -> str:
    """The default source line of a registry figure (it says so when the data are synthetic,
    i.e. registry.yaml names a ``generator``)."""
    meta = getattr(tl.registry, "meta", None) or {}
    name = registry_title(tl.registry, lang)
    if meta.get("generator"):
        name = _("{name} (synthetic data)", fmt.check_lang(lang), name=name)
    return text("registry_source", lang, registry=name)


@dataclass
class OrgNode:
    """A box of the organisation chart: position in slot/row units and how to draw it."""

    unit_id: str
    name: str
    kind: str
    x: float = 0.0
    y: float = 0.0
    stacked: bool = False  # drawn in a vertical list under its parent
    status: str = ""  # "closed" (gone by the later date), "new" (opened since the earlier date) or ""
    below: int = 0  # units under it that are not drawn (the chart's depth stops here)
    children: list = field(default_factory=list)


def org_tree(graph, root: str, depth: int = 1, max_children: int = 80) -> OrgNode:
    """The subtree under ``root`` of a management graph (``tl.graph_as_of``), ``depth`` levels
    deep, children sorted agencies first, then PSUs, then by name; a unit at the last level keeps
    the number of units under it (``below``). At most ``max_children`` per unit are kept; the rest
    become one "+n" box."""
    def build(u: str, level: int) -> OrgNode:
        a = graph.nodes[u]
        node = OrgNode(u, fmt.nfc(a.get("name", u)), a.get("kind", ""))
        kids = sorted(graph.successors(u), key=lambda c: (_KIND_RANK.get(graph.nodes[c].get("kind"), 9),
                                                          fmt.nfc(graph.nodes[c].get("name", c)), c))
        if level >= depth:
            node.below = len(nx.descendants(graph, u))
            return node
        node.children = [build(c, level + 1) for c in kids[:max_children]]
        if len(kids) > max_children:
            node.children.append(OrgNode(f"{u}:more", f"+{len(kids) - max_children}", "more"))
        return node

    if root not in graph:
        when = graph.graph.get("as_of")
        raise InputError(_("Unit {unit} is not open on {date}; pick a unit open at both dates.", unit=repr(root),
                           date=fmt.date(when) if when else _("that date")))
    return build(root, 0)


_KIND_RANK = {"government": 0, "agency": 1, "psu": 2}


def layout_tree(root: OrgNode, max_rows: int) -> int:
    """Top-down tidy layout, computed in place: leaves take consecutive slots, a parent sits
    centred over its children; leaf children of one kind are stacked in columns of at most
    ``max_rows`` boxes (the usual org-chart list), one slot per column. Returns the slot count."""
    def place(node: OrgNode, x0: float, row: float) -> float:
        node.y = row
        if not node.children:
            node.x = x0
            return x0 + 1
        x = x0
        groups: list[list[OrgNode]] = []
        for c in node.children:
            if c.children:
                groups.append([c])
            elif groups and len(groups[-1]) and not groups[-1][0].children and groups[-1][0].kind == c.kind:
                groups[-1].append(c)
            else:
                groups.append([c])
        centres = []
        for grp in groups:
            if grp[0].children:
                x = place(grp[0], x, row + 1)
                centres.append(grp[0].x)
                continue
            stack = len(grp) > 1
            n_cols = -(-len(grp) // max_rows)
            per_col = -(-len(grp) // n_cols)  # balanced columns: 7 boxes in 2 columns are 4 + 3
            for i in range(0, len(grp), per_col):
                col = grp[i:i + per_col]
                for j, c in enumerate(col):
                    c.x, c.y, c.stacked = x, row + 1 + j, stack
                centres.append(x)
                x += 1
        node.x = (centres[0] + centres[-1]) / 2
        return x

    return int(place(root, 0.0, 0.0))


def _tree_rows(node: OrgNode) -> float:
    return max([node.y] + [_tree_rows(c) for c in node.children])


def _walk(node: OrgNode):
    yield node
    for c in node.children:
        yield from _walk(c)


ORG_PANELS = ("before", "after")


def org_geometry(tl, unit_id: str, before, after, *, depth: int = 1, panels=ORG_PANELS, width: str | float = "full",
                 title: bool = True, max_rows: int | None = None) -> dict:
    """The layout of an organisation chart, worked out without drawing it: the marked trees, the
    slots and rows, box sizes and the figure's height in cm (``height_cm``)."""
    b, d = parse_date(before), parse_date(after)
    panels = tuple(panels)
    if not panels or not set(panels) <= set(ORG_PANELS):
        raise ValueError(f"panels must name 'before' and/or 'after', not {panels!r}")
    trees = [_marked_tree(tl, unit_id, depth, p, b, d) for p in panels]
    w_cm = width_cm(width)
    max_slots = max(int((w_cm - 0.6) // 2.1), 2)
    rows_cap = max_rows or _choose_rows(trees, max_slots)
    slots = [layout_tree(t, rows_cap) for t in trees]
    heights = [_tree_rows(t) + 1 for t in trees]
    n_slots = max(slots)
    slot_cm = (w_cm - 0.6) / n_slots
    chars = max(int((slot_cm * 0.9 - 0.12) / (0.53 * SMALL_PT * 2.54 / 72)), 8)
    lines = max(_max_lines(t, chars) for t in trees)
    box_h = 0.18 + lines * SMALL_PT * 1.2 * 2.54 / 72  # cm
    row_cm = box_h + 0.2
    panel_cm = [h * row_cm + 0.6 for h in heights]
    return {"trees": trees, "panels": panels, "heights": heights, "n_slots": n_slots, "chars": chars, "box_h": box_h,
            "row_cm": row_cm, "panel_cm": panel_cm, "height_cm": sum(panel_cm) + 2.3 + (0.5 if title else 0)}


def org_title(name: str, before, after, panels=ORG_PANELS, lang: str | None = None) -> str:
    """The title (or caption) of an organisation chart with these panels."""
    if len(panels) == 1:
        return text("org_one", lang, name=name, date=fmt.date(before if panels[0] == "before" else after, lang))
    return text("org", lang, name=name, before=fmt.date(before, lang), after=fmt.date(after, lang))


def _marked_tree(tl, unit_id: str, depth: int, panel: str, b, d) -> OrgNode:
    """The tree at the panel's date, with units gone by the later date ("closed", on the earlier
    chart) or opened since the earlier date ("new", on the later chart) marked."""
    when, other = (b, d) if panel == "before" else (d, b)
    tree = org_tree(tl.graph_as_of(when), unit_id, depth)
    for node in _walk(tree):
        if node.unit_id in tl.units.index and not tl.is_open(node.unit_id, other):
            node.status = "closed" if panel == "before" else "new"
    return tree


def _choose_rows(trees: list[OrgNode], max_slots: int) -> int:
    """The fewest boxes per column that fit every tree in ``max_slots`` columns (at least 4)."""
    for rows in range(4, 61):
        if all(layout_tree(t, rows) <= max_slots for t in trees):
            return rows
    return 60


NAME_LINES = 3  # a box shows at most 3 lines of a name (cut with "…"), then its "+n below" line


def _box_lines(node: OrgNode, chars: int, lang: str | None = None) -> list[str]:
    """The lines of a box, at most :data:`NAME_LINES`: the name wrapped to ``chars`` (cut with
    "…" when too long), then "(+n)" when the units it manages are not drawn — on the last line
    if it fits there."""
    count = f"(+{fmt.number(node.below, lang)})" if node.below else ""
    lines = textwrap.wrap(node.name, chars) or [""]
    room = NAME_LINES
    if count and len(lines) >= NAME_LINES and len(lines[NAME_LINES - 1]) + 1 + len(count) > chars:
        room = NAME_LINES - 1  # the count needs a line of its own
    if len(lines) > room:
        lines = lines[:room]
        lines[-1] = lines[-1][: max(chars - 1, 1)].rstrip() + "…"
    if count:
        if len(lines[-1]) + 1 + len(count) <= chars:
            lines[-1] += " " + count
        else:
            lines.append(count)
    return lines


def _max_lines(tree: OrgNode, chars: int) -> int:
    return max(len(_box_lines(n, chars)) for n in _walk(tree))


def has_coordinates(sol) -> bool:
    """True when every unit in the plan has lat/lon (the merge map can be drawn)."""
    units = plan_units(sol)
    moved = units[units["absorbed"] | units.index.isin(units["into_id"])]
    if "lat" not in units.columns or "lon" not in units.columns or not len(moved):
        return False
    return bool(moved[["lat", "lon"]].notna().all().all())
