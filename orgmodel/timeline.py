"""Time travel: the registry's events replayed once (:mod:`orgmodel.events`), then any date
answered quickly.

:class:`Timeline` keeps what the replay recorded as numpy arrays: per unit the day it opens and
closes and how, every change of managing unit and every attribute change (``reclassify``) as dated
intervals, and every lineage edge; so the state as of any date is a few vectorised comparisons, not
a new replay.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd

from . import events as E
from .dates import ALWAYS, NEVER, day_number, from_day_number, parse_date
from . import fmt as F
from .errors import InputError
from .i18n import _
from .events import Replay, replay  # noqa: F401  (the replay lives in events; importable here as before)
from .vocab import CLOSING_TYPES, COUNTED_KINDS, LINEAGE_TYPES, OPENING_TYPES, RECLASSIFY_COLUMNS, kinds_of  # noqa: F401

# ====================================================================== the Timeline


class Timeline:
    """The registry replayed once; states as of any date come from vectorised look-ups.

    >>> tl = Timeline(load_registry("data/quang-ninh"))
    >>> tl.units_as_of("2021-12-31")          # open units, parent_id and attributes as of that date
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
        inv = np.empty_like(order)
        inv[order] = np.arange(len(order))
        self._parents = self._parent_intervals(rep.parent_changes, inv)
        self._attrs = self._attribute_intervals(rep.attr_changes, inv)
        self.edges = pd.DataFrame(rep.edges, columns=["source", "target", "event_id", "type", "day"])
        self.edges["date"] = [from_day_number(d) for d in self.edges["day"]]
        days = registry.events["date"].dropna()
        self.first_event = min(days) if len(days) else None
        self.last_event = max(days) if len(days) else None

    @staticmethod
    def _intervals(ch: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        """Changes (sorted by keys + seq) -> intervals [start, end): each runs to the next change of
        the same keys."""
        ch = ch.sort_values(keys + ["seq"], kind="stable")
        start = ch["start"].to_numpy(np.int64)
        end = np.full(len(ch), NEVER, dtype=np.int64)
        same = np.ones(max(len(ch) - 1, 0), dtype=bool)
        for k in keys:
            col = ch[k].to_numpy()
            same &= col[1:] == col[:-1]
        end[:-1][same] = start[1:][same]
        out = ch.assign(end=end)
        return out[out["end"] > out["start"]]

    def _parent_intervals(self, changes, inv) -> pd.DataFrame:
        ch = pd.DataFrame(changes, columns=["pos", "parent", "start", "seq"])
        ch["pos"] = inv[ch["pos"].to_numpy()]
        iv = self._intervals(ch, ["pos"])
        iv = iv[iv["parent"].to_numpy(dtype=object) != ""]
        return pd.DataFrame({"pos": iv["pos"].to_numpy(np.int64), "parent": iv["parent"].to_numpy(dtype=object),
                             "start": iv["start"].to_numpy(np.int64), "end": iv["end"].to_numpy(np.int64)})

    def _attribute_intervals(self, changes, inv) -> pd.DataFrame:
        """One row per attribute change (reclassify): unit position, column, value, [start, end).
        Before its first change a unit has its units.csv value."""
        ch = pd.DataFrame(changes, columns=["pos", "column", "value", "start", "seq", "line"])
        if ch.empty:
            return pd.DataFrame({"pos": np.array([], np.int64), "column": [], "value": [],
                                 "start": np.array([], np.int64), "end": np.array([], np.int64)})
        ch["pos"] = inv[ch["pos"].to_numpy()]
        iv = self._intervals(ch, ["pos", "column"])
        return iv[["pos", "column", "value", "start", "end"]].reset_index(drop=True)

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
            raise InputError(_("Date {date} is before the start of registry {name} ({start}, in registry.yaml): the "
                               "registry says nothing about earlier dates. Use {start} or later.",
                               date=F.date(d), name=self.registry.name, start=F.date(start)))
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
            raise InputError(_("Unknown unit {unit}: it is not in units.csv of {path}.", unit=repr(unit_id),
                               path=str(self.registry.path))) from None

    def _parent_array(self, day) -> np.ndarray:
        """Managing unit of every unit (by position) at ``day`` (one day number, or one per unit);
        "" for none."""
        p = self._parents
        pos = p["pos"].to_numpy()
        at = day if np.ndim(day) == 0 else np.asarray(day, dtype=np.int64)[pos]
        m = (p["start"].to_numpy() <= at) & (p["end"].to_numpy() > at)
        out = np.full(len(self.unit_ids), "", dtype=object)
        out[p["pos"].to_numpy()[m]] = p["parent"].to_numpy()[m]
        return out

    @property
    def reclassified_columns(self) -> list[str]:
        """The columns some reclassify changes (their values depend on the date)."""
        return [c for c in RECLASSIFY_COLUMNS if c in set(self._attrs["column"])]

    def attribute(self, column: str, day) -> np.ndarray:
        """``column`` of every unit (by position) in force at ``day``: an int day number for all,
        or an array of day numbers, one per unit (e.g. each unit's last open day)."""
        base = self.units[column].to_numpy(dtype=object).copy()
        a = self._attrs
        if not len(a):
            return base
        a = a[a["column"].to_numpy() == column]
        if not len(a):
            return base
        pos = a["pos"].to_numpy()
        at = np.broadcast_to(np.asarray(day, dtype=np.int64), (len(self.unit_ids),))[pos]
        m = (a["start"].to_numpy() <= at) & (a["end"].to_numpy() > at)
        base[pos[m]] = a["value"].to_numpy(dtype=object)[m]
        return base

    def _with_attributes(self, table: pd.DataFrame, rows: np.ndarray, day) -> pd.DataFrame:
        """``table`` (the units at positions ``rows``) with the attribute values in force at ``day``."""
        for col in self.reclassified_columns:
            values = self.attribute(col, day)[rows]
            if col in table.columns:
                table[col] = pd.Series(values, index=table.index, dtype=table[col].dtype if table[col].dtype == object else object)
        return table

    def parents_as_of(self, date) -> pd.Series:
        """The managing unit of every unit open (and managed) at ``date``, indexed by unit_id."""
        day = self.day(date)
        arr = self._parent_array(day)
        keep = arr != ""
        return pd.Series(arr[keep], index=self.unit_ids[keep], name="parent_id")

    def units_as_of(self, date) -> pd.DataFrame:
        """Units open at ``date`` (all units.csv columns), sorted by unit_id, with ``parent_id`` and
        the attribute values (name, unit_type, level, sector, locality, code) in force at that date."""
        day = self.day(date)
        rows = np.flatnonzero((self.open_day <= day) & (self.close_day > day))
        out = self.units.iloc[rows].copy()
        out["parent_id"] = self._parent_array(day)[rows]
        return self._with_attributes(out, rows, day)

    def count(self, kind: str, date, where: dict | None = None) -> int:
        """Open units of ``kind`` (agency, psu, government, or all = agency + psu) at ``date``,
        matching ``where`` (attribute values in force at ``date``)."""
        kinds = kinds_of(kind)
        if not where:
            return int((self.open_mask(date) & np.isin(self.kind, kinds)).sum())
        table = self.units_as_of(date)
        return int(match(table[table["kind"].isin(kinds)], where).sum())

    def counts(self, date) -> dict[str, int]:
        mask = self.open_mask(date)
        out = {k: int((mask & (self.kind == k)).sum()) for k in COUNTED_KINDS}
        out["all"] = out["agency"] + out["psu"]
        return out

    def graph_as_of(self, date) -> nx.DiGraph:
        """The management hierarchy at ``date``: parent -> child, unit attributes on the nodes.
        Built once per date and frozen (read-only, shared by every caller: a report asks for the
        same date's graph for the department pick and each organisation chart); ``nx.DiGraph(g)``
        gives a copy to change."""
        day = self.day(date)
        cache = self.__dict__.setdefault("_graphs", {})
        if day not in cache:
            table = self.units_as_of(date)
            g = nx.DiGraph(as_of=parse_date(date).isoformat(), registry=self.registry.name)
            attrs = table.drop(columns=["line"], errors="ignore")
            g.add_nodes_from((u, {k: _plain(v) for k, v in row.items() if k != "unit_id"})
                             for u, row in zip(attrs.index, attrs.to_dict("records")))
            g.add_edges_from((p, u) for u, p in zip(table.index, table["parent_id"]) if p)
            cache[day] = nx.freeze(g)
        return cache[day]

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
            raise InputError(_("Unit {unit} is not yet open on {date}: it opens on {opens}.", unit=repr(unit_id),
                               date=F.date(parse_date(date)), opens=F.date(from_day_number(self.open_day[i]))))

    def last_open_day(self, day: int) -> np.ndarray:
        """Per unit: ``day``, or the last day it was open when it closed earlier (the day whose
        attribute values describe it in a comparison up to ``day``)."""
        return np.minimum(np.int64(day), np.where(self.close_day == NEVER, NEVER, self.close_day - 1))


def _plain(v):
    if v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


_kinds = kinds_of  # the older private name


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
            raise InputError(_("Unknown column {col} in a 'where' filter; columns are: {columns}.", col=repr(col),
                               columns=", ".join(c for c in table.columns if c != "line")))
        values = [str(v) for v in (want if isinstance(want, (list, tuple, set)) else [want])]
        mask &= text_values(table[col]).isin(values).fillna(False).to_numpy(dtype=bool)
    return mask


def registry_replay(registry) -> Replay:
    """The replay of a loaded (valid) registry: the one its validation made, else a new one."""
    if getattr(registry, "replayed", None) is not None:
        return registry.replayed
    changes, _bad = E.check_changes(registry.events, registry.files[1], E.S.Problems())
    return replay(registry.units, registry.events, start=registry.start, files=registry.files, changes=changes)
