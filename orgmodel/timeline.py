"""Time travel: replay a registry's events once, then answer any date quickly.

:func:`replay` applies the events in order (date, then file order) exactly as registry-format.md
says, checking every life-of-a-unit and hierarchy rule on the way. It records, per unit, the day it
opens and closes and how, every change of managing unit as a dated interval, and every lineage
edge. :class:`Timeline` keeps those records as numpy arrays so that the state as of any date is a
few vectorised comparisons, not a new replay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
import networkx as nx
import numpy as np
import pandas as pd

from . import schema as S
from .dates import ALWAYS, NEVER, day_number, from_day_number, parse_date
from .errors import InputError

OPENING_TYPES = ("establish", "consolidate", "split", "separate")
CLOSING_TYPES = ("merge", "consolidate", "split", "dissolve")
LINEAGE_TYPES = ("merge", "consolidate", "split", "separate", "dissolve")

NOT_YET, OPEN, CLOSED = 0, 1, 2


@dataclass
class Replay:
    """What replaying the events produced (all keyed by unit position in the units table)."""

    open_day: np.ndarray
    close_day: np.ndarray
    close_type: list
    close_event: list
    parent_changes: list = field(default_factory=list)  # (unit_pos, parent_id, day, seq)
    edges: list = field(default_factory=list)  # (source, target, event_id, type, day)


# (min sources, max sources, min targets, max targets) per type; None = no maximum
_ARITY = {
    "establish": (0, 0, 1, None),
    "merge": (1, None, 1, 1),
    "consolidate": (2, None, 1, 1),
    "split": (1, 1, 2, None),
    "separate": (1, 1, 1, None),
    "dissolve": (1, None, 0, None),
    "transfer": (1, None, 0, 0),
}

_ARITY_TEXT = {
    "establish": "no sources and at least one target (the new units)",
    "merge": "at least one source and exactly one target (the unit that absorbs them)",
    "consolidate": "at least two sources and exactly one target (the new unit)",
    "split": "exactly one source and at least two targets (the new units)",
    "separate": "exactly one source and at least one target (the new units)",
    "dissolve": "at least one source (targets, if any, are the open units taking over the functions)",
    "transfer": "at least one source, no targets, and new_parent_id",
}


def _arity_ok(etype: str, ns: int, nt: int) -> bool:
    smin, smax, tmin, tmax = _ARITY[etype]
    return smin <= ns and (smax is None or ns <= smax) and tmin <= nt and (tmax is None or nt <= tmax)


def replay(units: pd.DataFrame, events: pd.DataFrame, *, start: dt.date | None = None,
           files: tuple[str, str] = ("units.csv", "events.csv"), problems: S.Problems | None = None) -> Replay:
    """Apply ``events`` to ``units``; report every broken rule into ``problems``.

    ``units`` and ``events`` are typed tables as :func:`orgmodel.schema.check_table` returns them
    (events may be a subset: rows with bad values are left out by the caller).
    """
    problems = problems if problems is not None else S.Problems()
    ufile, efile = files
    ids = units["unit_id"].tolist()
    pos = {u: i for i, u in enumerate(ids)}  # first occurrence wins for duplicated ids
    for i in range(len(ids) - 1, -1, -1):
        pos[ids[i]] = i
    kinds = units["kind"].tolist()
    parent_of = units["parent_id"].tolist()
    n = len(ids)

    ev = events.copy()
    ev["day_"] = [day_number(d) if d is not None else None for d in ev["date"]]
    ev = ev[ev["day_"].notna()].sort_values(["day_", "line"], kind="stable")

    # ---- which event opens each new unit
    opener: dict[str, tuple[str, int]] = {}
    for eid, etype, targets, line in zip(ev["event_id"], ev["type"], ev["targets"], ev["line"]):
        if etype not in OPENING_TYPES:
            continue
        for t in targets:
            if t in opener:
                problems.add(S.RANK_EVENT, efile, line, eid, "targets", t,
                             f"event {eid!r} opens {t!r}, which event {opener[t][0]!r} (line {opener[t][1]}) already opens; a unit opens only once")
            else:
                opener[t] = (eid, line)

    status = np.full(n, OPEN, dtype=np.int8)
    for u in opener:
        if u in pos:
            status[pos[u]] = NOT_YET
    open_day = np.where(status == OPEN, ALWAYS, NEVER).astype(np.int64)
    close_day = np.full(n, NEVER, dtype=np.int64)
    close_type: list = [None] * n
    close_event: list = [None] * n
    parent: dict[str, str] = {}
    children: dict[str, set] = {}
    changes: list = []
    edges: list = []
    seq = 0

    def set_parent(u: str, p: str, day: int) -> None:
        nonlocal seq
        old = parent.get(u)
        if old is not None:
            children[old].discard(u)
        if p:
            parent[u] = p
            children.setdefault(p, set()).add(u)
        else:
            parent.pop(u, None)
        changes.append((pos[u], p, day, seq))
        seq += 1

    # ---- the state at the start (set in bulk: most units never change)
    start_units = [u for u in ids if status[pos[u]] == OPEN]
    for u in start_units:
        p = parent_of[pos[u]]
        if p and p in pos and status[pos[p]] != OPEN:
            eid, line = opener.get(p, ("?", None))
            problems.add(S.RANK_HIERARCHY, ufile, units["line"].iat[pos[u]], u, "parent_id", p,
                         f"{u!r} exists from the registry's start but its parent {p!r} opens only later (event {eid!r}); "
                         f"an open unit needs an open parent — fix parent_id or open {u!r} by an event too")
        p = p if p in pos else ""
        if p:
            parent[u] = p
            children.setdefault(p, set()).add(u)
        changes.append((pos[u], p, ALWAYS, seq))
        seq += 1
    _report_start_cycles(units, start_units, parent, pos, ufile, problems)

    start_day = day_number(start) if start else None

    def is_open(u: str) -> bool:
        return u in pos and status[pos[u]] == OPEN

    def ancestors_include(u: str, target: str) -> bool:
        """True when ``target`` is ``u`` or above it in the current hierarchy."""
        seen = set()
        while u and u not in seen:
            if u == target:
                return True
            seen.add(u)
            u = parent.get(u, "")
        return False

    def err(line, eid, col, value, msg):
        problems.add(S.RANK_EVENT, efile, line, eid, col, value, msg)

    def herr(line, eid, col, value, msg):
        problems.add(S.RANK_HIERARCHY, efile, line, eid, col, value, msg)

    def open_unit(u: str, day: int, eid: str, line: int, check_parent: bool = True) -> None:
        i = pos[u]
        status[i] = OPEN
        open_day[i] = day
        p = parent_of[i]
        if check_parent and p and not is_open(p):
            herr(line, eid, "targets", u,
                 f"event {eid!r} opens {u!r} under parent {p!r}, which is not open on {from_day_number(day)}; "
                 f"open the parent first (an earlier event) or fix parent_id of {u!r}")
        set_parent(u, p, day)

    def close_unit(u: str, day: int, eid: str, etype: str) -> None:
        i = pos[u]
        status[i] = CLOSED
        close_day[i] = day
        close_type[i] = etype
        close_event[i] = eid
        set_parent(u, "", day)

    def move_children(src: str, dst: str, day: int, eid: str, line: int) -> None:
        for c in sorted(children.get(src, ())):
            if kinds[pos[c]] == "government" and kinds[pos[dst]] != "government":
                herr(line, eid, "targets", dst, f"event {eid!r}: government unit {c!r} would move under {dst!r}, which is not a government unit")
            set_parent(c, dst, day)

    for row in ev.itertuples(index=False):
        eid, etype, line, day = row.event_id, row.type, row.line, int(row.day_)
        sources, targets = tuple(row.sources), tuple(row.targets)
        when = from_day_number(day)
        if start_day is not None and day <= start_day:
            err(line, eid, "date", when.isoformat(),
                f"event {eid!r} is dated {when}, not after the registry's start ({start}); units that exist then belong in units.csv without an event")
            continue
        if not _arity_ok(etype, len(sources), len(targets)):
            err(line, eid, "type", etype, f"event {eid!r} ({etype}) has {len(sources)} source(s) and {len(targets)} target(s); {etype} needs {_ARITY_TEXT[etype]}")
            for t in targets:  # the units it meant to open exist from now on: no follow-on errors
                if opener.get(t, (None,))[0] == eid and status[pos[t]] == NOT_YET:
                    open_unit(t, day, eid, line, check_parent=False)
            continue
        if row.new_parent_id and etype != "transfer":
            err(line, eid, "new_parent_id", row.new_parent_id, f"event {eid!r} is a {etype}; new_parent_id is only for transfer — leave it empty")
        if etype == "transfer" and not row.new_parent_id:
            err(line, eid, "new_parent_id", "", f"transfer {eid!r} has no new_parent_id; give the new managing unit")
            continue
        dup = sorted({u for u in sources if sources.count(u) > 1} | {u for u in targets if targets.count(u) > 1})
        both = sorted(set(sources) & set(targets))
        if dup:
            err(line, eid, "sources", ";".join(dup), f"event {eid!r} names {', '.join(map(repr, dup))} more than once")
        if both:
            err(line, eid, "targets", ";".join(both), f"event {eid!r} names {', '.join(map(repr, both))} as both source and target")
            continue
        live_sources = []
        for s in dict.fromkeys(sources):
            if is_open(s):
                live_sources.append(s)
            else:
                st = status[pos[s]]
                why = (f"it opens only later (event {opener[s][0]!r})" if st == NOT_YET and s in opener
                       else f"it closed on {from_day_number(close_day[pos[s]])} (event {close_event[pos[s]]!r})")
                err(line, eid, "sources", s, f"event {eid!r} on {when} takes from {s!r}, which is not open then: {why}")
        new_targets = []
        if etype in OPENING_TYPES:
            for t in dict.fromkeys(targets):
                if opener.get(t, (None,))[0] == eid and status[pos[t]] == NOT_YET:
                    new_targets.append(t)
        elif etype in ("merge", "dissolve"):
            for t in targets:
                if not is_open(t):
                    err(line, eid, "targets", t, f"event {eid!r} on {when} gives to {t!r}, which is not open then; a {etype} target must be an open unit")

        if etype == "establish":
            for t in new_targets:
                open_unit(t, day, eid, line)
        elif etype in ("merge", "consolidate"):
            dst = targets[0]
            if etype == "consolidate" and dst in new_targets:
                open_unit(dst, day, eid, line)
            if not is_open(dst):
                continue
            for s in live_sources:
                if ancestors_include(dst, s):
                    if etype == "consolidate" and parent_of[pos[dst]] in live_sources:
                        up = parent.get(s, "")
                        herr(line, eid, "targets", dst, f"event {eid!r}: the new unit {dst!r} has parent_id {parent_of[pos[dst]]!r}, one of the units it consolidates; "
                             f"give {dst!r} the managing unit of the sources" + (f" (e.g. {up!r})" if up else "") + " in units.csv")
                        break
                    herr(line, eid, "targets", dst, f"event {eid!r}: {dst!r} is managed (directly or not) by {s!r}; merging {s!r} into it would make a cycle in the hierarchy")
                    continue
                move_children(s, dst, day, eid, line)
                close_unit(s, day, eid, etype)
                edges.append((s, dst, eid, etype, day))
        elif etype in ("split", "separate"):
            for t in new_targets:
                open_unit(t, day, eid, line)
            for s in live_sources:
                for t in new_targets:
                    edges.append((s, t, eid, etype, day))
                if etype == "split":
                    _close_childless(s, day, eid, etype, line, children, close_unit, herr, when)
        elif etype == "dissolve":
            for s in live_sources:
                for t in targets:
                    if is_open(t):
                        edges.append((s, t, eid, etype, day))
                _close_childless(s, day, eid, etype, line, children, close_unit, herr, when)
        elif etype == "transfer":
            p = row.new_parent_id
            if not is_open(p):
                err(line, eid, "new_parent_id", p, f"transfer {eid!r} on {when} moves units under {p!r}, which is not open then")
                continue
            for s in live_sources:
                if ancestors_include(p, s):
                    herr(line, eid, "new_parent_id", p, f"transfer {eid!r} puts {s!r} under {p!r}, which {s!r} itself manages (directly or not): a cycle in the hierarchy")
                    continue
                if kinds[pos[s]] == "government" and kinds[pos[p]] != "government":
                    herr(line, eid, "new_parent_id", p, f"transfer {eid!r} puts government unit {s!r} under {p!r}, which is not a government unit")
                    continue
                set_parent(s, p, day)

    return Replay(open_day=open_day, close_day=close_day, close_type=close_type, close_event=close_event,
                  parent_changes=changes, edges=edges)


def _close_childless(s, day, eid, etype, line, children, close_unit, herr, when):
    kids = sorted(children.get(s, ()))
    if kids:
        shown = ", ".join(map(repr, kids[:5])) + (f" and {len(kids) - 5} more" if len(kids) > 5 else "")
        herr(line, eid, "sources", s,
             f"event {eid!r} ({etype}) closes {s!r} on {when} while it still manages {shown}; "
             f"transfer or close them first (an earlier event, on that date or before)")
    close_unit(s, day, eid, etype)


def _report_start_cycles(units, start_units, parent, pos, ufile, problems) -> None:
    """Report every cycle in the start hierarchy once (walk up from each unit, remembering where
    earlier walks ended: linear in the number of units)."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = known to reach a root
    for u0 in start_units:
        path, u = [], u0
        while u and state.get(u) is None:
            state[u] = 1
            path.append(u)
            u = parent.get(u, "")
        if u and state.get(u) == 1:  # the walk came back to itself: a cycle
            cycle = path[path.index(u):]
            first = min(cycle)
            problems.add(S.RANK_HIERARCHY, ufile, units["line"].iat[pos[first]], first, "parent_id", parent[first],
                         f"cycle in the management hierarchy: {' -> '.join(cycle + [cycle[0]])}; one of these parent_id values is wrong")
        for v in path:
            state[v] = 2


# ====================================================================== the Timeline


class Timeline:
    """The registry replayed once; states as of any date come from vectorised look-ups.

    >>> tl = Timeline(load_registry("data/quang-ninh"))
    >>> tl.units_as_of("2021-12-31")          # open units, parent_id as of that date
    >>> tl.count("psu", "2021-12-31")
    >>> tl.graph_as_of("2021-12-31")          # nx.DiGraph parent -> child
    """

    def __init__(self, registry, replayed: Replay | None = None):
        self.registry = registry
        units = registry.units
        rep = replayed or registry_replay(registry)
        order = np.argsort(units["unit_id"].to_numpy(dtype=object), kind="stable")
        self.units = units.iloc[order].set_index("unit_id", drop=False).rename_axis(None)
        self.units.index.name = "unit_id"
        self.unit_ids = self.units.index.to_numpy(dtype=object)
        self._pos = dict(zip(self.unit_ids, range(len(order))))
        self.open_day = rep.open_day[order]
        self.close_day = rep.close_day[order]
        ct = np.asarray(rep.close_type, dtype=object)[order]
        ce = np.asarray(rep.close_event, dtype=object)[order]
        self.kind = self.units["kind"].to_numpy(dtype=object)
        self.life = pd.DataFrame({
            "unit_id": self.unit_ids,
            "kind": self.kind,
            "open_day": self.open_day,
            "close_day": self.close_day,
            "close_type": ct,
            "close_event": ce,
        }).set_index("unit_id")
        self._parents = self._parent_intervals(rep.parent_changes, order)
        self.edges = pd.DataFrame(rep.edges, columns=["source", "target", "event_id", "type", "day"])
        self.edges["date"] = [from_day_number(d) for d in self.edges["day"]]
        days = registry.events["date"].dropna()
        self.first_event = min(days) if len(days) else None
        self.last_event = max(days) if len(days) else None

    def _parent_intervals(self, changes, order) -> pd.DataFrame:
        inv = np.empty_like(order)
        inv[order] = np.arange(len(order))
        ch = pd.DataFrame(changes, columns=["pos", "parent", "start", "seq"])
        ch["pos"] = inv[ch["pos"].to_numpy()]
        ch = ch.sort_values(["pos", "seq"], kind="stable")
        pos = ch["pos"].to_numpy(np.int64)
        start = ch["start"].to_numpy(np.int64)
        parent = ch["parent"].to_numpy(dtype=object)
        end = np.full(len(ch), NEVER, dtype=np.int64)
        same = pos[1:] == pos[:-1]
        end[:-1][same] = start[1:][same]
        keep = (end > start) & (parent != "")
        return pd.DataFrame({"pos": pos[keep], "parent": parent[keep], "start": start[keep], "end": end[keep]})

    @cached_property
    def closing_targets(self) -> dict[str, list[tuple[str, str]]]:
        """For each unit that closed with successors: [(target, event_id)] of the event that closed
        it (merge, consolidate, split, or dissolve with targets). Built once, on first use."""
        e = self.edges[self.edges["type"] != "separate"]
        closing = self.life["close_event"].reindex(e["source"]).to_numpy()
        e = e[e["event_id"].to_numpy() == closing]
        out: dict[str, list] = {}
        for s, t, eid in zip(e["source"], e["target"], e["event_id"]):
            out.setdefault(s, []).append((t, eid))
        return out

    # ---------------------------------------------------------------- look-ups

    def day(self, date) -> int:
        """Day number of a date given by a user; refuses dates before the registry's start."""
        d = parse_date(date)
        start = self.registry.start
        if start is not None and d < start:
            raise InputError(f"Date {d} is before the start of registry {self.registry.name} ({start}, in registry.yaml): "
                             f"the registry says nothing about earlier dates. Use {start} or later.")
        return day_number(d)

    def open_mask(self, date) -> np.ndarray:
        day = self.day(date)
        return (self.open_day <= day) & (self.close_day > day)

    def is_open(self, unit_id: str, date) -> bool:
        i = self.position(unit_id)
        day = self.day(date)
        return bool(self.open_day[i] <= day < self.close_day[i])

    def position(self, unit_id: str) -> int:
        try:
            return self._pos[unit_id]
        except KeyError:
            raise InputError(f"Unknown unit {unit_id!r}: it is not in units.csv of {self.registry.path}.") from None

    def _parent_array(self, day: int) -> np.ndarray:
        """Managing unit of every unit (by position) at ``day``; "" for none."""
        p = self._parents
        m = (p["start"].to_numpy() <= day) & (p["end"].to_numpy() > day)
        out = np.full(len(self.unit_ids), "", dtype=object)
        out[p["pos"].to_numpy()[m]] = p["parent"].to_numpy()[m]
        return out

    def parents_as_of(self, date) -> pd.Series:
        """The managing unit of every unit open (and managed) at ``date``, indexed by unit_id."""
        day = self.day(date)
        arr = self._parent_array(day)
        keep = arr != ""
        return pd.Series(arr[keep], index=self.unit_ids[keep], name="parent_id")

    def units_as_of(self, date) -> pd.DataFrame:
        """Units open at ``date`` (all units.csv columns), sorted by unit_id, with ``parent_id`` as
        of that date."""
        day = self.day(date)
        rows = np.flatnonzero((self.open_day <= day) & (self.close_day > day))
        out = self.units.iloc[rows].copy()
        out["parent_id"] = self._parent_array(day)[rows]
        return out

    def count(self, kind: str, date, where: dict | None = None) -> int:
        """Open units of ``kind`` (agency, psu, government, or all = agency + psu) at ``date``."""
        kinds = _kinds(kind)
        if not where:
            return int((self.open_mask(date) & np.isin(self.kind, kinds)).sum())
        table = self.units_as_of(date)
        return int(match(table[table["kind"].isin(kinds)], where).sum())

    def counts(self, date) -> dict[str, int]:
        mask = self.open_mask(date)
        out = {k: int((mask & (self.kind == k)).sum()) for k in S.COUNTED_KINDS}
        out["all"] = out["agency"] + out["psu"]
        return out

    def graph_as_of(self, date) -> nx.DiGraph:
        """The management hierarchy at ``date``: parent -> child, unit attributes on the nodes."""
        table = self.units_as_of(date)
        g = nx.DiGraph(as_of=parse_date(date).isoformat(), registry=self.registry.name)
        attrs = table.drop(columns=["line"], errors="ignore")
        g.add_nodes_from((u, {k: _plain(v) for k, v in row.items() if k != "unit_id"}) for u, row in zip(attrs.index, attrs.to_dict("records")))
        g.add_edges_from((p, u) for u, p in zip(table.index, table["parent_id"]) if p)
        return g

    def life_table(self) -> pd.DataFrame:
        """One row per unit: kind, open_date, close_date (None = still open), how it closed."""
        out = self.life.copy()
        out["open_date"] = [None if d == ALWAYS else from_day_number(d) for d in out["open_day"]]
        out["close_date"] = [None if d == NEVER else from_day_number(d) for d in out["close_day"]]
        return out.drop(columns=["open_day", "close_day"])

    def check_open(self, unit_id: str, date) -> None:
        """Raise a clear error when ``unit_id`` is unknown or not open at ``date``."""
        i = self.position(unit_id)
        day = self.day(date)
        if self.open_day[i] > day:
            raise InputError(f"Unit {unit_id!r} is not yet open on {parse_date(date)}: it opens on {from_day_number(self.open_day[i])}.")


def _plain(v):
    if v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def _kinds(kind: str) -> list[str]:
    if kind == "all":
        return list(S.COUNTED_KINDS)
    if kind not in S.KINDS:
        raise InputError(f"Unknown kind {kind!r}; use agency, psu or all.")
    return [kind]


def text_values(series: pd.Series) -> pd.Series:
    """A column as text for matching filter values; an empty cell is missing and matches nothing."""
    s = series.astype("string")
    return s.where(s != "", pd.NA)


def match(table: pd.DataFrame, where: dict | None) -> np.ndarray:
    """Mask of the rows of ``table`` whose columns match every entry of ``where`` (a list value
    matches any of its items). The one filter behind ``count(where=…)``, scenario ``scope`` and
    target ``where``."""
    mask = np.ones(len(table), dtype=bool)
    for col, want in (where or {}).items():
        if col not in table.columns:
            raise InputError(f"Unknown column {col!r} in a 'where' filter; columns are: {', '.join(c for c in table.columns if c != 'line')}.")
        values = [str(v) for v in (want if isinstance(want, (list, tuple, set)) else [want])]
        mask &= text_values(table[col]).isin(values).fillna(False).to_numpy(dtype=bool)
    return mask


def registry_replay(registry) -> Replay:
    """Replay a loaded (valid) registry's events."""
    cached = getattr(registry, "_replay_cache", None)
    if cached is not None:
        return cached
    return replay(registry.units, registry.events, start=registry.start, files=registry.files)


def timeline(registry_or_path) -> Timeline:
    """Build the timeline of a registry (or of the registry folder at a path)."""
    from .registry import Registry, load_registry

    reg = registry_or_path if isinstance(registry_or_path, Registry) else load_registry(registry_or_path)
    return Timeline(reg)
