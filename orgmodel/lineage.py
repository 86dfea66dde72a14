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

from .dates import day_number, from_day_number, parse_date
from .errors import InputError
from .timeline import Timeline

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
    day = day_number(d)
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


def crosswalk(tl: Timeline, from_date, to_date) -> pd.DataFrame:
    """Map every unit open at ``from_date`` to the units open at ``to_date`` that carry it on.

    ``share`` is the part of the old unit each new unit carries: 1.0 through merges and
    consolidations; through a split, or a dissolution whose functions went to other units, in
    proportion to the targets' staff (equal parts when they all have staff 0). A unit that
    separates parts of itself carries on whole. Shares of one old unit add up to 1; what was
    dissolved without successors appears as one row with an empty ``to_id`` (fate ``dissolved``).
    ``via`` lists the event ids on the way (``>``-joined; several routes ``|``-joined).
    """
    a, b = parse_date(from_date, "from date"), parse_date(to_date, "to date")
    if b < a:
        raise InputError(f"--to {b} is before --from {a}; a crosswalk runs forward in time.")
    da, db = day_number(a), day_number(b)
    origins = tl.unit_ids[tl.open_mask(a)]
    # holdings: current unit -> {origin: (share, routes)}; a route is the tuple of event ids
    holdings: dict[str, dict[str, tuple[float, frozenset]]] = {u: {u: (1.0, frozenset([()]))} for u in origins}
    staff = tl.units["staff"].astype("float64").fillna(0.0)
    edges = tl.edges[(tl.edges["day"] > da) & (tl.edges["day"] <= db) & (tl.edges["type"] != "separate")]
    edges = edges[edges["event_id"].to_numpy() == tl.life["close_event"].reindex(edges["source"]).to_numpy()]
    # closing events in replay order; each source hands its holdings to its targets
    steps = edges.groupby(["event_id", "source"], sort=False)["target"].agg(list).reset_index()
    for eid, src, targets in zip(steps["event_id"], steps["source"], steps["target"]):
        held = holdings.pop(src, None)
        if not held:
            continue
        w = staff.reindex(targets).to_numpy()
        w = np.full(len(targets), 1.0 / len(targets)) if w.sum() <= 0 else w / w.sum()
        for t, wt in zip(targets, w):
            _add(holdings.setdefault(t, {}), held, wt, eid)
    # what units closed in (A, B] without successors still held is lost (dissolved)
    lost: dict[str, tuple[float, frozenset]] = {}
    for u in tl.unit_ids[(tl.close_day > da) & (tl.close_day <= db)]:
        held = holdings.pop(u, None)
        if held:
            _add(lost, held, 1.0, tl.life.at[u, "close_event"])
    rows = [(o, h, sh, "unchanged" if h == o else "merged into" if sh >= 1 - 1e-9 else "part of", _via(r))
            for h, held in holdings.items() for o, (sh, r) in held.items()]
    rows += [(o, "", sh, "dissolved", _via(r)) for o, (sh, r) in lost.items()]
    out = pd.DataFrame(rows, columns=["from_id", "to_id", "share", "fate", "via"])
    names, kinds = tl.units["name"], tl.units["kind"]
    out["from_name"] = names.reindex(out["from_id"]).to_numpy()
    out["from_kind"] = kinds.reindex(out["from_id"]).to_numpy()
    out["to_name"] = names.reindex(out["to_id"]).fillna("").to_numpy()
    out["to_kind"] = kinds.reindex(out["to_id"]).fillna("").to_numpy()
    out["share"] = out["share"].round(6)
    out = out[CROSSWALK_COLUMNS].sort_values(["from_id", "to_id"], kind="stable").reset_index(drop=True)
    out.attrs.update(from_date=a, to_date=b)
    return out


def _add(dest: dict, held: dict, weight: float, eid: str) -> None:
    for origin, (share, routes) in held.items():
        old_share, old_routes = dest.get(origin, (0.0, frozenset()))
        dest[origin] = (old_share + share * weight, old_routes | frozenset(r + (eid,) for r in routes))


def _via(routes: frozenset) -> str:
    return "|".join(sorted(">".join(r) for r in routes if r))


def lineage_table(tl: Timeline, unit_id: str, as_of) -> pd.DataFrame:
    """The chain of events from ``unit_id`` to its successors at ``as_of``, one row per edge."""
    d = parse_date(as_of, "as-of date")
    tl.check_open(unit_id, d)
    day = day_number(d)
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
    return pd.DataFrame(sorted(rows, key=lambda r: (r[4], r[0], r[1])), columns=["from_id", "to_id", "event_id", "type", "date"])
