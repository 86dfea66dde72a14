"""Candidate moves: vectorised generation against a plain double loop, haversine distances."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orgmodel.moves import MoveRules, candidate_moves, group_codes, haversine_km


def sphere_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a 6371.0 km sphere by the Vincenty (atan2) formula: an
    independent derivation from the module's haversine, exact for antipodes and tiny arcs."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.hypot(math.cos(p2) * math.sin(dl), math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl))
    x = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.atan2(y, x)


def naive_moves(units: pd.DataFrame, rules: MoveRules) -> set:
    """The contract's definition of a move, written as a double loop."""
    out = set()
    recs = units.to_dict("index")
    for u, a in recs.items():
        for v, b in recs.items():
            if u == v or u in rules.protected:
                continue
            if any(pd.isna(a[c]) or pd.isna(b[c]) or a[c] != b[c] for c in rules.merge_within):
                continue
            d = 0.0
            if not any(pd.isna(x) for x in (a["lat"], a["lon"], b["lat"], b["lon"])):
                d = sphere_km(a["lat"], a["lon"], b["lat"], b["lon"])
            if rules.max_distance_km is not None and d > rules.max_distance_km:
                continue
            if rules.max_staff is not None and a["staff"] + b["staff"] > rules.max_staff:
                continue
            cost = rules.per_merge + a["staff"] * (rules.staff_moved + rules.staff_km * d)
            out.add((u, v, round(d, 6), round(cost, 6)))
    return out


@st.composite
def unit_tables(draw):
    n = draw(st.integers(0, 14))
    coords = draw(st.booleans())
    ids = [f"U{i:02d}" for i in range(n)]
    df = pd.DataFrame({
        "parent_id": [draw(st.sampled_from(["P", "Q", "R", None])) for _ in ids],
        "sector": [draw(st.sampled_from(["a", "b"])) for _ in ids],
        "staff": [draw(st.integers(0, 50)) for _ in ids],
        "lat": [20 + draw(st.integers(0, 100)) / 100 if coords else np.nan for _ in ids],
        "lon": [106 + draw(st.integers(0, 100)) / 100 if coords else np.nan for _ in ids],
    }, index=pd.Index(ids, name="unit_id"))
    rules = MoveRules(
        merge_within=draw(st.sampled_from([("parent_id", "sector"), ("parent_id",), ("sector",), ()])),
        max_distance_km=draw(st.sampled_from([None, 20.0, 60.0])) if coords else None,
        max_staff=draw(st.sampled_from([None, 40, 70])),
        protected=tuple(draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))) if ids else (),
        per_merge=10.0, staff_moved=1.0, staff_km=draw(st.sampled_from([0.0, 0.1])),
    )
    return df, rules


@settings(max_examples=80, deadline=None)
@given(case=unit_tables())
def test_vectorised_moves_match_the_definition(case):
    units, rules = case
    moves = candidate_moves(units, rules)
    got = {(r.unit_id, r.into_id, round(r.distance_km, 6), round(r.cost, 6)) for r in moves.itertuples()}
    assert got == naive_moves(units, rules)
    assert list(zip(moves["unit_id"], moves["into_id"])) == sorted(zip(moves["unit_id"], moves["into_id"]))
    ids = units.index.to_numpy()
    assert (ids[moves["u"]] == moves["unit_id"]).all() and (ids[moves["v"]] == moves["into_id"]).all()


@settings(max_examples=200, deadline=None)
@given(lat1=st.floats(-89.9, 89.9), lon1=st.floats(-180, 180), lat2=st.floats(-89.9, 89.9), lon2=st.floats(-180, 180))
def test_haversine_equals_an_independent_formula(lat1, lon1, lat2, lon2):
    got = float(haversine_km(np.array([lat1]), np.array([lon1]), np.array([lat2]), np.array([lon2]))[0])
    assert got == pytest.approx(sphere_km(lat1, lon1, lat2, lon2), rel=1e-9, abs=1e-6)


def test_haversine_known_distances():
    # Hà Nội (21.0285, 105.8542) to Hạ Long (20.9517, 107.0806): about 127.6 km
    assert haversine_km(21.0285, 105.8542, 20.9517, 107.0806) == pytest.approx(127.6, abs=0.5)
    # a quarter of a meridian, and a quarter of the equator: pi R / 2
    assert haversine_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(math.pi * 6371.0 / 2, rel=1e-12)
    assert haversine_km(0.0, 10.0, 0.0, 100.0) == pytest.approx(math.pi * 6371.0 / 2, rel=1e-12)
    # on the 60th parallel, 1 degree of longitude is a chord of the small circle of radius R/2:
    # the great circle through both points is 2 R asin(sin(0.5 deg) / 2)
    assert haversine_km(60.0, 0.0, 60.0, 1.0) == pytest.approx(2 * 6371.0 * math.asin(math.sin(math.radians(0.5)) / 2), rel=1e-9)
    # one degree of latitude on a 6371.0 km sphere
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(2 * math.pi * 6371.0 / 360, rel=1e-12)
    assert haversine_km(21.0, 107.0, 21.0, 107.0) == 0.0
    assert haversine_km(np.array([0.0, 10.0]), np.array([0.0, 20.0]), np.array([0.0, 10.0]), np.array([180.0, 20.0])).tolist() == pytest.approx([math.pi * 6371.0, 0.0])


def test_group_codes_leave_units_with_missing_values_out():
    df = pd.DataFrame({"parent_id": ["P", "P", None, ""], "sector": ["a", "a", "a", "a"]})
    codes = group_codes(df, ("parent_id", "sector"))
    assert codes[0] == codes[1] >= 0 and codes[2] == -1 and codes[3] == -1
    assert (group_codes(df, ()) == 0).all()


def test_generation_is_vectorised_at_scale():
    """20,000 units in groups of ~40: about 800,000 pairs, generated well under a second."""
    import time

    rng = np.random.default_rng(0)
    n = 20_000
    df = pd.DataFrame({
        "parent_id": rng.integers(0, 500, n).astype(str), "sector": "education",
        "staff": rng.integers(5, 80, n), "lat": 20 + rng.random(n), "lon": 106 + rng.random(n),
    }, index=pd.Index([f"S{i:05d}" for i in range(n)], name="unit_id"))
    t0 = time.perf_counter()
    moves = candidate_moves(df, MoveRules(max_distance_km=30.0))
    assert time.perf_counter() - t0 < 3.0
    assert len(moves) > 100_000
