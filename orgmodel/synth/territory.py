"""Quảng Ninh's real territory (province, district-level and commune-level units, 2015-2025) from
the territory tables ``data/territory/quang-ninh`` (communes.csv, districts.csv, changes.csv, built
by ``make data`` from vietnamadminunits 1.0.4 and the hand-typed legal texts; see their SOURCES.md),
turned into registry units and into hooks that replay every dated change with its legal basis.

The territory tables name the province ``P22`` and district-level units ``D<code>``; this registry
keeps its readable ids for them (``QN-UBND``, ``HL-UBND`` ...) and the tables' ids for communes
(``C<code>``, ``C2025-<code>``, parts ``C<code>-p<k>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .world import Commune, World

TERRITORY = Path(__file__).resolve().parents[2] / "data" / "territory" / "quang-ninh"
PROVINCE_ID = "P22"
TYPE_PREFIX = re.compile(r"^(?:Phường|Xã|Thị trấn|Đặc khu) ")
VERIFIED = {"yes": "", "partly": " [mức kiểm chứng: một phần, xem data/territory/quang-ninh/SOURCES.md]",
            "no": " [mức kiểm chứng: chưa kiểm chứng đơn vị nhận, xem data/territory/quang-ninh/SOURCES.md]"}


class TerritoryError(ValueError):
    """The territory tables are missing or do not fit the generator."""


@dataclass(frozen=True)
class Territory:
    communes: pd.DataFrame
    districts: pd.DataFrame
    changes: pd.DataFrame
    folder: Path

    def communes_2015(self, district_code: str, lat: float, lon: float, spread: float, bbox) -> tuple[Commune, ...]:
        """The district's commune-level units on the start date (table order), each with a synthetic
        point near the district centre (a generator seeded by the unit's own code, so points do not
        depend on anything else)."""
        c = self.communes
        rows = c[(c["opened"] == "") & (c["district_code"] == district_code)]
        bare = rows["name"].str.replace(TYPE_PREFIX, "", regex=True)
        dup = bare.duplicated(keep=False)
        place = np.where(dup, rows["name"].str[:1].str.lower() + rows["name"].str[1:], bare)
        out = []
        for (_, r), p in zip(rows.iterrows(), place):
            z = np.random.default_rng(int(r["code"])).normal(size=2) * spread * 1.3
            la = float(np.clip(lat + z[0], bbox[0], bbox[1]).round(5))
            lo = float(np.clip(lon + z[1], bbox[2], bbox[3]).round(5))
            out.append(Commune(unit_id=r["unit_id"], code=r["code"], name=r["name"], place=str(p), unit_type=r["unit_type"],
                               lat=la, lon=lo, population=_num(r["population"]), area_km2=_num(r["area_km2"])))
        return tuple(out)

    def district(self, code: str) -> pd.Series:
        return self.districts.set_index("code").loc[code]

    def changes_on(self, date: str) -> pd.DataFrame:
        return self.changes[self.changes["date"] == date]


def _num(text: str) -> float:
    return float(text) if text not in ("", None) else float("nan")


def load_territory(folder: Path | str = TERRITORY) -> Territory:
    """Read the three territory tables (all text)."""
    folder = Path(folder)
    tables = {}
    for name in ("communes", "districts", "changes"):
        path = folder / f"{name}.csv"
        if not path.is_file():
            raise TerritoryError(f"{path}: missing; the Quảng Ninh generator needs the territory tables "
                                 f"(data/territory/quang-ninh, written by `make data`)")
        tables[name] = pd.read_csv(path, dtype=str, keep_default_na=False).apply(lambda s: s.str.normalize("NFC"))
    return Territory(tables["communes"], tables["districts"], tables["changes"], folder)


# ---------------------------------------------------------------------- replaying the changes


def registry_id(w: World, territory_id: str) -> str:
    """The registry's id of a territory-table id (P22 and D<code> become QN-UBND and <d>-UBND)."""
    if territory_id == PROVINCE_ID:
        return "QN-UBND"
    if territory_id.startswith("D") and territory_id[1:].isdigit():
        return f"{w.district_prefix[territory_id[1:]]}-UBND"
    return territory_id


def _ids(w: World, cell: str) -> list[int]:
    return [w.idx(registry_id(w, x.strip())) for x in cell.split(";") if x.strip()]


def _new_communes(w: World, terr: Territory, ids: list[str], sources: list[int]) -> np.ndarray:
    """Add and open the commune-level units ``ids`` (opened by this change) with their table
    attributes: parent = their district (or the province once districts are gone), locality and
    point from their first source, staff from the sources'."""
    c = terr.communes.set_index("unit_id")
    first = sources[0]
    staff = w.units["staff"].to_numpy()[sources].sum()
    lat = float(w.units["lat"].to_numpy(dtype=float)[sources].mean().round(5))
    lon = float(w.units["lon"].to_numpy(dtype=float)[sources].mean().round(5))
    rows = []
    for uid in ids:
        r = c.loc[uid]
        parent = f"{w.district_prefix[r['district_code']]}-UBND" if r["district_code"] else "QN-UBND"
        is_part = "-p" in uid
        share = staff // len(ids) if is_part else int(round(0.85 * staff))
        rows.append(w.new_unit(first, unit_id=uid, name=r["name"], unit_type=r["unit_type"], parent_id=parent,
                               official_code=r["code"], population=_num(r["population"]), area_km2=_num(r["area_km2"]),
                               staff=int(max(share, 8)), lat=lat, lon=lon, level="commune", kind="government",
                               category="gov-commune", place=TYPE_PREFIX.sub("", r["name"]), commune=uid))
    idx = w.add_units(pd.DataFrame(rows))
    w.open_units(idx)
    return idx


def apply_change(w: World, terr: Territory, row: pd.Series) -> tuple[list[int], list[int]]:
    """Apply one row of changes.csv to the world and record it. Returns (sources, targets)."""
    date, typ = row["date"], row["type"]
    src = _ids(w, row["sources"])
    note = row["note"] + VERIFIED.get(row["verified"], "")
    legal = row["legal_basis"]
    if typ in ("consolidate", "split"):
        tgt = list(_new_communes(w, terr, [x.strip() for x in row["targets"].split(";")], src))
    else:
        tgt = _ids(w, row["targets"])
    if typ == "merge":
        w.close_units(np.array(src), successor=tgt[0])
        w.record(date, "merge", src, tgt, legal=legal, note=note)
    elif typ == "consolidate":
        w.close_units(np.array(src), successor=tgt[0])
        w.record(date, "consolidate", src, tgt, legal=legal, note=note)
    elif typ == "split":
        w.close_units(np.array(src))
        w.record(date, "split", src, tgt, legal=legal, note=note)
    elif typ == "dissolve":
        w.close_units(np.array(src))
        w.record(date, "dissolve", src, tgt, legal=legal, note=note)
    elif typ == "transfer":
        parent = w.idx(registry_id(w, row["new_parent_id"]))
        w.transfer(np.array(src), parent)
        w.record(date, "transfer", src, new_parent=parent, legal=legal, note=note)
    elif typ == "reclassify":
        w.record(date, "reclassify", src, legal=legal, note=note, changes=row["changes"])
    else:
        raise TerritoryError(f"{terr.folder / 'changes.csv'}: event type {typ!r} is not replayed by the generator")
    return src, tgt


def commune_successors(terr: Territory) -> dict[str, list[str]]:
    """For every commune id, the ids that carry it on (merge/consolidate target, split parts)."""
    succ: dict[str, list[str]] = {}
    for row in terr.changes.itertuples():
        if row.type in ("merge", "consolidate", "split"):
            for s in row.sources.split(";"):
                succ[s.strip()] = [t.strip() for t in row.targets.split(";") if t.strip()]
    return succ


def final_commune(succ: dict[str, list[str]], uid: str, pick: int = 0) -> str:
    """The commune that carries ``uid`` on at the end of the tables; for a divided commune the
    ``pick``-th part (modulo the number of parts)."""
    while uid in succ:
        nxt = succ[uid]
        uid = nxt[pick % len(nxt)]
    return uid
