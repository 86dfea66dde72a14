"""Candidate moves: every pair (u, v) where u may be absorbed into v under a scenario's rules.

Pairs are generated per ``merge_within`` group with whole-array numpy operations (no Python loop
over units or pairs): units are sorted by group, and for a group of n units starting at row s
the n*n pairs are laid out with ``np.repeat`` and offsets; the self-pairs, protected sources,
pairs beyond ``max_distance_km`` (haversine, R = 6371.0 km) and pairs whose combined staff
already exceeds ``max_staff`` are then masked out. The result is a tidy table, one row per move,
sorted by (unit_id, into_id), carrying the cost of the move in the objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0

MOVE_COLUMNS = ["unit_id", "into_id", "u", "v", "group", "distance_km", "cost"]


@dataclass(frozen=True)
class MoveRules:
    """What decides whether (u, v) is a move, and what it costs."""

    merge_within: tuple[str, ...] = ("parent_id", "sector")
    max_distance_km: float | None = None
    max_staff: int | None = None
    protected: tuple[str, ...] = ()
    per_merge: float = 10.0
    staff_moved: float = 1.0
    staff_km: float = 0.1


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between arrays of points (degrees), Earth radius 6371.0 km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def group_codes(units: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """Integer group of each unit by ``columns`` (-1 where a value is missing: such a unit shares
    nothing and takes part in no move). Codes follow the sorted group values, so they are stable."""
    n = len(units)
    if not columns:
        return np.zeros(n, dtype=np.int64)
    keys = units[list(columns)].astype("string")
    missing = keys.isna().any(axis=1).to_numpy() | (keys == "").any(axis=1).to_numpy()
    codes = keys.fillna("").groupby(list(columns), sort=True, dropna=False).ngroup().to_numpy(dtype=np.int64, copy=True)
    codes[missing] = -1
    return codes


def _pairs_by_group(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs (i, j), i != j, of rows sharing a group code >= 0, vectorised."""
    rows = np.flatnonzero(codes >= 0)
    if rows.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = rows[np.argsort(codes[rows], kind="stable")]
    sc = codes[order]
    starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
    sizes = np.diff(np.r_[starts, sc.size])
    keep = sizes > 1
    starts, sizes = starts[keep], sizes[keep]
    if starts.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # each member k of a group of size n (starting at s) pairs with rows s .. s+n-1
    member_start = np.repeat(starts, sizes)
    member_size = np.repeat(sizes, sizes)
    member_pos = member_start + (np.arange(member_size.size) - np.repeat(np.cumsum(sizes) - sizes, sizes))
    total = member_size.sum()
    first = np.repeat(member_pos, member_size)
    offset = np.arange(total) - np.repeat(np.cumsum(member_size) - member_size, member_size)
    second = np.repeat(member_start, member_size) + offset
    keep = first != second
    return order[first[keep]], order[second[keep]]


def candidate_moves(units: pd.DataFrame, rules: MoveRules) -> pd.DataFrame:
    """The moves among ``units`` (index unit_id, sorted; columns staff, lat, lon and the
    ``merge_within`` columns). Columns: unit_id, into_id, u, v (row positions in ``units``),
    group (merge_within group code), distance_km (0 when either end has no lat/lon), cost."""
    ids = units.index.to_numpy(dtype=object)
    codes = group_codes(units, rules.merge_within)
    u, v = _pairs_by_group(codes)
    if rules.protected:
        prot = np.isin(ids, np.asarray(rules.protected, dtype=object))
        keep = ~prot[u]
        u, v = u[keep], v[keep]
    staff = units["staff"].to_numpy(dtype=np.int64)
    if rules.max_staff is not None:
        keep = staff[u] + staff[v] <= rules.max_staff
        u, v = u[keep], v[keep]
    if rules.max_distance_km is not None:
        # cheap exact pre-filter: a great circle is never shorter than the latitude difference
        lat = np.radians(units["lat"].to_numpy(dtype=float, na_value=np.nan))
        keep = np.abs(lat[u] - lat[v]) * EARTH_RADIUS_KM <= rules.max_distance_km * (1 + 1e-9)
        u, v = u[keep], v[keep]
        dist = _distances(units, u, v)
        keep = dist <= rules.max_distance_km
        u, v, dist = u[keep], v[keep], dist[keep]
    else:
        dist = _distances(units, u, v)
    cost = rules.per_merge + staff[u] * (rules.staff_moved + rules.staff_km * dist)
    order = np.lexsort((v, u))  # units are sorted by id, so this sorts by (unit_id, into_id)
    u, v, dist, cost = u[order], v[order], dist[order], cost[order]
    return pd.DataFrame({
        "unit_id": ids[u],
        "into_id": ids[v],
        "u": u,
        "v": v,
        "group": codes[u],
        "distance_km": dist,
        "cost": cost,
    }, columns=MOVE_COLUMNS)


def _distances(units: pd.DataFrame, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if "lat" not in units.columns or "lon" not in units.columns or u.size == 0:
        return np.zeros(u.size)
    lat = units["lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = units["lon"].to_numpy(dtype=float, na_value=np.nan)
    d = haversine_km(lat[u], lon[u], lat[v], lon[v])
    return np.where(np.isnan(d), 0.0, d)
