"""What became of each unit: the lineage graph, successors at a date, and the crosswalk that
carries figures of the units open at one date onto the units open at a later date.

Lineage edges run predecessor -> successor for ``merge``, ``consolidate``, ``split``,
``separate`` and ``dissolve`` (to the units that took over the functions), each with the event id,
type and date. Transfers change the manager, not the unit, and make no lineage edge.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from .dates import from_day_number, parse_date
from .errors import InputError
from .i18n import _
from .timeline import Timeline
from .vocab import WEIGHTS

CROSSWALK_COLUMNS = ["from_id", "from_name", "from_kind", "to_id", "to_name", "to_kind", "share", "fate", "via"]


def lineage_graph(tl: Timeline) -> nx.DiGraph:
    """Every unit as a node (name, kind, sector, locality, open/close dates), every lineage edge
    predecessor -> successor with ``event_id``, ``type`` and ``date``."""
    g = nx.DiGraph(registry=tl.registry.name)
    life = tl.life_table()
    units = tl.units
    for u, name, kind, sector, loc, od, cd, ct in zip(units.index, units["name"], units["kind"], units["sector"], units["locality"],
                                                       life["open_date"], life["close_date"], life["close_type"]):
        g.add_node(u, name=name, kind=kind, sector=sector, locality=loc, open_date=od, close_date=cd, close_type=ct)
    for s, t, eid, etype, date in zip(tl.edges["source"], tl.edges["target"], tl.edges["event_id"], tl.edges["type"], tl.edges["date"]):
        g.add_edge(s, t, event_id=eid, type=etype, date=date)
    return g


def successors(tl: Timeline, unit_id: str, as_of) -> list[str]:
    """Units open at ``as_of`` that carry on ``unit_id`` (sorted): itself if still open; else,
    transitively, the targets of the event that closed it. Empty when dissolved without targets."""
    d = parse_date(as_of, "as-of date")
    tl.check_open(unit_id, d)
    day = tl.day(d)
    nxt = tl.closing_targets
    result, stack, seen = set(), [unit_id], set()
    while stack:
        u = stack.pop()
        if u in seen:
            continue
        seen.add(u)
        i = tl.position(u)
        if tl.close_day[i] > day:
            result.add(u)
        else:
            stack.extend(t for t, _ in nxt.get(u, ()))
    return sorted(result)


def _fates(tl: Timeline, units, db: int, weight: np.ndarray) -> dict[str, dict[str, tuple[float, frozenset]]]:
    """Where each of ``units`` stands at day ``db``: {holder: (share, routes)} ("" = dissolved
    without successors); a route is the event ids on the way, joined by '>'. Iterative (an explicit
    stack, children before parents), so a chain of any length is fine."""
    nxt = tl.closing_targets
    close_event = tl.life["close_event"].to_numpy()
    pos = tl._pos
    memo: dict[str, dict[str, tuple[float, frozenset]]] = {}
    for root in units:
        stack = [(root, False)]
        while stack:
            u, expanded = stack.pop()
            if u in memo:
                continue
            i = pos[u]
            if tl.close_day[i] > db:
                memo[u] = {u: (1.0, frozenset(("",)))}
                continue
            targets = nxt.get(u, ())
            if not targets:  # dissolved without successors: its share is lost
                memo[u] = {"": (1.0, frozenset((close_event[i],)))}
                continue
            if not expanded:
                stack.append((u, True))
                stack.extend((t, False) for t, _ in targets if t not in memo)
                continue
            if len(targets) == 1:  # the common case: one successor carries the whole unit
                (t, e), = targets
                memo[u] = {holder: (share, frozenset(f"{e}>{r}" if r else e for r in routes))
                           for holder, (share, routes) in memo[t].items()}
                continue
            weights = [weight[pos[t]] for t, _ in targets]
            total = sum(weights)
            weights = [w / total for w in weights] if total > 0 else [1.0 / len(targets)] * len(targets)
            out: dict[str, tuple[float, frozenset]] = {}
            for (t, e), wt in zip(targets, weights):
                for holder, (share, routes) in memo[t].items():
                    old_share, old_routes = out.get(holder, (0.0, frozenset()))
                    out[holder] = (old_share + wt * share, old_routes | frozenset(f"{e}>{r}" if r else e for r in routes))
            memo[u] = out
    return memo


def weights_of(tl: Timeline, weight: str = "staff") -> np.ndarray:
    """Per unit (by position), the crosswalk weight: ``staff``, ``population`` or ``area``."""
    column = WEIGHTS.get(weight)
    if column is None:
        raise InputError(_("Unknown crosswalk weight {weight}; use staff, population or area.", weight=repr(weight)))
    if column not in tl.units.columns:
        raise InputError(_("Registry {name} has no {column} column in units.csv, so it cannot weigh by {weight}; add the "
                           "column or use --weight staff.", name=tl.registry.name, column=column, weight=weight))
    return pd.to_numeric(tl.units[column], errors="coerce").astype("float64").fillna(0.0).to_numpy()


def crosswalk(tl: Timeline, from_date, to_date, weight: str = "staff") -> pd.DataFrame:
    """Map every unit open at ``from_date`` to the units open at ``to_date`` that carry it on.

    ``share`` is the part of the old unit each new unit carries: 1.0 through merges and
    consolidations; through a split, or a dissolution whose functions went to other units, in
    proportion to the targets' ``weight`` (``staff``, ``population`` or ``area``: area_km2; equal
    parts when they are all 0 or empty). A unit that separates parts of itself carries on whole.
    Shares of one old unit add up to 1; what was dissolved without successors appears as one row
    with an empty ``to_id`` (fate ``dissolved``). ``via`` lists the event ids on the way
    (``>``-joined; several routes ``|``-joined). Names are those in force at each date.
    """
    a, b = parse_date(from_date, "from date"), parse_date(to_date, "to date")
    if b < a:
        from . import fmt as F

        raise InputError(_("--to {to} is before --from {frm}; a crosswalk runs forward in time.", to=F.date(b), frm=F.date(a)))
    da, db = tl.day(a), tl.day(b)
    w = weights_of(tl, weight)
    open_a = tl.open_mask(a)
    closes = (tl.close_day > da) & (tl.close_day <= db)
    same = np.asarray(tl.unit_ids[open_a & ~closes], dtype=object)  # most units: open at both dates
    moved = np.asarray(tl.unit_ids[open_a & closes], dtype=object).tolist()
    fates = _fates(tl, moved, db, w)
    rows = []
    for u in moved:
        for holder, (share, routes) in sorted(fates[u].items()):
            fate = "dissolved" if holder == "" else "merged into" if share >= 1 - 1e-9 else "part of"
            rows.append((u, holder, share, fate, _via(routes)))
    columns = ["from_id", "to_id", "share", "fate", "via"]
    out = pd.concat([pd.DataFrame({"from_id": same, "to_id": same, "share": np.ones(len(same)),
                                   "fate": ["unchanged"] * len(same), "via": [""] * len(same)}),
                     pd.DataFrame(rows, columns=columns).astype({"share": "float64"})], ignore_index=True)
    names_a = pd.Series(tl.attribute("name", da), index=tl.units.index)
    names_b = pd.Series(tl.attribute("name", db), index=tl.units.index)
    kinds = tl.units["kind"]
    out["from_name"] = names_a.reindex(out["from_id"]).to_numpy()
    out["from_kind"] = kinds.reindex(out["from_id"]).to_numpy()
    out["to_name"] = names_b.reindex(out["to_id"]).fillna("").to_numpy()
    out["to_kind"] = kinds.reindex(out["to_id"]).fillna("").to_numpy()
    out = out[CROSSWALK_COLUMNS].sort_values(["from_id", "to_id"], kind="stable").reset_index(drop=True)
    return out


def _via(routes: frozenset) -> str:
    return "|".join(sorted(r for r in routes if r))


def lineage_table(tl: Timeline, unit_id: str, as_of) -> pd.DataFrame:
    """The chain of events from ``unit_id`` to its successors at ``as_of``, one row per edge, with
    the names the units had (the source's on its last day, the target's at ``as_of``)."""
    d = parse_date(as_of, "as-of date")
    tl.check_open(unit_id, d)
    day = tl.day(d)
    nxt = tl.closing_targets
    rows, stack, seen = [], [unit_id], set()
    while stack:
        u = stack.pop()
        if u in seen:
            continue
        seen.add(u)
        if tl.close_day[tl.position(u)] <= day:
            for t, eid in nxt.get(u, ()):
                rows.append((u, t, eid, tl.life.at[u, "close_type"], from_day_number(tl.close_day[tl.position(u)])))
                stack.append(t)
    out = pd.DataFrame(sorted(rows, key=lambda r: (r[4], r[0], r[1])), columns=["from_id", "to_id", "event_id", "type", "date"])
    last = pd.Series(tl.attribute("name", tl.last_open_day(day)), index=tl.units.index)
    out.insert(1, "from_name", last.reindex(out["from_id"]).to_numpy(dtype=object))
    out.insert(3, "to_name", last.reindex(out["to_id"]).to_numpy(dtype=object))
    return out


def names_at(tl: Timeline, unit_ids, date) -> list[str]:
    """The names of ``unit_ids`` in force at ``date`` (or on their last open day before it)."""
    names = tl.attribute("name", tl.last_open_day(tl.day(date)))
    return [names[tl.position(u)] for u in unit_ids]


# --------------------------------------------------------------------------- localities


def locality_units(tl: Timeline) -> dict[str, str]:
    """Which territorial (government) unit each locality value names: its ``unit_id``; else the
    district-level government unit whose own ``locality`` is that value (how data/quang-ninh
    writes ``Hạ Long`` for HL-UBND); else a government unit with that ``code`` or ``name``."""
    u = tl.units
    gov = u[u["kind"].to_numpy() == "government"]
    out: dict[str, str] = {}
    for col in ("name", "code"):
        if col in gov.columns:
            for uid, v in zip(gov.index, gov[col]):
                if isinstance(v, str) and v:
                    out.setdefault(v, uid)
    district = gov[gov["level"].to_numpy() == "district"]
    by_locality: dict[str, str] = {}
    for uid, v in zip(district.index, district["locality"]):
        if isinstance(v, str) and v:
            by_locality.setdefault(v, uid)  # units sorted by id: the first id wins
    out.update(by_locality)
    out.update({uid: uid for uid in gov.index})
    return out


def locality_labels(tl: Timeline, values: pd.Series, as_of) -> np.ndarray:
    """Per unit, the locality it counts under at ``as_of``: its locality value followed through the
    lineage of the territorial unit it names (Hoành Bồ -> Hạ Long from 2020). A territory divided
    between several successors: the one among them that manages the unit at ``as_of`` (e.g. its
    commune), else the last undivided territory on the way (Hạ Long for Hoành Bồ after 2025).
    Values that name no territorial unit (``province``) are kept."""
    d = parse_date(as_of, "as-of date")
    day = tl.day(d)
    to_unit = locality_units(tl)
    u = tl.units
    district = u[(u["kind"].to_numpy() == "government") & (u["level"].to_numpy() == "district")]
    label_of = {uid: v for uid, v in zip(district.index, district["locality"]) if to_unit.get(v) == uid}  # how the column writes it
    names = tl.attribute("name", tl.last_open_day(day))
    distinct = pd.unique(values.astype(str).to_numpy(dtype=object))
    nxt = tl.closing_targets
    simple: dict[str, str] = {}
    divided: dict[str, set] = {}
    for v in distinct:
        uid = to_unit.get(v)
        if uid is None or tl.open_day[tl._pos[uid]] > day:
            simple[v] = v
            continue
        t, seen = uid, set()
        while tl.close_day[tl._pos[t]] <= day and len(nxt.get(t, ())) == 1 and t not in seen:  # undivided steps
            seen.add(t)
            t = nxt[t][0][0]
        simple[v] = label_of.get(t, names[tl._pos[t]]) if t != uid or tl.close_day[tl._pos[t]] > day else v
        if tl.close_day[tl._pos[t]] <= day and len(nxt.get(t, ())) > 1:
            divided[v] = set(successors(tl, t, d))
    text = values.astype(str)
    labels = text.map(simple).fillna(text).to_numpy(dtype=object)
    if divided:
        last = tl.last_open_day(day)
        parent_now = tl._parent_array(day)
        parent_last = tl._parent_array(last)  # a unit closed before as_of: start from its manager on its last day
        pos = tl._pos
        memo: dict[tuple[str, str], str | None] = {}
        rows = np.flatnonzero(text.isin(list(divided)).to_numpy())
        text = text.to_numpy(dtype=object)
        for k in rows:
            v = text[k]
            within = divided[v]
            u = tl.unit_ids[k] if last[k] >= day else parent_last[k]
            path, found, seen = [], None, set()
            while u and u not in seen:  # up the hierarchy at as_of to a successor territory
                if (v, u) in memo:
                    found = memo[(v, u)]
                    break
                if u in within:
                    found = label_of.get(u, names[pos[u]])
                    break
                seen.add(u)
                path.append(u)
                u = parent_now[pos[u]] if u in pos else ""
            for w in path:
                memo[(v, w)] = found
            if found is not None:
                labels[k] = found
    return labels
