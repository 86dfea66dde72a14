"""Filler events: each year, after (or before) the hooks, filler events bring every (province,
kind) count to its target. Roles are drawn from leaf units only (no children), disjoint within a
year, and new units take part only from the next year, so events of one year never depend on each
other's order. Everything is vectorised over tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .tables import CATEGORY_OPS, NEW_DIVISION_NAMES, SCHOOLS
from .world import World, _clip_coords

CATS_WITH = {op: sorted(c for c, (_, ops, _) in CATEGORY_OPS.items() if op in ops)
             for op in ("merge", "dissolve", "consolidate", "split", "separate", "establish", "transfer")}
CAT_WEIGHT = {c: wt for c, (_, _, wt) in CATEGORY_OPS.items()}
CONSOLIDATION_PAIRS = {"agency": ("division", "division"), "psu": ("school-th", "school-thcs")}
# Expected share of a year's reduction done by each kind of event (Poisson means per unit reduced).
MIX = dict(consolidate=0.06, split=0.02, split_base=0.3, separate=0.02, separate_base=0.3, establish=0.05,
           establish_base=0.4, transfer=0.5, dissolve=0.2)


def _pool(w: World, kind: str) -> pd.DataFrame:
    """Open leaf units of ``kind`` that filler events may touch, each with its group's anchor:
    a random member of its (parent, category[, locality]) group, which never closes this year and
    receives merges and the functions of dissolved siblings."""
    cats = [c for c, (k, _, _) in CATEGORY_OPS.items() if k == kind]
    idx = np.flatnonzero(w.is_open & (w.kind == kind) & np.isin(w.cat, cats))
    cat = w.cat[idx].astype(str)
    loc = w.locality[idx].astype(str) if kind == "psu" else np.full(len(idx), "")
    cat_code, loc_code, par = pd.factorize(cat, sort=True)[0], pd.factorize(loc, sort=True)[0], w.parent[idx]
    r = w.rng.random(len(idx))
    o = np.lexsort((r, loc_code, cat_code, par))
    idx, cat, loc, par, cat_code, loc_code = idx[o], cat[o], loc[o], par[o], cat_code[o], loc_code[o]
    new_group = np.ones(len(idx), dtype=bool)
    new_group[1:] = (par[1:] != par[:-1]) | (cat_code[1:] != cat_code[:-1]) | (loc_code[1:] != loc_code[:-1])
    anchor = idx[np.flatnonzero(new_group)][np.cumsum(new_group) - 1]
    return pd.DataFrame({"idx": idx, "prov": w.prov[idx], "parent": par, "cat": cat, "loc": loc,
                         "fillable": w.fillable[idx], "w": pd.Series(cat).map(CAT_WEIGHT).to_numpy(dtype=float),
                         "anchor": anchor, "is_anchor": idx == anchor})


def _take(df: pd.DataFrame, counts: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Weighted random sample without replacement of ``counts[p]`` rows per province ``p``."""
    if df.empty:
        return df
    key = rng.exponential(size=len(df)) / df["w"].to_numpy()
    order = np.lexsort((key, df["prov"].to_numpy()))
    prov = df["prov"].to_numpy()[order]
    rank = np.arange(len(prov)) - np.searchsorted(prov, prov, side="left")   # position within the province
    return df.iloc[order[rank < counts[prov]]]


def _per_prov(df: pd.DataFrame, n: int) -> np.ndarray:
    return np.bincount(df["prov"].to_numpy(dtype=np.int64), minlength=n) if len(df) else np.zeros(n, dtype=np.int64)


def _pairs(avail: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Candidate pairs for a consolidation, within the same (parent, locality)."""
    a, b = CONSOLIDATION_PAIRS[kind]
    keys = ["parent", "loc"]
    A = avail[avail["cat"] == a].copy()
    A["rk"] = A.groupby(keys, sort=False).cumcount()
    if a == b:
        first, second = A[A["rk"] % 2 == 0].copy(), A[A["rk"] % 2 == 1].copy()
        first["rk"] //= 2
        second["rk"] //= 2
    else:
        first = A
        second = avail[avail["cat"] == b].copy()
        second["rk"] = second.groupby(keys, sort=False).cumcount()
    pairs = first.merge(second[keys + ["rk", "idx"]], on=keys + ["rk"], suffixes=("", "_b"))
    return pairs.rename(columns={"idx": "a", "idx_b": "b"})


def _transfer_candidates(w: World, pool: pd.DataFrame) -> pd.DataFrame:
    """Centres that can move: from a department to the province UBND, or from the UBND to the
    department of their sector."""
    c = pool[pool["cat"].isin(CATS_WITH["transfer"])].copy()
    if c.empty:
        return c.assign(new_parent=pd.Series(dtype=np.int64))
    depts = w.find(None, category="dept")
    lookup = {(int(w.prov[d]), w.sector[d]): int(d) for d in depts[::-1]}
    roots = np.array([w.root(p) for p in range(len(w.specs))])
    par_gov = w.kind[c["parent"].to_numpy()] == "government"
    to_dept = [lookup.get((int(p), w.sector[i]), -1) for p, i in zip(c["prov"], c["idx"])]
    c["new_parent"] = np.where(par_gov, to_dept, roots[c["prov"].to_numpy()])
    c = c[(c["new_parent"] >= 0) & (c["new_parent"] != c["parent"])]
    return c[w.is_open[c["new_parent"].to_numpy()]]


@dataclass
class FillerPlan:
    """The units chosen for each role in one (year, kind)."""

    consolidate: pd.DataFrame
    split: pd.DataFrame
    separate: pd.DataFrame
    transfer: pd.DataFrame
    establish: pd.DataFrame
    dissolve: pd.DataFrame
    merge: pd.DataFrame


def plan_filler(w: World, kind: str, need: np.ndarray) -> FillerPlan:
    """Choose disjoint units for each event type so that, per province, opened - closed = need."""
    rng, n = w.rng, len(w.specs)
    red = -np.asarray(need, dtype=np.int64)
    pos = np.maximum(red, 0).astype(float)
    pool = _pool(w, kind)
    used = np.zeros(len(w.units), dtype=bool)
    elig = pool[pool["fillable"] & ~pool["is_anchor"]]

    def avail(op: str) -> pd.DataFrame:
        e = elig[elig["cat"].isin(CATS_WITH[op])]
        return e[~used[e["idx"].to_numpy()]]

    def take(df, counts) -> pd.DataFrame:
        got = _take(df, counts, rng)
        for col in ("idx", "a", "b"):
            if col in got:
                used[got[col].to_numpy(dtype=np.int64)] = True
        return got

    cons = take(_pairs(avail("consolidate"), kind), rng.poisson(MIX["consolidate"] * pos))
    big = avail("split")
    big = big[w.units["staff"].to_numpy()[big["idx"].to_numpy(dtype=np.int64)] >= 36]   # halves keep >= 18 posts
    split = take(big, rng.poisson(MIX["split"] * pos + MIX["split_base"]))
    sep = take(avail("separate"), rng.poisson(MIX["separate"] * pos + MIX["separate_base"]))
    trans = take(_transfer_candidates(w, pool), rng.poisson(MIX["transfer"], size=n)) if kind == "psu" else pool.iloc[:0]
    n_est = rng.poisson(MIX["establish"] * pos + MIX["establish_base"])
    closures = red - _per_prov(cons, n) + _per_prov(split, n) + _per_prov(sep, n) + n_est
    n_est += np.maximum(-closures, 0)
    est = _take(pool[pool["cat"].isin(CATS_WITH["establish"])], n_est, rng)
    closures = red - _per_prov(cons, n) + _per_prov(split, n) + _per_prov(sep, n) + _per_prov(est, n)
    if (closures < 0).any():
        raise RuntimeError(f"not enough models to establish {kind} units: {closures}")
    diss = take(avail("dissolve"), rng.binomial(closures, MIX["dissolve"]))
    n_merge = closures - _per_prov(diss, n)
    merge = take(avail("merge"), n_merge)
    short = n_merge - _per_prov(merge, n)
    if short.any():
        raise RuntimeError(f"not enough {kind} units to merge: short by {short[short > 0]} in provinces {np.flatnonzero(short)}")
    return FillerPlan(cons, split, sep, trans, est, diss, merge)


def _rand_dates(rng: np.random.Generator, n: int, window: tuple[str, str]) -> np.ndarray:
    lo, hi = np.datetime64(window[0]), np.datetime64(window[1])
    days = rng.integers(0, int((hi - lo).astype(int)) + 1, size=n)
    return (lo + days).astype(str)


def run_filler(w: World, kind: str, need: np.ndarray, window: tuple[str, str]) -> None:
    """Plan and apply one year's filler events for ``kind``."""
    plan = plan_filler(w, kind, need)
    before = w.counts(kind)
    _emit_consolidations(w, plan.consolidate, kind, window)
    _emit_splits(w, plan.split, window)
    _emit_separations(w, plan.separate, kind, window)
    _emit_establishments(w, plan.establish, kind, window)
    _emit_transfers(w, plan.transfer, window)
    _emit_dissolutions(w, plan.dissolve, window)
    _emit_merges(w, plan.merge, window)
    assert (w.counts(kind) - before == need).all(), "filler missed its target"


# ---------------------------------------------------------------------- emitting filler events


def _subject(name: str) -> str:
    return name.removeprefix("Phòng ")


def _derived(w: World, templates: np.ndarray, *, category, names, ids, parents, staff, autonomy, jitter=0.004) -> pd.DataFrame:
    """New unit rows copied from ``templates`` with new identity, parent and numbers."""
    rows = w.units.iloc[templates].copy().reset_index(drop=True)
    n = len(rows)
    rows["unit_id"], rows["name"], rows["category"] = ids, names, category
    rows["parent_id"] = w.ids[np.asarray(parents, dtype=np.int64)]
    rows["staff"] = np.asarray(staff, dtype=np.int64)
    rows["autonomy"] = pd.array(autonomy, dtype="Int64")
    rows["code"] = [SCHOOLS[c][0] if c in SCHOOLS else "P" for c in np.broadcast_to(category, n)]
    rows["unit_type"] = [SCHOOLS[c][5] if c in SCHOOLS else t for c, t in zip(np.broadcast_to(category, n), rows["unit_type"])]
    rows["fillable"], rows["container"], rows["idnum"] = True, False, -1
    lat = rows["lat"].to_numpy(dtype=float) + w.rng.normal(size=n) * jitter
    lon = rows["lon"].to_numpy(dtype=float) + w.rng.normal(size=n) * jitter
    for p in np.unique(rows["prov"]):
        m = rows["prov"].to_numpy() == p
        lat[m], lon[m] = _clip_coords(lat[m], lon[m], w.specs[p].bbox)
    rows["lat"], rows["lon"] = lat, lon
    return rows


def _school_prefix(w: World, idx: np.ndarray, category) -> list[str]:
    cats = np.broadcast_to(category, len(idx))
    return [f"{w.specs[w.prov[i]].code}-THPT-" if c == "school-thpt" else f"{w.dprefix[i]}-{SCHOOLS[c][0]}-"
            for i, c in zip(idx, cats)]


def _division_prefix(w: World, parents: np.ndarray) -> list[str]:
    return [f"{w.ids[p]}-P" for p in parents]


def _new_identity(w: World, templates: np.ndarray, parents: np.ndarray, category, places=None, names=None):
    """Ids (continuing each family) and names for new units of one category per template."""
    cats = list(np.broadcast_to(category, len(templates)))
    if cats and cats[0] in SCHOOLS:
        prefixes, width = _school_prefix(w, templates, cats), 3
        names = w.school_names(w.dprefix[templates], cats, places) if names is None else names
    else:
        prefixes, width = _division_prefix(w, parents), 2
        if names is None:
            names = [NEW_DIVISION_NAMES[k] for k in w.rng.integers(len(NEW_DIVISION_NAMES), size=len(templates))]
    ids = w.next_ids(prefixes, [width] * len(prefixes))
    return ids, names, prefixes


def _emit_consolidations(w: World, pairs: pd.DataFrame, kind: str, window) -> None:
    if pairs.empty:
        return
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    parents = w.parent[a]
    staff = w.units["staff"].to_numpy()
    aut = w.units["autonomy"].to_numpy(dtype=float, na_value=np.nan)
    if kind == "psu":
        cat = "school-ths"
        ids, names, prefixes = _new_identity(w, a, parents, cat, places=w.units["place"].to_numpy()[a])
        autonomy = [None if np.isnan(x) else int(x) for x in np.fmin(aut[a], aut[b])]
    else:
        cat = "division"
        names = [f"Phòng {_subject(w.uname[i])} và {_subject(w.uname[j])}" for i, j in zip(a, b)]
        ids, names, prefixes = _new_identity(w, a, parents, cat, names=names)
        autonomy = [None] * len(a)
    merged = ((staff[a] + staff[b]) * 0.9).astype(np.int64)
    if kind == "psu":
        merged = np.minimum(merged, SCHOOLS[cat][3] + 25)   # a combined school keeps at most ~80 posts
    rows = _derived(w, a, category=cat, names=names, ids=ids, parents=parents, staff=merged, autonomy=autonomy)
    rows["idprefix"] = prefixes
    new = w.add_units(rows)
    w.open_units(new)
    w.close_units(np.concatenate([a, b]), successor=np.concatenate([new, new]))
    for d, i, j, t, lg in zip(_rand_dates(w.rng, len(a), window), a, b, new, w.legal(len(a))):
        w.record(d, "consolidate", [i, j], [t], legal=lg, note=f"Hợp nhất {w.uname[i]} và {w.uname[j]} thành {w.uname[t]}.")


def _emit_splits(w: World, chosen: pd.DataFrame, window) -> None:
    if chosen.empty:
        return
    src = chosen["idx"].to_numpy(dtype=np.int64)
    twice = np.repeat(src, 2)
    cats = w.cat[twice]
    places = w.units["place"].to_numpy()[twice]
    ids, names, prefixes = _new_identity(w, twice, w.parent[twice], cats, places=places)
    staff = w.units["staff"].to_numpy()[src]
    halves = np.column_stack([staff // 2, staff - staff // 2]).ravel()
    rows = _derived(w, twice, category=cats, names=names, ids=ids, parents=w.parent[twice], staff=halves,
                    autonomy=w.units["autonomy"].to_numpy()[twice])
    rows["idprefix"] = prefixes
    new = w.add_units(rows).reshape(-1, 2)
    w.open_units(new.ravel())
    w.close_units(src)
    for d, s, (t1, t2), lg in zip(_rand_dates(w.rng, len(src), window), src, new, w.legal(len(src))):
        w.record(d, "split", [s], [t1, t2], legal=lg,
                 note=f"Chia {w.uname[s]} thành {w.uname[t1]} và {w.uname[t2]} do số lớp, số học sinh tăng.")


def _emit_separations(w: World, chosen: pd.DataFrame, kind: str, window) -> None:
    if chosen.empty:
        return
    src = chosen["idx"].to_numpy(dtype=np.int64)
    cats = w.cat[src]
    staff = w.units["staff"].to_numpy()[src]
    if kind == "psu":
        ids, names, prefixes = _new_identity(w, src, w.parent[src], cats, places=w.units["place"].to_numpy()[src])
        new_staff, autonomy = np.maximum(15, staff // 3), w.units["autonomy"].to_numpy()[src]
        verb = "Tách điểm trường của {s} để thành lập {t}."
    else:
        ids, names, prefixes = _new_identity(w, src, w.parent[src], cats)
        new_staff, autonomy = np.full(len(src), 5), [None] * len(src)
        verb = "Tách một bộ phận của {s} để thành lập {t}."
    rows = _derived(w, src, category=cats, names=names, ids=ids, parents=w.parent[src], staff=new_staff, autonomy=autonomy)
    rows["idprefix"] = prefixes
    new = w.add_units(rows)
    w.open_units(new)
    for d, s, t, lg in zip(_rand_dates(w.rng, len(src), window), src, new, w.legal(len(src))):
        w.record(d, "separate", [s], [t], legal=lg, note=verb.format(s=w.uname[s], t=w.uname[t]))


def _emit_establishments(w: World, models: pd.DataFrame, kind: str, window) -> None:
    if models.empty:
        return
    m = models["idx"].to_numpy(dtype=np.int64)
    cats = w.cat[m]
    parents = w.parent[m]
    if kind == "psu":
        pools = [w.districts[w.dprefix[i]].places for i in m]
        places = [pl[int(k) % len(pl)] for pl, k in zip(pools, w.rng.integers(0, 10**6, size=len(m)))]
        ids, names, prefixes = _new_identity(w, m, parents, cats, places=places)
        lo = np.array([SCHOOLS[c][2] for c in cats])
        staff = w.rng.integers(lo, lo + 15)
        autonomy = np.where(w.rng.random(len(m)) < 0.7, 4, 3)
        note = "Thành lập {t} đáp ứng nhu cầu học tập tại khu dân cư mới."
    else:
        places = None
        ids, names, prefixes = _new_identity(w, m, parents, cats)
        staff, autonomy = w.rng.integers(5, 10, size=len(m)), [None] * len(m)
        note = "Thành lập {t} thuộc {p}."
    rows = _derived(w, m, category=cats, names=names, ids=ids, parents=parents, staff=staff, autonomy=autonomy, jitter=0.01)
    rows["idprefix"] = prefixes
    if places is not None:
        rows["place"] = places
    new = w.add_units(rows)
    w.open_units(new)
    for d, t, p, lg in zip(_rand_dates(w.rng, len(m), window), new, parents, w.legal(len(m))):
        w.record(d, "establish", targets=[t], legal=lg, note=note.format(t=w.uname[t], p=w.uname[p]))


def _emit_transfers(w: World, chosen: pd.DataFrame, window) -> None:
    if chosen.empty:
        return
    for d, (s, np_), lg in zip(_rand_dates(w.rng, len(chosen), window),
                               chosen[["idx", "new_parent"]].to_numpy(dtype=np.int64), w.legal(len(chosen))):
        old = w.parent[s]
        w.transfer([s], int(np_))
        w.record(d, "transfer", [s], new_parent=int(np_), legal=lg,
                 note=f"Chuyển {w.uname[s]} từ {w.uname[old]} về trực thuộc {w.uname[np_]}.")


def _emit_dissolutions(w: World, chosen: pd.DataFrame, window) -> None:
    if chosen.empty:
        return
    src = chosen["idx"].to_numpy(dtype=np.int64)
    anchors = chosen["anchor"].to_numpy(dtype=np.int64)
    with_target = w.rng.random(len(src)) < 0.5
    w.close_units(src)
    for d, s, a, t, lg in zip(_rand_dates(w.rng, len(src), window), src, anchors, with_target, w.legal(len(src))):
        if t:
            w.record(d, "dissolve", [s], [a], legal=lg, note=f"Giải thể {w.uname[s]}; chức năng, nhiệm vụ giao cho {w.uname[a]}.")
        else:
            w.record(d, "dissolve", [s], legal=lg, note=f"Giải thể {w.uname[s]} do không còn chức năng, nhiệm vụ, hoạt động không hiệu quả.")


def _emit_merges(w: World, chosen: pd.DataFrame, window) -> None:
    if chosen.empty:
        return
    groups = chosen.sort_values(["anchor", "idx"]).groupby("anchor", sort=True)["idx"].agg(list)
    w.close_units(chosen["idx"].to_numpy(dtype=np.int64), successor=chosen["anchor"].to_numpy(dtype=np.int64))
    for d, (a, src), lg in zip(_rand_dates(w.rng, len(groups), window), groups.items(), w.legal(len(groups))):
        w.record(d, "merge", src, [a], legal=lg, note=f"Sáp nhập {', '.join(w.uname[src])} vào {w.uname[a]}.")


