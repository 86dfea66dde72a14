"""The simulation driver (year by year: hooks, then filler events sized to hit each target), the
export of the public tables and an independent count straight from them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .filler import run_filler
from .tables import EVENT_COLUMNS, EXTRA_COLUMNS, FIRST_YEAR, LAST_YEAR, LEADERS, START, UNIT_COLUMNS, UNIT_COLUMNS_V1
from .territory import commune_successors, final_commune
from .world import World

def _window(year: int, hook_dates: list[str]) -> tuple[tuple[str, str], bool]:
    """Filler dates: after the year's last hook when that is in the first half-year, else before
    its first hook. Returns (window, filler_first)."""
    if not hook_dates:
        return (f"{year}-01-02", f"{year}-12-31"), False
    last, first = max(hook_dates), min(hook_dates)
    if last <= f"{year}-06-30":
        return (str(np.datetime64(last) + 1), f"{year}-12-31"), False
    return (f"{year}-01-02", str(np.datetime64(first) - 1)), True


def simulate(w: World, hooks: dict[int, list], targets: dict[int, dict[str, tuple[str, np.ndarray]]],
             years=range(FIRST_YEAR, LAST_YEAR + 1)) -> dict[str, dict[str, np.ndarray]]:
    """Run every year: hooks (in date order) and filler events per kind, sized so that each
    ``("count", array)`` target is met exactly at year end (``("frac", array)``: that share of the
    count is removed). Returns year-end counts per kind and province."""
    history = {START: {k: w.counts(k) for k in ("agency", "psu")}}
    for year in years:
        year_hooks = sorted(hooks.get(year, []), key=lambda h: h[0])
        window, filler_first = _window(year, [h[0] for h in year_hooks])

        def run_hooks():
            for date, fn, provs in year_hooks:
                fn(w, date, provs)

        def run_fill():
            for kind in ("agency", "psu"):
                how, value = targets[year][kind]
                current = w.counts(kind)
                if how == "count":
                    assert not filler_first, "count targets need the filler after the hooks"
                    need = np.asarray(value) - current
                else:
                    need = -np.floor(np.asarray(value) * current + 0.5).astype(np.int64)
                run_filler(w, kind, need, window)

        if filler_first:
            run_fill()
            run_hooks()
        else:
            run_hooks()
            run_fill()
        history[f"{year}-12-31"] = {k: w.counts(k) for k in ("agency", "psu")}
        for kind, (how, value) in targets[year].items():
            if how == "count":
                assert (history[f"{year}-12-31"][kind] == value).all(), f"{year} {kind} missed its calibrated count"
    return history


def export(w: World, event_prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The public tables: units (contract columns) and events sorted by date (file order within
    a date = generation order), with sequential event ids."""
    src = w.units
    u = src[UNIT_COLUMNS_V1 + ["unit_type"]].copy()
    u["staff"] = u["staff"].astype(np.int64)
    u["code"] = src["official_code"].fillna("") if "official_code" in src else ""
    u["population"] = (src["population"] if "population" in src else pd.Series(pd.NA, index=src.index)).astype("Int64")
    u["area_km2"] = (src["area_km2"] if "area_km2" in src else pd.Series(np.nan, index=src.index)).astype(float).round(2)
    u["heads"], u["deputies"] = leadership(u["unit_type"].to_numpy(dtype=object), u["kind"].to_numpy(dtype=object),
                                           u["staff"].to_numpy())
    cols = UNIT_COLUMNS
    if w.territory is not None:      # Quảng Ninh: where each health station stands in the 2025 communes
        succ = commune_successors(w.territory)
        station = (src["category"] == "station").to_numpy()
        u["commune_2025"] = [final_commune(succ, c) if s else "" for c, s in zip(src["commune"], station)]
        cols = UNIT_COLUMNS + EXTRA_COLUMNS
    u = u[cols]
    u["autonomy"] = u["autonomy"].astype("Int64").where(u["kind"] == "psu", pd.NA)
    u["lat"], u["lon"] = u["lat"].astype(float).round(5), u["lon"].astype(float).round(5)
    e = pd.DataFrame(w.events, columns=EVENT_COLUMNS[1:])
    e = e.sort_values("date", kind="stable").reset_index(drop=True)
    width = max(5, len(str(len(e))))
    e.insert(0, "event_id", [f"{event_prefix}{i:0{width}d}" for i in range(1, len(e) + 1)])
    for df in (u, e):
        for col in df.columns:
            if pd.api.types.is_string_dtype(df[col]) or df[col].dtype == object:
                df[col] = df[col].astype(str).str.normalize("NFC")
    return u, e


def leadership(unit_type: np.ndarray, kind: np.ndarray, staff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heads and deputies each unit holds when it first exists (``LEADERS``, by type and staff)."""
    keys = [t if t in LEADERS else f"*{k}" if f"*{k}" in LEADERS else "*agency" for t, k in zip(unit_type, kind)]
    table = np.array([LEADERS[k] for k in keys], dtype=np.int64).reshape(-1, 4)
    heads, small, large, from_staff = table.T
    return heads, np.where((from_staff > 0) & (staff >= from_staff), large, small)


NEW_TYPES = ("establish", "consolidate", "split", "separate")
CLOSING_TYPES = ("merge", "consolidate", "split", "dissolve")


def life_dates(units: pd.DataFrame, events: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each unit's opening and closing date (ISO text; "0000-00-00" when open from the start,
    "9999-12-31" when never closed), straight from the public tables."""
    def first_date(col, types):
        ev = events[events["type"].isin(types)][["date", col]].copy()
        ev["uid"] = ev[col].astype(str).str.split(";")
        ev = ev.explode("uid")
        ev["uid"] = ev["uid"].str.strip()
        ev = ev[ev["uid"] != ""].sort_values("date", kind="stable").drop_duplicates("uid", keep="first")
        return ev.set_index("uid")["date"]

    opened = units["unit_id"].map(first_date("targets", NEW_TYPES)).fillna("0000-00-00").astype(str)
    closed = units["unit_id"].map(first_date("sources", CLOSING_TYPES)).fillna("9999-12-31").astype(str)
    return opened, closed


def count_units(units: pd.DataFrame, events: pd.DataFrame, dates) -> pd.DataFrame:
    """Open units per kind as of each date (events dated <= D included), straight from the
    public tables: an independent check of the simulation's own counts."""
    opened, closed = life_dates(units, events)
    rows = []
    for d in dates:
        live = (opened <= d) & (closed > d)
        c = units.loc[live, "kind"].value_counts()
        rows.append(dict(date=d, agency=int(c.get("agency", 0)), psu=int(c.get("psu", 0)),
                         government=int(c.get("government", 0))))
    out = pd.DataFrame(rows)
    out["all"] = out["agency"] + out["psu"]
    return out[["date", "agency", "psu", "all", "government"]]


