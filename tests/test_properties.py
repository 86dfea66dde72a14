"""Property tests: random valid event histories, built by a small independent simulator.

For every history: the registry validates; at every date the timeline's open units and parents
equal the simulator's; baseline + opened - closed = current; every open counted unit has an open
parent.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgmodel import progress as P
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline
from conftest import write_registry

START = dt.date(2015, 12, 31)


class Sim:
    """The registry's rules re-stated plainly: open units and their parents, applied step by step."""

    def __init__(self):
        self.defs = {"P": ("government", "")}
        self.parent = {"P": ""}
        self.events = []
        self.states = []  # (date, {unit: parent}) after each event

    def open_counted(self):
        return sorted(u for u in self.parent if self.defs[u][0] != "government")

    def children(self, u):
        return sorted(c for c, p in self.parent.items() if p == u)

    def descendants(self, u):
        out, stack = set(), [u]
        while stack:
            for c in self.children(stack.pop()):
                out.add(c)
                stack.append(c)
        return out

    def new_unit(self, kind, parent):
        u = f"U{len(self.defs):03d}"
        self.defs[u] = (kind, parent)
        return u

    def record(self, date, etype, sources=(), targets=(), new_parent=""):
        self.events.append((f"E{len(self.events) + 1:03d}", date, etype, ";".join(sources), ";".join(targets), new_parent))
        self.states.append((date, dict(self.parent)))


@st.composite
def histories(draw):
    sim = Sim()
    for _ in range(draw(st.integers(2, 6))):
        parent = draw(st.sampled_from(sorted(sim.parent)))
        u = sim.new_unit(draw(st.sampled_from(["agency", "psu"])), parent)
        sim.parent[u] = parent
    day = START
    for _ in range(draw(st.integers(0, 14))):
        day = day + dt.timedelta(days=draw(st.sampled_from([0, 1, 30, 200])))
        if day == START:
            day += dt.timedelta(days=1)
        counted = sim.open_counted()
        op = draw(st.sampled_from(["establish", "merge", "consolidate", "split", "separate", "dissolve", "transfer"]))
        if op == "establish" or len(counted) < 2:
            parent = draw(st.sampled_from(sorted(sim.parent)))
            u = sim.new_unit(draw(st.sampled_from(["agency", "psu"])), parent)
            sim.parent[u] = parent
            sim.record(day, "establish", targets=[u])
            continue
        s = draw(st.sampled_from(counted))
        if op == "merge":
            options = [t for t in counted if t != s and t not in sim.descendants(s)]
            if not options:
                continue
            t = draw(st.sampled_from(options))
            for c in sim.children(s):
                sim.parent[c] = t
            del sim.parent[s]
            sim.record(day, "merge", [s], [t])
        elif op == "consolidate":
            others = [t for t in counted if t != s and t not in sim.descendants(s) and s not in sim.descendants(t)]
            if not others:
                continue
            s2 = draw(st.sampled_from(others))
            n = sim.new_unit(sim.defs[s][0], "P")
            sim.parent[n] = "P"
            for src in (s, s2):
                for c in sim.children(src):
                    sim.parent[c] = n
                del sim.parent[src]
            sim.record(day, "consolidate", [s, s2], [n])
        elif op in ("split", "dissolve") and sim.children(s):
            continue
        elif op == "split":
            p = sim.parent[s]
            a, b = sim.new_unit(sim.defs[s][0], p), sim.new_unit(sim.defs[s][0], p)
            sim.parent.update({a: p, b: p})
            del sim.parent[s]
            sim.record(day, "split", [s], [a, b])
        elif op == "separate":
            n = sim.new_unit(draw(st.sampled_from(["agency", "psu"])), s)
            sim.parent[n] = s
            sim.record(day, "separate", [s], [n])
        elif op == "dissolve":
            takers = draw(st.lists(st.sampled_from([t for t in counted if t != s]), max_size=2, unique=True))
            del sim.parent[s]
            sim.record(day, "dissolve", [s], sorted(takers))
        elif op == "transfer":
            options = [p for p in sorted(sim.parent) if p != s and p not in sim.descendants(s)]
            p = draw(st.sampled_from(options))
            sim.parent[s] = p
            sim.record(day, "transfer", [s], new_parent=p)
    return sim


def write(sim, folder):
    units = "".join(
        f"{u},Đơn vị {u},{kind},{'province' if kind == 'government' else 'district'},general,{parent},A,{10 + i},,,\n"
        for i, (u, (kind, parent)) in enumerate(sorted(sim.defs.items()))
    )
    events = "".join(f"{e},{d.isoformat()},{t},{s},{g},{p},,\n" for e, d, t, s, g, p in sim.events)
    return write_registry(folder, units, events)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sim=histories())
def test_replay_matches_simulator_and_reconciles(sim, tmp_path_factory):
    path = write(sim, tmp_path_factory.mktemp("h"))
    tl = Timeline(load_registry(path))
    last_state = {}
    for date, state in sim.states:  # the state after the last event of each date
        last_state[date] = state
    check_dates = sorted(last_state) or [START + dt.timedelta(days=1)]
    for date in check_dates:
        table = tl.units_as_of(date)
        assert dict(zip(table.index, table["parent_id"])) == last_state.get(date, {u: p for u, (k, p) in sim.defs.items()})
        rec = P.progress(tl, START, date).set_index("kind")
        for kind in ("agency", "psu", "all"):
            r = rec.loc[kind]
            assert r["baseline"] + r["opened"] - r["closed"] == r["current"]
        counted = table[table["kind"] != "government"]
        assert counted["parent_id"].isin(table.index).all()


@st.composite
def reclassifications(draw):
    """Units that change name, sector and locality by ``reclassify`` (some on the same day, in
    file order) and sometimes merge; the simulator keeps each open unit's values."""
    n = draw(st.integers(2, 6))
    attrs = {f"U{i}": {"name": f"Đơn vị {i}", "sector": "health", "locality": "A"} for i in range(n)}
    open_units = set(attrs)
    events, states, day = [], [], START
    for k in range(draw(st.integers(1, 12))):
        day = day + dt.timedelta(days=draw(st.sampled_from([0, 1, 40])) or (1 if day == START else 0))
        live = sorted(open_units)
        if len(live) > 1 and draw(st.booleans()) and draw(st.booleans()):
            s, t = draw(st.permutations(live))[:2]
            open_units.discard(s)
            events.append(f"E{k:03d},{day},merge,{s},{t},,,,")
        else:
            u = draw(st.sampled_from(live))
            change = {c: draw(st.sampled_from(values)) for c, values in
                      (("sector", ["health", "education", "culture"]), ("locality", ["A", "B"]), ("name", ["X", "Ý tế", "Z"]))
                      if draw(st.booleans())} or {"sector": "education"}
            attrs[u] = {**attrs[u], **change}
            events.append(f"E{k:03d},{day},reclassify,{u},,,,," + ";".join(f"{c}={v}" for c, v in change.items()))
        states.append((day, {u: dict(attrs[u]) for u in open_units}))
    return n, events, states


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=reclassifications())
def test_attributes_in_force_match_simulator(case, tmp_path_factory):
    n, events, states = case
    units = "".join(f"U{i},Đơn vị {i},psu,district,health,P,A,{10 + i},,,\n" for i in range(n))
    path = write_registry(tmp_path_factory.mktemp("r"), "P,Gốc,government,province,general,,province,1,,,\n" + units,
                          "".join(e + "\n" for e in events),
                          events_header="event_id,date,type,sources,targets,new_parent_id,legal_basis,note,changes")
    tl = Timeline(load_registry(path))
    last = {}
    for date, state in states:
        last[date] = state
    for date, state in last.items():
        table = tl.units_as_of(date)
        got = {u: {c: table.at[u, c] for c in ("name", "sector", "locality")} for u in table.index if u != "P"}
        assert got == state
        for sector in ("health", "education", "culture"):
            assert tl.count("psu", date, {"sector": sector}) == sum(a["sector"] == sector for a in state.values())
