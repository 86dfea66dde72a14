"""The life of a unit, event by event (registry-format.md "Life of a unit", version 1.1).

:func:`replay` applies the events in order (date, then file order), checking every life-of-a-unit
and hierarchy rule on the way, and records per unit the day it opens and closes and how, every
change of managing unit and of attribute (``reclassify``) as a dated change, and every lineage edge.

Each event type is one small rule function (``establish``, ``merge``, ``consolidate``, ``split``,
``separate``, ``dissolve``, ``transfer``, ``reclassify``) over a :class:`State`; :func:`replay`
does the checks every event shares (date, arity, sources open, targets new or open) and then calls
the rule of the event's type (:data:`RULES`). Reading and validating a registry uses this module;
the :class:`~orgmodel.timeline.Timeline` turns its records into vectorised look-ups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import fmt as F
from . import schema as S
from .dates import ALWAYS, NEVER, day_number, from_day_number
from .i18n import N_, _
from .vocab import CODE_DIGITS, OPENING_TYPES, RECLASSIFY_COLUMNS

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
    attr_changes: list = field(default_factory=list)  # (unit_pos, column, value, day, seq, event line)


# (min sources, max sources, min targets, max targets) per type; None = no maximum
ARITY = {
    "establish": (0, 0, 1, None),
    "merge": (1, None, 1, 1),
    "consolidate": (2, None, 1, 1),
    "split": (1, 1, 2, None),
    "separate": (1, 1, 1, None),
    "dissolve": (1, None, 0, None),
    "transfer": (1, None, 0, 0),
    "reclassify": (1, None, 0, 0),
}

ARITY_TEXT = {
    "establish": N_("no sources and at least one target (the new units)"),
    "merge": N_("at least one source and exactly one target (the unit that absorbs them)"),
    "consolidate": N_("at least two sources and exactly one target (the new unit)"),
    "split": N_("exactly one source and at least two targets (the new units)"),
    "separate": N_("exactly one source and at least one target (the new units)"),
    "dissolve": N_("at least one source (targets, if any, are the open units taking over the functions)"),
    "transfer": N_("at least one source, no targets, and new_parent_id"),
    "reclassify": N_("at least one source, no targets, and changes"),
}

# split shares (registry-format 1.1): the parts' population / area must add up to the source's,
# within the rounding of each part: half a person, or 0.005 km2 (areas to 2 decimals), per part
SHARE_COLUMNS = {"population": 0.5, "area_km2": 0.005}


def arity_ok(etype: str, ns: int, nt: int) -> bool:
    smin, smax, tmin, tmax = ARITY[etype]
    return smin <= ns and (smax is None or ns <= smax) and tmin <= nt and (tmax is None or nt <= tmax)


# ====================================================================== the state being replayed


class State:
    """The registry while its events are applied: who is open, who manages whom, what changed."""

    def __init__(self, units: pd.DataFrame, opener: dict, files, problems: S.Problems):
        self.units = units
        self.ufile, self.efile = files
        self.problems = problems
        ids = units["unit_id"].tolist()
        self.pos = {u: i for i, u in enumerate(ids)}
        for i in range(len(ids) - 1, -1, -1):  # first occurrence wins for duplicated ids
            self.pos[ids[i]] = i
        self.ids = ids
        self.kinds = units["kind"].tolist()
        self.parent_of = units["parent_id"].tolist()
        self.opener = opener
        n = len(ids)
        status = np.full(n, OPEN, dtype=np.int8)
        for u in opener:
            if u in self.pos:
                status[self.pos[u]] = NOT_YET
        self.open_day = np.where(status == OPEN, ALWAYS, NEVER).astype(np.int64)
        self.status = bytearray(status.tobytes())  # scalar look-ups in the loop: faster than numpy
        self.close_day = np.full(n, NEVER, dtype=np.int64)
        self.close_type: list = [None] * n
        self.close_event: list = [None] * n
        self.parent: dict[str, str] = {}
        self.children: dict[str, set] = {}
        self.changes: list = []
        self.edges: list = []
        self.attr_changes: list = []
        self.attrs: dict[int, dict[str, str]] = {}  # values changed by reclassify so far
        self.seq = 0

    # ---------------------------------------------------------------- reporting
    def err(self, ev, col, value, msg) -> None:
        self.problems.add(S.RANK_EVENT, self.efile, ev.line, ev.event_id, col, value, msg)

    def herr(self, ev, col, value, msg) -> None:
        self.problems.add(S.RANK_HIERARCHY, self.efile, ev.line, ev.event_id, col, value, msg)

    # ---------------------------------------------------------------- queries
    def is_open(self, u: str) -> bool:
        i = self.pos.get(u)
        return i is not None and self.status[i] == OPEN

    def ancestors_include(self, u: str, target: str) -> bool:
        """True when ``target`` is ``u`` or above it in the current hierarchy (an iterative walk)."""
        seen = set()
        while u and u not in seen:
            if u == target:
                return True
            seen.add(u)
            u = self.parent.get(u, "")
        return False

    def attr(self, u: str, column: str):
        """The value of ``column`` for ``u`` in force now (a reclassify may have changed it)."""
        i = self.pos[u]
        changed = self.attrs.get(i)
        if changed and column in changed:
            return changed[column]
        return self.units[column].iat[i] if column in self.units else None

    # ---------------------------------------------------------------- changes
    def set_parent(self, u: str, p: str, day: int) -> None:
        parent, children = self.parent, self.children
        old = parent.get(u)
        if old is not None:
            children[old].discard(u)
        if p:
            parent[u] = p
            kids = children.get(p)
            if kids is None:
                children[p] = {u}
            else:
                kids.add(u)
        elif old is not None:
            del parent[u]
        self.changes.append((self.pos[u], p, day, self.seq))
        self.seq += 1

    def open_unit(self, u: str, day: int, ev, check_parent: bool = True) -> None:
        i = self.pos[u]
        self.status[i] = OPEN
        self.open_day[i] = day
        p = self.parent_of[i]
        if check_parent and p and not self.is_open(p):
            self.herr(ev, "targets", u,
                      _("event {event} opens {unit} under parent {parent}, which is not open on {date}; open the parent "
                        "first (an earlier event) or fix parent_id of {unit}", event=repr(ev.event_id), unit=repr(u),
                        parent=repr(p), date=F.date(from_day_number(day))))
        self.set_parent(u, p, day)

    def close_unit(self, u: str, day: int, ev) -> None:
        i = self.pos[u]
        self.status[i] = CLOSED
        self.close_day[i] = day
        self.close_type[i] = ev.type
        self.close_event[i] = ev.event_id
        self.set_parent(u, "", day)

    def close_childless(self, s: str, day: int, ev) -> None:
        """Close ``s`` (split, dissolve): its children must have been moved or closed already."""
        kids = sorted(self.children.get(s, ()))
        if kids:
            shown = ", ".join(map(repr, kids[:5])) + (" " + _("and {n} more", n=len(kids) - 5) if len(kids) > 5 else "")
            self.herr(ev, "sources", s,
                      _("event {event} ({type}) closes {unit} on {date} while it still manages {shown}; transfer or close "
                        "them first (an earlier event, on that date or before)", event=repr(ev.event_id), type=ev.type,
                        unit=repr(s), date=F.date(from_day_number(day)), shown=shown))
        self.close_unit(s, day, ev)

    def move_children(self, src: str, dst: str, day: int, ev) -> None:
        for c in sorted(self.children.get(src, ())):
            if self.kinds[self.pos[c]] == "government" and self.kinds[self.pos[dst]] != "government":
                self.herr(ev, "targets", dst, _("event {event}: government unit {unit} would move under {parent}, which is not "
                                                 "a government unit", event=repr(ev.event_id), unit=repr(c), parent=repr(dst)))
            self.set_parent(c, dst, day)

    def replay(self) -> Replay:
        return Replay(open_day=self.open_day, close_day=self.close_day, close_type=self.close_type,
                      close_event=self.close_event, parent_changes=self.changes, edges=self.edges,
                      attr_changes=self.attr_changes)


class Event(NamedTuple):
    """One event as the rules see it (ids in file order)."""

    event_id: str
    type: str
    line: int
    day: int
    sources: tuple
    targets: tuple
    new_parent_id: str
    changes: tuple  # ((column, value), ...) for reclassify

    @property
    def date(self) -> dt.date:
        return from_day_number(self.day)


# ====================================================================== one rule per event type


def establish(st: State, ev: Event, live: list, new: list) -> None:
    for t in new:
        st.open_unit(t, ev.day, ev)


def _absorb(st: State, ev: Event, live: list, dst: str) -> None:
    """The sources close into ``dst``, their open children moving with them (merge, consolidate)."""
    for s in live:
        if st.ancestors_include(dst, s):
            if ev.type == "consolidate" and st.parent_of[st.pos[dst]] in live:
                up = st.parent.get(s, "")
                eg = " " + _("(e.g. {unit})", unit=repr(up)) if up else ""
                st.herr(ev, "targets", dst, _("event {event}: the new unit {unit} has parent_id {parent}, one of the units it "
                                              "consolidates; give {unit} the managing unit of the sources{eg} in units.csv",
                                              event=repr(ev.event_id), unit=repr(dst), parent=repr(st.parent_of[st.pos[dst]]), eg=eg))
                return
            st.herr(ev, "targets", dst, _("event {event}: {unit} is managed (directly or not) by {source}; merging {source} "
                                          "into it would make a cycle in the hierarchy", event=repr(ev.event_id), unit=repr(dst),
                                          source=repr(s)))
            continue
        st.move_children(s, dst, ev.day, ev)
        st.close_unit(s, ev.day, ev)
        st.edges.append((s, dst, ev.event_id, ev.type, ev.day))


def merge(st: State, ev: Event, live: list, new: list) -> None:
    if st.is_open(ev.targets[0]):
        _absorb(st, ev, live, ev.targets[0])


def consolidate(st: State, ev: Event, live: list, new: list) -> None:
    dst = ev.targets[0]
    if dst in new:
        st.open_unit(dst, ev.day, ev)
    if st.is_open(dst):
        _absorb(st, ev, live, dst)


def separate(st: State, ev: Event, live: list, new: list) -> None:
    for t in new:
        st.open_unit(t, ev.day, ev)
    for s in live:
        for t in new:
            st.edges.append((s, t, ev.event_id, ev.type, ev.day))


def split(st: State, ev: Event, live: list, new: list) -> None:
    separate(st, ev, live, new)
    for s in live:
        _check_shares(st, ev, s, new)
        st.close_childless(s, ev.day, ev)


def dissolve(st: State, ev: Event, live: list, new: list) -> None:
    for s in live:
        for t in ev.targets:
            if st.is_open(t):
                st.edges.append((s, t, ev.event_id, ev.type, ev.day))
        st.close_childless(s, ev.day, ev)


def transfer(st: State, ev: Event, live: list, new: list) -> None:
    p = ev.new_parent_id
    if not st.is_open(p):
        st.err(ev, "new_parent_id", p, _("transfer {event} on {date} moves units under {parent}, which is not open then",
                                          event=repr(ev.event_id), date=F.date(ev.date), parent=repr(p)))
        return
    for s in live:
        if st.ancestors_include(p, s):
            st.herr(ev, "new_parent_id", p, _("transfer {event} puts {unit} under {parent}, which {unit} itself manages "
                                               "(directly or not): a cycle in the hierarchy", event=repr(ev.event_id),
                                               unit=repr(s), parent=repr(p)))
            continue
        if st.kinds[st.pos[s]] == "government" and st.kinds[st.pos[p]] != "government":
            st.herr(ev, "new_parent_id", p, _("transfer {event} puts government unit {unit} under {parent}, which is not a "
                                               "government unit", event=repr(ev.event_id), unit=repr(s), parent=repr(p)))
            continue
        st.set_parent(s, p, ev.day)


def reclassify(st: State, ev: Event, live: list, new: list) -> None:
    """The sources carry on, same id, with the attribute values of ``changes`` from this date."""
    for s in live:
        i = st.pos[s]
        pending = dict(ev.changes)
        level = pending.get("level", st.attr(s, "level"))
        if "code" in pending and st.kinds[i] == "government" and pending["code"]:
            _check_code_digits(st, ev, s, level, pending["code"])
        for col, value in ev.changes:
            st.attrs.setdefault(i, {})[col] = value
            st.attr_changes.append((i, col, value, ev.day, st.seq, ev.line))
            st.seq += 1


RULES = {
    "establish": establish,
    "merge": merge,
    "consolidate": consolidate,
    "split": split,
    "separate": separate,
    "dissolve": dissolve,
    "transfer": transfer,
    "reclassify": reclassify,
}


def _check_shares(st: State, ev: Event, source: str, parts: list) -> None:
    """Where a split's parts carry population / area_km2, they are the shares of the source's:
    they must add up to it within rounding (:data:`SHARE_COLUMNS`)."""
    if not parts:
        return
    for col, per_part in SHARE_COLUMNS.items():
        if col not in st.units:
            continue
        values = [st.units[col].iat[st.pos[t]] for t in parts]
        given = [not pd.isna(v) for v in values]
        if not any(given):
            continue
        if not all(given):
            missing = [t for t, g in zip(parts, given) if not g]
            st.err(ev, "targets", ";".join(missing),
                   _("split {event}: {col} is given for some parts of {unit} but not for {missing}; give every part its "
                     "{col} (the shares of the source) or none", event=repr(ev.event_id), col=col, unit=repr(source),
                     missing=", ".join(map(repr, missing))))
            continue
        whole = st.units[col].iat[st.pos[source]]
        if pd.isna(whole):
            continue
        total = float(sum(float(v) for v in values))
        if abs(total - float(whole)) > per_part * len(parts) + 1e-9:
            st.err(ev, "targets", ";".join(parts),
                   _("split {event}: the parts' {col} add up to {total} but {unit} has {whole}; the parts are shares of the "
                     "source: make them add up (within {tolerance} per part)", event=repr(ev.event_id), col=col,
                     total=_g(total), unit=repr(source),
                     whole=_g(whole),
                     tolerance=_g(per_part)))


def _g(x) -> str:
    """A number as ``{:g}`` would show it (no needless decimals), with the separators of the language."""
    x = float(x)
    decimals = 0 if x.is_integer() else min(4, len(f"{x:g}".partition(".")[2]))
    return F.number(x, decimals=decimals, group=False)


def _check_code_digits(st: State, ev: Event, unit: str, level, code: str) -> None:
    digits = CODE_DIGITS.get(level)
    if digits and not (code.isdigit() and len(code) == digits and code.isascii()):
        st.err(ev, "changes", f"code={code}",
               _("reclassify {event}: code {code} of {unit} is not a {level}-level statistics code ({digits} digits)",
                 event=repr(ev.event_id), code=repr(code), unit=repr(unit), level=F.level(level), digits=digits))


# ====================================================================== the replay


def parse_changes(text: str) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """``"name=X;unit_type=y"`` -> ((column, value), ...) and a list of what is wrong with it."""
    pairs, wrong = [], []
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        col, eq, value = part.partition("=")
        col, value = col.strip().lower(), value.strip()
        if not eq:
            wrong.append(_("{part} is not column=value", part=repr(part)))
        elif col not in RECLASSIFY_COLUMNS:
            wrong.append(_("column {col} cannot be changed by reclassify (only {columns})", col=repr(col),
                            columns=", ".join(RECLASSIFY_COLUMNS)))
        elif col in (c for c, _ in pairs):
            wrong.append(_("column {col} is changed twice", col=repr(col)))
        else:
            pairs.append((col, value))
    return tuple(pairs), wrong


def check_changes(events: pd.DataFrame, efile: str, problems: S.Problems, vocabularies: dict | None = None) -> tuple[dict, set]:
    """Parse and check the ``changes`` column (registry-format 1.1): only on ``reclassify``, which
    needs it; each value checked as in units.csv. Returns {event line: changes} and the lines of
    events with a bad ``changes`` (left out of the replay)."""
    parsed: dict[int, tuple] = {}
    bad: set[int] = set()
    if "changes" not in events:
        return parsed, bad
    per_column: dict[str, list] = {c: [] for c in RECLASSIFY_COLUMNS}
    for line, eid, etype, text in zip(events["line"], events["event_id"], events["type"], events["changes"]):
        text = "" if pd.isna(text) else str(text)
        if etype != "reclassify":
            if text:
                problems.add(S.RANK_VALUE, efile, line, eid, "changes", text,
                             _("event {event} is a {type}; changes is only for reclassify — leave it empty", event=repr(eid), type=etype))
                bad.add(line)
            continue
        pairs, wrong = parse_changes(text)
        if not pairs and not wrong:
            wrong.append(_("it is empty; write column=value pairs, e.g. name=Thành phố Đông Triều;unit_type=thanh-pho"))
        for w in wrong:
            problems.add(S.RANK_VALUE, efile, line, eid, "changes", text, _("changes of reclassify {event}: {what}", event=repr(eid), what=w))
        if wrong:
            bad.add(line)
            continue
        parsed[line] = pairs
        for col, value in pairs:
            per_column[col].append((line, eid, value))
    for col, rows in per_column.items():  # each value checked as units.csv checks it
        if not rows:
            continue
        raw = pd.DataFrame(rows, columns=["line", "event_id", col]).astype({col: object})
        schema = S.Schema(efile, "event_id", (S.UNIT_COLUMNS[col],))
        mark = len(problems.rows)
        S.check_table(raw, schema, efile, problems, vocabularies)
        for r in problems.rows[mark:]:
            if r["severity"] == "error":
                r["column"] = "changes"
                r["message"] = f"changes: {r['message']}"
                bad.add(r["line"])
    return parsed, bad


def replay(units: pd.DataFrame, events: pd.DataFrame, *, start: dt.date | None = None,
           files: tuple[str, str] = ("units.csv", "events.csv"), problems: S.Problems | None = None,
           changes: dict | None = None) -> Replay:
    """Apply ``events`` to ``units``; report every broken rule into ``problems``.

    ``units`` and ``events`` are typed tables as :func:`orgmodel.schema.check_table` returns them
    (events may be a subset: rows with bad values are left out by the caller). ``changes`` maps an
    event's line to its parsed ``changes`` (:func:`check_changes`); parsed here when not given.
    """
    problems = problems if problems is not None else S.Problems()
    if changes is None:
        changes, _bad = check_changes(events, files[1], S.Problems())
    ev = events.copy()
    ev["day_"] = [day_number(d) if d is not None and not pd.isna(d) else None for d in ev["date"]]
    ev = ev[ev["day_"].notna()].sort_values(["day_", "line"], kind="stable")

    # ---- which event opens each new unit
    opener: dict[str, tuple[str, int]] = {}
    for eid, etype, targets, line in zip(ev["event_id"], ev["type"], ev["targets"], ev["line"]):
        if etype not in OPENING_TYPES:
            continue
        for t in targets:
            if t in opener:
                problems.add(S.RANK_EVENT, files[1], line, eid, "targets", t,
                             _("event {event} opens {unit}, which event {other} (line {line}) already opens; a unit opens only once",
                               event=repr(eid), unit=repr(t), other=repr(opener[t][0]), line=opener[t][1]))
            else:
                opener[t] = (eid, line)

    st = State(units, opener, files, problems)
    _start_state(st)
    start_day = day_number(start) if start else None
    new_parent = ev["new_parent_id"] if "new_parent_id" in ev else pd.Series("", index=ev.index)
    for eid, etype, line, day, sources, targets, np_id in zip(ev["event_id"], ev["type"], ev["line"], ev["day_"],
                                                              ev["sources"], ev["targets"], new_parent):
        e = Event(eid, etype, int(line), int(day), tuple(sources), tuple(targets),
                  "" if pd.isna(np_id) else np_id, changes.get(int(line), ()))
        _apply(st, e, start, start_day)
    return st.replay()


def _apply(st: State, ev: Event, start, start_day) -> None:
    """The checks every event shares, then the rule of its type."""
    eid, etype, sources, targets = ev.event_id, ev.type, ev.sources, ev.targets
    if start_day is not None and ev.day <= start_day:
        st.err(ev, "date", ev.date.isoformat(),
               _("event {event} is dated {date}, not after the registry's start ({start}); units that exist then belong in "
                 "units.csv without an event", event=repr(eid), date=F.date(ev.date), start=F.date(start)))
        return
    if not arity_ok(etype, len(sources), len(targets)):
        st.err(ev, "type", etype, _("event {event} ({type}) has {sources} source(s) and {targets} target(s); {type} needs "
                                     "{needs}", event=repr(eid), type=etype, sources=len(sources), targets=len(targets),
                                     needs=_(ARITY_TEXT[etype])))
        for t in targets:  # the units it meant to open exist from now on: no follow-on errors
            if st.opener.get(t, (None,))[0] == eid and st.status[st.pos[t]] == NOT_YET:
                st.open_unit(t, ev.day, ev, check_parent=False)
        return
    if ev.new_parent_id and etype != "transfer":
        st.err(ev, "new_parent_id", ev.new_parent_id, _("event {event} is a {type}; new_parent_id is only for transfer — "
                                                           "leave it empty", event=repr(eid), type=etype))
    if etype == "transfer" and not ev.new_parent_id:
        st.err(ev, "new_parent_id", "", _("transfer {event} has no new_parent_id; give the new managing unit", event=repr(eid)))
        return
    if etype == "reclassify" and not ev.changes:
        return  # its changes were refused (reported by check_changes)
    dup = sorted({u for u in sources if sources.count(u) > 1} | {u for u in targets if targets.count(u) > 1})
    both = sorted(set(sources) & set(targets))
    if dup:
        st.err(ev, "sources", ";".join(dup), _("event {event} names {units} more than once", event=repr(eid),
                                                units=", ".join(map(repr, dup))))
    if both:
        st.err(ev, "targets", ";".join(both), _("event {event} names {units} as both source and target", event=repr(eid),
                                                 units=", ".join(map(repr, both))))
        return
    live = []
    for s in dict.fromkeys(sources):
        if st.is_open(s):
            live.append(s)
        else:
            i = st.pos[s]
            why = (_("it opens only later (event {event})", event=repr(st.opener[s][0])) if st.status[i] == NOT_YET and s in st.opener
                   else _("it closed on {date} (event {event})", date=F.date(from_day_number(st.close_day[i])),
                          event=repr(st.close_event[i])))
            st.err(ev, "sources", s, _("event {event} on {date} takes from {unit}, which is not open then: {why}",
                                       event=repr(eid), date=F.date(ev.date), unit=repr(s), why=why))
    new = []
    if etype in OPENING_TYPES:
        new = [t for t in dict.fromkeys(targets) if st.opener.get(t, (None,))[0] == eid and st.status[st.pos[t]] == NOT_YET]
    elif etype in ("merge", "dissolve"):
        for t in targets:
            if not st.is_open(t):
                st.err(ev, "targets", t, _("event {event} on {date} gives to {unit}, which is not open then; a {type} target "
                                          "must be an open unit", event=repr(eid), date=F.date(ev.date), unit=repr(t), type=etype))
    RULES[etype](st, ev, live, new)


def _start_state(st: State) -> None:
    """The units open at the registry's start and their parents (set in bulk: most never change)."""
    pos, status = st.pos, st.status
    ids = np.asarray(st.ids, dtype=object)
    first = np.zeros(len(ids), dtype=bool)
    first[np.fromiter(pos.values(), dtype=np.int64, count=len(pos))] = True  # duplicated ids: the first row
    state = np.frombuffer(bytes(status), dtype=np.int8)
    start = np.flatnonzero((state == OPEN) & first)
    where = pd.Series(np.fromiter(pos.values(), dtype=np.int64, count=len(pos)), index=pd.Index(list(pos), dtype=object))
    par = np.asarray(st.parent_of, dtype=object)[start]
    ppos = where.reindex(par).to_numpy(dtype=np.float64)  # NaN: no parent, or an unknown one
    known = ~np.isnan(ppos)
    late = np.zeros(len(start), dtype=bool)
    late[known] = state[ppos[known].astype(np.int64)] != OPEN
    lines = st.units["line"].to_numpy()
    for k in np.flatnonzero(late):
        i, u, p = start[k], ids[start[k]], par[k]
        eid, _line = st.opener.get(p, ("?", None))
        st.problems.add(S.RANK_HIERARCHY, st.ufile, lines[i], u, "parent_id", p,
                        _("{unit} exists from the registry's start but its parent {parent} opens only later (event {event}); an "
                          "open unit needs an open parent — fix parent_id or open {unit} by an event too", unit=repr(u),
                          parent=repr(p), event=repr(eid)))
    par = np.where(known, par, "")
    st.start_units = ids[start].tolist()
    children = st.children
    for u, p in zip(ids[start][known], par[known]):
        kids = children.get(p)
        if kids is None:
            children[p] = {u}
        else:
            kids.add(u)
    st.parent.update(zip(ids[start][known].tolist(), par[known].tolist()))
    st.changes.extend(zip(start.tolist(), par.tolist(), [ALWAYS] * len(start), range(st.seq, st.seq + len(start))))
    st.seq += len(start)
    _report_start_cycles(st, start, np.where(known, ppos, -1).astype(np.int64))


def _report_start_cycles(st: State, start: np.ndarray, parent_pos: np.ndarray) -> None:
    """Report every cycle in the start hierarchy once. Pointer jumping (numpy, log2(depth) steps)
    finds the units that never reach a root; only those are walked (iteratively, at any depth)."""
    n = len(st.ids)
    up = np.full(n, -1, dtype=np.int64)
    up[start] = parent_pos
    jump = up.copy()
    for _step in range(max(1, int(np.ceil(np.log2(max(n, 2)))) + 1)):
        has = jump >= 0
        if not has.any():
            break
        nxt = np.full(n, -1, dtype=np.int64)
        nxt[has] = jump[jump[has]]
        if np.array_equal(nxt, jump):
            break
        jump = nxt
    suspects = [st.ids[i] for i in start if jump[i] >= 0]
    if not suspects:
        return
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = known to reach a root or a reported cycle
    parent = st.parent
    for u0 in suspects:
        path, u = [], u0
        while u and state.get(u) is None:
            state[u] = 1
            path.append(u)
            u = parent.get(u, "")
        if u and state.get(u) == 1:  # the walk came back to itself: a cycle
            cycle = path[path.index(u):]
            first = min(cycle)
            shown = cycle + [cycle[0]] if len(cycle) <= 12 else cycle[:10] + ["… " + _("{n} more", n=len(cycle) - 11), cycle[-1], cycle[0]]
            st.problems.add(S.RANK_HIERARCHY, st.ufile, st.units["line"].iat[st.pos[first]], first, "parent_id", st.parent[first],
                            _("cycle in the management hierarchy: {cycle}; one of these parent_id values is wrong", cycle=" -> ".join(shown)))
        for v in path:
            state[v] = 2


# ====================================================================== checks over the whole history


def check_codes(units: pd.DataFrame, rep: Replay, files, problems: S.Problems) -> None:
    """Two units open at the same date may not share a ``code`` (codes in force at that date).
    Vectorised: one interval per (unit, code value), sorted by code and start."""
    if "code" not in units:
        return
    ufile, efile = files
    base = units["code"].astype(object).where(units["code"].notna(), "").astype(str).to_numpy(dtype=object)
    n = len(units)
    pos = np.arange(n)
    start = rep.open_day.copy()
    end = rep.close_day.copy()
    lines = units["line"].to_numpy()
    where = np.full(n, ufile, dtype=object)
    value = base.copy()
    rows = [pd.DataFrame({"pos": pos, "code": value, "start": start, "end": end, "line": lines, "file": where})]
    ch = [c for c in rep.attr_changes if c[1] == "code"]
    if ch:
        c = pd.DataFrame(ch, columns=["pos", "column", "code", "day", "seq", "line"]).sort_values(["pos", "seq"], kind="stable")
        # the unit.csv value holds until the first change; each change until the next
        first = c.groupby("pos", sort=False)["day"].min()
        rows[0].loc[first.index, "end"] = np.minimum(rows[0].loc[first.index, "end"].to_numpy(), first.to_numpy())
        cp = c["pos"].to_numpy()
        days = c["day"].to_numpy(np.int64)
        nxt = np.full(len(c), NEVER, dtype=np.int64)  # the next change of the same unit (int64: NEVER never passes through float)
        follows = cp[1:] == cp[:-1]
        nxt[:-1][follows] = days[1:][follows]
        rows.append(pd.DataFrame({"pos": cp, "code": c["code"].to_numpy(dtype=object),
                                  "start": np.maximum(c["day"].to_numpy(np.int64), rep.open_day[cp]),
                                  "end": np.minimum(nxt, rep.close_day[cp]), "line": c["line"].to_numpy(),
                                  "file": np.full(len(c), efile, dtype=object)}))
    iv = pd.concat(rows, ignore_index=True)
    iv = iv[(iv["code"] != "") & (iv["end"] > iv["start"])]
    if len(iv) < 2:
        return
    iv = iv.sort_values(["code", "start", "pos"], kind="stable")
    code = iv["code"].to_numpy(dtype=object)
    s, e = iv["start"].to_numpy(np.int64), iv["end"].to_numpy(np.int64)
    same = np.r_[False, code[1:] == code[:-1]]
    group = np.cumsum(~same)
    # the latest end so far within the code, before each row
    cummax = pd.Series(e).groupby(group).cummax().to_numpy(np.int64)  # int64 throughout: NEVER must not pass through float
    reach = np.where(same, np.r_[np.int64(ALWAYS), cummax[:-1]], np.int64(ALWAYS))
    clash = same & (s < reach)
    if not clash.any():
        return
    ids = units["unit_id"].to_numpy(dtype=object)
    p = iv["pos"].to_numpy()
    prev_pos = pd.Series(np.where(same, np.r_[-1, p[:-1]], -1))
    for k in np.flatnonzero(clash)[:200]:
        other = ids[prev_pos.iat[k]] if prev_pos.iat[k] >= 0 else "?"
        when = _("the registry's start") if s[k] == ALWAYS else F.date(from_day_number(s[k]))
        problems.add(S.RANK_EVENT, iv["file"].iat[k], iv["line"].iat[k], ids[p[k]], "code", code[k],
                     _("code {code} of {unit} is also the code of {other}, open at the same time (from {when}); two open units "
                       "may not share a code — fix one of them", code=repr(code[k]), unit=repr(ids[p[k]]), other=repr(other),
                       when=when))


def check_territorial_codes(units: pd.DataFrame, file: str, problems: S.Problems) -> None:
    """A government unit's code is the statistics office's: 2 / 3 / 5 digits by level."""
    if not {"code", "kind", "level"} <= set(units.columns):
        return
    code = units["code"].astype(object).where(units["code"].notna(), "").astype(str)
    for level, digits in CODE_DIGITS.items():
        bad = units["kind"].eq("government") & units["level"].eq(level) & code.ne("") & ~S.fullmatch(code, rf"[0-9]{{{digits}}}")
        problems.add_mask(S.RANK_VALUE, file, units, bad, "code",
                          lambda i, v, lv=level, d=digits: _("code {code} of {unit} is not a {level}-level statistics code ({digits} digits, "
                                                               "e.g. {example})", code=repr(v), unit=repr(i), level=F.level(lv), digits=d,
                                                               example="2" * d), "unit_id")
