"""What became of each unit: the lineage graph, successors at a date, and the crosswalk that
carries figures of the units open at one date onto the units open at a later date.

Lineage edges run predecessor -> successor for ``merge``, ``consolidate``, ``split``,
``separate`` and ``dissolve`` (to the units that took over the functions), each with the event id,
type and date. Transfers change the manager, not the unit, and make no lineage edge.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from .dates import from_day_number, parse_date
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
    da, db = tl.day(a), tl.day(b)
    open_a = tl.open_mask(a)
    closes = (tl.close_day > da) & (tl.close_day <= db)
    staff = dict(zip(tl.unit_ids, tl.units["staff"].astype("float64").fillna(0.0).to_numpy()))
    close_event = tl.life["close_event"].to_numpy()
    nxt = tl.closing_targets
    memo: dict[str, dict[str, tuple[float, frozenset]]] = {}
    pos = tl._pos

    def fate_of(u: str) -> dict[str, tuple[float, frozenset]]:
        """Where unit u (open at some date in [A, B]) stands at B: {holder: (share, routes)};
        a route is the event ids on the way, joined by '>'."""
        got = memo.get(u)
        if got is not None:
            return got
        i = pos[u]
        if tl.close_day[i] > db:
            out = {u: (1.0, frozenset(("",)))}
        else:
            targets = nxt.get(u, ())
            if not targets:  # dissolved without successors: its share is lost
                out = {"": (1.0, frozenset((close_event[i],)))}
            else:
                weights = [staff[t] for t, _ in targets]
                total = sum(weights)
                weights = [w / total for w in weights] if total > 0 else [1.0 / len(targets)] * len(targets)
                out = {}
                for (t, e), wt in zip(targets, weights):
                    for holder, (share, routes) in fate_of(t).items():
                        old_share, old_routes = out.get(holder, (0.0, frozenset()))
                        out[holder] = (old_share + wt * share, old_routes | frozenset(f"{e}>{r}" if r else e for r in routes))
        memo[u] = out
        return out

    same = tl.unit_ids[open_a & ~closes]  # most units: open at both dates
    rows = [(u, u, 1.0, "unchanged", "") for u in same]
    for u in tl.unit_ids[open_a & closes]:
        for holder, (share, routes) in sorted(fate_of(u).items()):
            fate = "dissolved" if holder == "" else "merged into" if share >= 1 - 1e-9 else "part of"
            rows.append((u, holder, share, fate, _via(routes)))
    out = pd.DataFrame(rows, columns=["from_id", "to_id", "share", "fate", "via"])
    names, kinds = tl.units["name"], tl.units["kind"]
    out["from_name"] = names.reindex(out["from_id"]).to_numpy()
    out["from_kind"] = kinds.reindex(out["from_id"]).to_numpy()
    out["to_name"] = names.reindex(out["to_id"]).fillna("").to_numpy()
    out["to_kind"] = kinds.reindex(out["to_id"]).fillna("").to_numpy()
    out = out[CROSSWALK_COLUMNS].sort_values(["from_id", "to_id"], kind="stable").reset_index(drop=True)
    out.attrs.update(from_date=a, to_date=b)
    return out


def _via(routes: frozenset) -> str:
    return "|".join(sorted(r for r in routes if r))


def lineage_table(tl: Timeline, unit_id: str, as_of) -> pd.DataFrame:
    """The chain of events from ``unit_id`` to its successors at ``as_of``, one row per edge."""
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
    return pd.DataFrame(sorted(rows, key=lambda r: (r[4], r[0], r[1])), columns=["from_id", "to_id", "event_id", "type", "date"])
