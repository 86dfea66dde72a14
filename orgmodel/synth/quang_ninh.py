"""Quảng Ninh: the real districts and departments, the calibration to the published 2015-2021
figures (Vietnam News Agency, July 2022), the province's scripted reorganisations, the generator
of the bundled registry and its README."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .hooks import (_consolidate, _dept_for, _merge, hook_cdc, hook_district_health, hook_district_media, hook_market_surveillance,
                    hook_provincial_media, make_departments_hook)
from .report import _event_mix, _md_table, calibration_table
from .simulate import export, life_dates, simulate
from .tables import (DEPARTMENTS, INDICATORS, PHONG_FALLBACK, QN_DEPARTMENTS_2025, QN_BBOX, QN_CAPITAL, QN_DISTRICT_HOSPITALS, QN_DISTRICTS,
                     QN_HAT_KIEM_LAM, START, nfc)
from .territory import TERRITORY, Territory, apply_change, commune_successors, final_commune, load_territory
from .world import DistrictSpec, ProvinceSpec, World, allocate, build_province

# Realistic shape of the 2015 public service layer (synthetic, labelled so in the README): most
# communes had a kindergarten, a primary and a lower-secondary school, some a combined primary and
# lower-secondary school (TH&THCS); every commune a health station; departments about 7 divisions.
QN_SCHOOL_SHARES = (0.36, 0.32, 0.26, 0.06)   # mầm non, tiểu học, THCS, TH&THCS
QN_DIVISION_SHARE = 0.7


def quang_ninh_spec(baseline_psu: int, baseline_agency: int, terr: Territory) -> ProvinceSpec:
    """The Quảng Ninh specification: real districts with their real communes (territory tables),
    real departments and main units."""
    districts = []
    for c, n, t, la, lo, sd, w, e, code in QN_DISTRICTS:
        communes = terr.communes_2015(code, la, lo, sd, QN_BBOX)
        row = terr.district(code)
        districts.append(DistrictSpec(
            short=c, prefix=c, name=nfc(n), type=nfc(t), lat=la, lon=lo, spread=sd, weight=w, ethnic=e,
            places=tuple(x.place for x in communes), communes=communes, code=code,
            population=float(row["population"]) if row["population"] else float("nan"),
            area_km2=float(row["area_km2"]) if row["area_km2"] else float("nan")))
    districts = tuple(districts)
    return ProvinceSpec(
        index=0, code="QN", name="Quảng Ninh", full="tỉnh Quảng Ninh", lat=QN_CAPITAL[0], lon=QN_CAPITAL[1], bbox=QN_BBOX,
        districts=districts, psus=baseline_psu, agencies=baseline_agency, thpt=50, communes_2025=54,
        district_hospitals=tuple(QN_DISTRICT_HOSPITALS), hat_kiem_lam=tuple(QN_HAT_KIEM_LAM), qn=True,
        chuyen="Hạ Long", cdn="Việt - Hàn Quảng Ninh", division_share=QN_DIVISION_SHARE, school_shares=QN_SCHOOL_SHARES,
        health_stations=True, official_code="22",
    )




def hook_hoanh_bo(w: World, date: str, provs) -> None:
    """Hoành Bồ district merged into Hạ Long city from 2020-01-01 (Resolution 837/NQ-UBTVQH14):
    Hoành Bồ's phòng and district centres merged into Hạ Long's counterparts, its health centre
    into Hạ Long's, then the district government itself (its schools move with it)."""
    p = provs[0]
    hb, hl = w.idx("HB-UBND"), w.idx("HL-UBND")
    ref = "theo Nghị quyết 837/NQ-UBTVQH14 nhập huyện Hoành Bồ vào thành phố Hạ Long"
    targets: dict[int, list[int]] = {}
    for k in w.children(hb):
        if w.kind[k] == "government":
            continue
        code = w.code[k]
        tgt = w.one(p, code=code, dprefix="HL", parent=hl)
        if tgt is None and w.kind[k] == "agency":
            tgt = w.one(p, code=PHONG_FALLBACK.get(code, "VP"), dprefix="HL", parent=hl)
            tgt = w.one(p, code="VP", dprefix="HL", parent=hl) if tgt is None else tgt
        if tgt is not None and w.cat[k] not in ("school-mn", "school-th", "school-thcs", "school-ths"):
            targets.setdefault(tgt, []).append(int(k))
    for tgt in sorted(targets):
        src = targets[tgt]
        _merge(w, date, src, tgt, w.legal(1)[0], f"Sáp nhập {', '.join(w.uname[src])} vào {w.uname[tgt]} {ref}.")
    ttyt_hb, ttyt_hl = w.one(p, code="TTYT", dprefix="HB"), w.one(p, code="TTYT", dprefix="HL")
    if ttyt_hb is not None and ttyt_hl is not None:
        _merge(w, date, [ttyt_hb], ttyt_hl, w.legal(1)[0], f"Sáp nhập {w.uname[ttyt_hb]} vào {w.uname[ttyt_hl]} {ref}.")
    # the district itself (its communes and schools move with it) and the commune changes follow
    # from the territory tables (hook_territory)


def hook_territory(w: World, date: str, provs) -> None:
    """Every change of the territory tables dated ``date`` (commune and district merges, renames,
    reclassifications, with their legal basis), each followed by the matching merge of the
    communes' health stations. On 2025-07-01 the district-level units are emptied before the
    tables dissolve them (:func:`_empty_districts_2025`)."""
    terr: Territory = w.territory
    rows = terr.changes_on(date)
    last = rows[rows["type"] == "dissolve"] if date == DISTRICTS_END else rows.iloc[:0]
    for _, row in rows.drop(last.index).iterrows():
        src, tgt = apply_change(w, terr, row)
        if row["type"] in ("merge", "consolidate") and date < DISTRICTS_END:
            _merge_stations(w, date, src, tgt[0], row)
        if row["type"] == "reclassify" and w.cat[src[0]] == "gov-district":
            _rename_district_units(w, date, src[0], row)
    if len(last):
        _empty_districts_2025(w, date, terr)
        for _, row in last.iterrows():
            apply_change(w, terr, row)


def _rename_district_units(w: World, date: str, g: int, row) -> None:
    """A district-level unit that changes type (Đông Triều town -> city) renames the offices and
    centres carrying its name ("... thị xã Đông Triều" -> "... thành phố Đông Triều")."""
    change = dict(kv.split("=", 1) for kv in row["changes"].split(";"))
    if "name" not in change:
        return
    old = w.districts[w.dprefix[g]].full
    new = change["name"][:1].lower() + change["name"][1:]
    hits = [int(k) for k in np.flatnonzero(w.is_open & (w.kind != "government")) if str(w.uname[k]).endswith(" " + old)]
    for k in hits:
        name = str(w.uname[k])[: -len(old)] + new
        w.record(date, "reclassify", [k], legal=row["legal_basis"], changes=f"name={name}",
                 note=f"Đổi tên {w.uname[k]} thành {name} theo tên đơn vị hành chính mới ({row['legal_basis']}).")


def _stations_of(w: World, communes) -> np.ndarray:
    ids = set(w.ids[np.asarray(communes, dtype=np.int64)])
    com = w.units["commune"].to_numpy(dtype=object)
    return np.flatnonzero(w.is_open & (w.cat == "station") & np.isin(com, list(ids)))


def _merge_stations(w: World, date: str, sources: list[int], target: int, row) -> None:
    """The health stations of merged communes follow their communes: merged into the station of
    the receiving commune, or consolidated into one station of a new commune."""
    src = _stations_of(w, sources)
    if not len(src):
        return
    basis = f"sắp xếp trạm y tế theo đơn vị hành chính cấp xã ({row['legal_basis']})"
    name = w.uname[target]
    if row["type"] == "merge":
        into = _stations_of(w, [target])
        if len(into):
            _merge(w, date, src, int(into[0]), w.legal(1)[0],
                   f"Sáp nhập {', '.join(w.uname[src])} vào {w.uname[into[0]]}: {basis}.")
            return
    first = int(src[0])
    prefix = w.units["idprefix"].iat[first]
    uid = w.next_ids([prefix], [2])[0]
    new_row = w.new_unit(first, unit_id=uid, name=f"Trạm Y tế {name[:1].lower() + name[1:]}", commune=w.ids[target],
                         place=w.units["place"].iat[target], idprefix=prefix)
    _consolidate(w, date, [(src, new_row, w.legal(1)[0], f"Hợp nhất {' và '.join(w.uname[src])} thành {new_row['name']}: {basis}.",
                            None)])


DISTRICTS_END = "2025-07-01"
TRANSFER_2025 = "72/2025/QH15; 202/2025/QH15"


def _empty_districts_2025(w: World, date: str, terr: Territory) -> None:
    """Before the district level ends: each district-level unit's schools go to the new commune
    that took over their commune (a divided commune's schools alternate between its parts), its
    health and continuing-education centres to the provincial departments (Health, Education), its
    other centres to the new commune that took over most of its communes, and its phòng are
    dissolved (their functions to the district's new communes)."""
    succ = commune_successors(terr)
    spec = w.specs[0]
    commune_of = {(d.prefix, c.place): c.unit_id for d in spec.districts for c in d.communes}
    home = {d.prefix: d.prefix for d in spec.districts}
    for d in spec.districts:                      # a district merged earlier (Hoành Bồ) counts under its successor
        g = w.idx(f"{d.prefix}-UBND")
        while not w.is_open[g]:
            g = w.successor[g]
        home[d.prefix] = w.dprefix[g]
    for g in w.find(0, category="gov-district"):
        g = int(g)
        full = w.uname[g]
        mine = [c.unit_id for d in spec.districts if home[d.prefix] == w.dprefix[g] for c in d.communes]
        finals = [final_commune(succ, c) for c in mine]
        counts = pd.Series(finals).value_counts()
        main = w.idx(sorted(counts.index[counts == counts.max()])[0])
        new_communes = np.array(sorted({w.idx(f) for f in finals}), dtype=np.int64)
        kids = w.children(g)
        schools = [int(k) for k in kids if str(w.cat[k]).startswith("school-")]
        by_commune: dict[int, list[int]] = {}
        for k in schools:
            old = commune_of[(w.dprefix[k], w.units["place"].iat[k])]
            by_commune.setdefault(w.idx(final_commune(succ, old, pick=k)), []).append(k)
        for c in sorted(by_commune):
            group = np.array(by_commune[c], dtype=np.int64)
            w.transfer(group, c)
            w.record(date, "transfer", group, new_parent=c, legal=TRANSFER_2025,
                     note=f"Chuyển {len(group)} trường học trên địa bàn {full} cũ về trực thuộc UBND {w.uname[c]} khi kết thúc cấp huyện.")
        psus = np.array([k for k in kids if w.kind[k] == "psu" and k not in schools], dtype=np.int64)
        to_dept = psus[(w.sector[psus] == "health") | (w.cat[psus] == "centre-gdtx")] if len(psus) else psus
        for sector in sorted(set(w.sector[to_dept])):
            group = to_dept[w.sector[to_dept] == sector]
            dept = _dept_for(w, 0, sector)
            w.transfer(group, dept)
            w.record(date, "transfer", group, new_parent=dept, legal=TRANSFER_2025,
                     note=f"Chuyển {', '.join(w.uname[group])} về trực thuộc {w.uname[dept]} khi kết thúc cấp huyện.")
        rest = np.setdiff1d(psus, to_dept)
        if len(rest):
            w.transfer(rest, main)
            w.record(date, "transfer", rest, new_parent=main, legal=TRANSFER_2025,
                     note=f"Chuyển {', '.join(w.uname[rest])} về trực thuộc UBND {w.uname[main]} (nơi đặt trụ sở) khi kết thúc cấp huyện.")
        agencies = kids[w.kind[kids] == "agency"]
        if len(agencies):
            w.close_units(agencies)
            w.record(date, "dissolve", agencies, targets=new_communes, legal=TRANSFER_2025,
                     note=f"Giải thể các phòng chuyên môn thuộc UBND {full} do kết thúc hoạt động cấp huyện; "
                          "nhiệm vụ chuyển cho chính quyền cấp xã.")
        left = w.children(g)
        assert len(left) == 0, f"{full} still has {list(w.ids[left])}"



@dataclass(frozen=True)
class QuangNinhCalibration:
    """The published Quảng Ninh figures (Vietnam News Agency, July 2022) and the choices that
    turn them into year-end targets. Only ``baseline_agency`` (the agency/PSU split of 2015) and
    the yearly weights are our choice; the README says so."""

    baseline_all: int = 1261              # any of 1258..1264 gives 227 = 18.0 %
    baseline_agency: int = 420            # chosen split (not published)
    reduced_agency: int = 140             # published
    reduced_psu: int = 87                 # published
    published_pct: float = 18.0           # published, one decimal
    psu_target_pct: int = 10              # Resolution 19-NQ/TW: -10 % PSUs against 2015
    psu_target_met: int = 2020            # published: met in 2020, a year early
    first_year: int = 2016
    last_year: int = 2021
    agency_weights: tuple[float, ...] = (0.08, 0.12, 0.20, 0.20, 0.25, 0.15)
    psu_weights: tuple[float, ...] = (0.06, 0.30, 0.26, 0.13, 0.14, 0.11)

    @property
    def baseline_psu(self) -> int:
        return self.baseline_all - self.baseline_agency

    @property
    def reduced_all(self) -> int:
        return self.reduced_agency + self.reduced_psu


def admissible_baselines(reduced: int, pct: float) -> list[int]:
    """Baseline sizes N for which 100 * reduced / N rounds (one decimal) to ``pct``."""
    lo, hi = int(100 * reduced / (pct + 0.06)), int(100 * reduced / (pct - 0.06)) + 1
    return [n for n in range(lo, hi + 1) if round(100 * reduced / n, 1) == pct]


def calibrate_quang_ninh(cal: QuangNinhCalibration = QuangNinhCalibration()) -> pd.DataFrame:
    """Year-end target counts per kind, 2015..2021, derived from the published figures.

    Reductions are spread over the years by ``*_weights`` (largest remainder); the cumulative PSU
    reduction is then clamped so that the -10 % test (``100 * reduced >= 10 * baseline``) first
    holds at the end of ``psu_target_met``. Every published figure is asserted.
    """
    assert cal.baseline_all in admissible_baselines(cal.reduced_all, cal.published_pct)
    years = list(range(cal.first_year, cal.last_year + 1))
    cum_a = np.cumsum(allocate(cal.reduced_agency, cal.agency_weights))
    cum_p = np.cumsum(allocate(cal.reduced_psu, cal.psu_weights))
    need = -(-cal.psu_target_pct * cal.baseline_psu // 100)       # smallest reduction meeting the target
    assert cal.reduced_psu >= need, "the published PSU reduction must meet the target"
    met = np.array(years) >= cal.psu_target_met
    cum_p = np.where(met, np.maximum(cum_p, need), np.minimum(cum_p, need - 1))
    table = pd.DataFrame({"year": [cal.first_year - 1] + years,
                          "agency": cal.baseline_agency - np.concatenate([[0], cum_a]),
                          "psu": cal.baseline_psu - np.concatenate([[0], cum_p])})
    table["all"] = table["agency"] + table["psu"]
    _assert_quang_ninh_targets(table.set_index("year"), cal)
    return table


def _assert_quang_ninh_targets(t: pd.DataFrame, cal: QuangNinhCalibration) -> None:
    """The published figures, checked on a table of year-end counts (index = year)."""
    b, e = cal.first_year - 1, cal.last_year
    assert t.loc[b, "all"] == cal.baseline_all and t.loc[b, "agency"] == cal.baseline_agency
    assert t.loc[b, "agency"] - t.loc[e, "agency"] == cal.reduced_agency
    assert t.loc[b, "psu"] - t.loc[e, "psu"] == cal.reduced_psu
    assert t.loc[b, "all"] - t.loc[e, "all"] == cal.reduced_all
    assert round(100 * cal.reduced_all / t.loc[b, "all"], 1) == cal.published_pct
    base = t.loc[b, "psu"]
    for y in range(cal.first_year, e + 1):
        met = 100 * (base - t.loc[y, "psu"]) >= cal.psu_target_pct * base
        assert met == (y >= cal.psu_target_met), f"PSU target met={met} in {y}"
    assert (np.diff(t["psu"].to_numpy()) <= 0).all() and (np.diff(t["agency"].to_numpy()) <= 0).all()


# Fractions of each year's count removed by filler events where no count is calibrated.
QN_LATER = {2022: (0.01, 0.01), 2023: (0.01, 0.01), 2024: (0.01, 0.015), 2025: (0.01, 0.03)}      # (agency, psu)


def quang_ninh_hooks() -> dict[int, list]:
    """Scripted reorganisations of Quảng Ninh (date, hook, provinces). Only the Hoành Bồ merger's
    date is real; the others are placed in plausible years."""
    all_p = [0]
    return {
        2017: [("2017-01-01", hook_district_health, all_p)],
        2018: [("2018-01-01", hook_cdc, all_p), ("2018-04-01", hook_district_media, all_p)],
        2019: [("2019-01-01", hook_provincial_media, all_p), ("2019-01-01", hook_market_surveillance, all_p)],
        2020: [("2020-01-01", hook_hoanh_bo, all_p), ("2020-01-01", hook_territory, all_p)],
        2024: [("2024-11-01", hook_territory, all_p)],
        2025: [("2025-03-01", make_departments_hook(QN_DEPARTMENTS_2025), all_p), ("2025-07-01", hook_territory, all_p)],
    }


QN_SOURCES = [
    "Vietnam News Agency (TTXVN), July 2022: Quảng Ninh administrative-reform conference of 20 July 2022 "
    "(-227 units against 2015 = 18 %: 140 agencies, 87 PSUs; -10 % PSUs met in 2020; 1,803 procedures; SIPAS 2021 94.07 %)",
    "Territory (province, district- and commune-level units, codes, types, changes 2015-2025 with their legal basis): "
    "data/territory/quang-ninh (vietnamadminunits 1.0.4, MIT; Resolutions 837/NQ-UBTVQH14, 1199/NQ-UBTVQH15, "
    "1679/NQ-UBTVQH15; see its SOURCES.md for what is verified)",
    "Departments 20 -> 14 from 2025-03-01: Quảng Ninh People's Council resolution of its 25th session (announced "
    "26 Feb 2025; Lao Động, vietnam.vn; number not verified); Decree 45/2025/NĐ-CP",
    "Resolution 19-NQ/TW (2017); Quảng Ninh Project 25 (2015)",
    "Resolution 202/2025/QH15 and Law 72/2025/QH15 on Organisation of Local Government: district level abolished from 1 July 2025",
    "Everything else (individual agencies below the departments and PSUs, staff, coordinates, leadership posts, "
    "the agency/PSU split, the dates of PSU events) is synthetic",
]

def indicators_table() -> pd.DataFrame:
    """The article's figures as a table (indicators.csv)."""
    t = pd.DataFrame(INDICATORS, columns=["indicator", "value", "unit", "comparison", "period", "scope", "label"])
    t["value"] = t["value"].astype(str)
    t["source"] = "Vietnam News Agency (TTXVN), July 2022"
    return t


def generate_quang_ninh(seed: int = 2015, cal: QuangNinhCalibration = QuangNinhCalibration(),
                        territory=TERRITORY) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The calibrated Quảng Ninh registry 2015-2025: ``(units, events, meta)``."""
    table = calibrate_quang_ninh(cal).set_index("year")
    terr = load_territory(territory)
    spec = quang_ninh_spec(cal.baseline_psu, cal.baseline_agency, terr)
    rng = np.random.default_rng(seed)
    w = World(build_province(spec, rng), (spec,), rng)
    w.territory = terr
    targets = {y: {k: ("count", np.array([table.loc[y, k]])) for k in ("agency", "psu")}
               for y in range(cal.first_year, cal.last_year + 1)}
    targets.update({y: {"agency": ("frac", np.array([a])), "psu": ("frac", np.array([p]))} for y, (a, p) in QN_LATER.items()})
    history = simulate(w, quang_ninh_hooks(), targets)
    units, events = export(w, "QN-E")
    meta = dict(
        name="quang-ninh",
        description=("Quảng Ninh province: administrative agencies and public service units from the 2015 baseline to 2025. "
                     "Synthetic units calibrated to the published 2015-2021 figures (-227 units = 18 %: 140 agencies, 87 PSUs; "
                     "-10 % PSUs met in 2020); the Hoành Bồ merger (2020) and the 2025 reorganisation are modelled."),
        start=START, sources=QN_SOURCES, kind="quang-ninh", seed=seed,
        generator=f"orgmodel.synth.generate_quang_ninh(seed={seed})",
        calibration=dict(cal.__dict__, baseline_psu=cal.baseline_psu,
                         admissible_baselines=admissible_baselines(cal.reduced_all, cal.published_pct)),
        targets=table.reset_index().to_dict("records"),
        history={d: {k: int(v[0]) for k, v in c.items()} for d, c in history.items()},
    )
    return units, events, meta




def type_table(units: pd.DataFrame, events: pd.DataFrame, dates) -> pd.DataFrame:
    """Open public service units by unit type at each date (most numerous first)."""
    opened, closed = life_dates(units, events)
    psu = units["kind"] == "psu"
    cols = {d: units.loc[psu & (opened <= d) & (closed > d), "unit_type"].value_counts() for d in dates}
    t = pd.DataFrame(cols).fillna(0).astype(int)
    t = t.assign(_key=-t[list(dates)].max(axis=1)).reset_index(names="unit_type")
    return t.sort_values(["_key", "unit_type"]).drop(columns="_key").reset_index(drop=True)


def territory_table(units: pd.DataFrame, events: pd.DataFrame, dates) -> pd.DataFrame:
    """Open district- and commune-level units by type at each date, with the type in force then
    (``reclassify`` events applied), straight from the tables."""
    opened, closed = life_dates(units, events)
    rec = events[events["type"] == "reclassify"]
    rows = []
    for d in dates:
        t = units["unit_type"].copy()
        for ev in rec[rec["date"] <= d].itertuples():
            change = dict(kv.split("=", 1) for kv in ev.changes.split(";"))
            if "unit_type" in change:
                t[units["unit_id"].isin(ev.sources.split(";"))] = change["unit_type"]
        live = (units["kind"] == "government") & (opened <= d) & (closed > d)
        for level in ("district", "commune"):
            n = t[live & (units["level"] == level)].value_counts()
            rows.append({"date": d, "level": level, "units": int(n.sum()),
                         "by type": ", ".join(f"{k} {v}" for k, v in sorted(n.items()))})
    return pd.DataFrame(rows)


def render_quang_ninh_readme(units: pd.DataFrame, events: pd.DataFrame, meta: dict) -> str:
    """README.md of the bundled Quảng Ninh registry: published vs synthetic, ids, calibration."""
    cal = meta["calibration"]
    table = calibration_table(units, events, ["2015-12-31", "2019-12-31", "2020-12-31", "2021-12-31", "2025-12-31"])
    t = table.set_index("date")
    b_psu, threshold = int(t.loc["2015-12-31", "psu"]), cal["psu_target_pct"] * int(t.loc["2015-12-31", "psu"]) / 100
    depts = pd.DataFrame([(f"`QN-{c}`", n) for c, n, _, _ in DEPARTMENTS], columns=["id", "name (2015)"])
    dists = pd.DataFrame([(f"`{c}-UBND`", f"{t_} {n}") for c, n, t_, *_ in QN_DISTRICTS], columns=["id", "district-level unit"])
    lo, hi = min(cal["admissible_baselines"]), max(cal["admissible_baselines"])
    types = type_table(units, events, ["2015-12-31", "2021-12-31", "2025-12-31"])
    territory = territory_table(units, events, ["2015-12-31", "2020-01-01", "2024-11-01", "2025-07-01"])
    n_types = int(units["unit_type"].nunique())
    return f"""# Quảng Ninh: agencies and public service units, 2015 baseline to 2025

This registry is **generated** by `{meta['generator']}`; do not edit it by hand. Regenerate it,
byte for byte, with

```
python -m orgmodel.synth quang-ninh data/quang-ninh
```

It follows the registry format, version 1.1: `units.csv` ({len(units):,} units, with the optional
columns `unit_type`, `code`, `population`, `area_km2`, `heads`, `deputies`), `events.csv`
({len(events):,} events, 2016-2025), `registry.yaml` (start {START}: units not opened by an event exist
from then), `unit_types.csv` (the {n_types} unit types it uses) and `indicators.csv` (the published
service indicators).

## What is published

Vietnam News Agency (TTXVN), July 2022, reporting Quảng Ninh's conference on administrative-reform
and satisfaction indices (20 July 2022):

- by the end of 2021 the province had **227 fewer units** (đầu mối: administrative agencies and
  organisations plus public service units) than in 2015, **18 %**; of them **140 agencies** and
  **87 PSUs**;
- the target of -10 % PSUs (Resolution 19-NQ/TW) was **met in 2020**, a year early;
- 1,803 administrative procedures remained after review; over 98 % of dossiers were settled on
  time or early; over 53.5 % of the provincial public administration service centre's dossiers
  were received and settled online; SIPAS 2021 satisfaction 94.07 % (results 94.90, procedures
  94.78, civil servants 94.75, access 94.64, feedback handling 91.26), first among the provinces for
  the third year running. These figures are in `indicators.csv` (`comparison` is `>` where the
  article says "over").

Other public facts used: Quảng Ninh's Project 25 (2015) aimed at -18 % administrative bodies,
-10 % PSUs and -19 % civil servants.

## What is real: the territory and the departments

- **The territory** (`kind` government) is real, from the territory tables `data/territory/quang-ninh`
  (built by `make data` from vietnamadminunits 1.0.4, MIT, and hand-typed legal texts; their
  `SOURCES.md` says what is verified and what is not): the province (code 22), the 14
  district-level units (codes 193-207) and every commune-level unit with its official code, name
  and type (population and area where the legal texts give them; empty otherwise), and every
  change dated with its legal basis: Hoành Bồ merged into Hạ Long and 9 communes merged
  (2020-01-01, Resolution 837/NQ-UBTVQH14), Đông Triều town becoming a city (`reclassify`) and 6
  communes merged (2024-11-01, Resolution 1199/NQ-UBTVQH15), the district level ended and 171
  communes arranged into 54 (2025-07-01, Resolution 1679/NQ-UBTVQH15): a commune divided between
  new ones is `split` into parts first, then the parts consolidated. Where the tables flag a
  change as only partly verified or not verified (the receiving unit of six 2020/2024 merges), the
  event's note says so. The offices and centres named after Đông Triều are renamed with it
  (`reclassify` of `name`). Counts (computed from the CSVs; the tests reproduce them through
  `orgmodel count`):

{_md_table(territory)}

- **The departments** carry their real names: the 20 specialised agencies of 2015-2025 and the
  14 from 2025-03-01, each 2025 change typed as the province's decisions word it (People's Council
  resolution of its 25th session, announced 26 Feb 2025 as reported by Lao Động and vietnam.vn; its
  number was not found, so `legal_basis` cites it without number together with Decree
  45/2025/NĐ-CP): Sở Tài chính (Finance + Planning and Investment), Sở Xây dựng (Construction +
  Transport), Sở Nông nghiệp và Môi trường (Agriculture + Natural Resources and Environment), Sở
  Văn hóa, Thể thao và Du lịch (Culture and Sports + Tourism) and Sở Dân tộc và Tôn giáo (the
  Ethnic Minorities Committee + the Religion Board of Home Affairs) each established by
  consolidation (hợp nhất; a new unit); Sở Nội vụ taking over Labour, Invalids and Social Affairs
  and Sở Khoa học và Công nghệ taking over Information and Communications (merge; they carry on).

## What is synthetic

- **Every individual unit** below the departments: divisions, sub-department divisions, centres and
  schools, their staff, autonomy groups and coordinates (synthetic points near the real district
  centres, see the modelling notes). A few well-known provincial units carry their real names (e.g. Bệnh viện Bãi Cháy,
  Trường Đại học Hạ Long); schools are named after real wards and communes of their district.
- **The shape of the public service layer** is realistic but synthetic: every commune has a
  health station (`tram-y-te`, managed by the district health centre, Circular 37/2016/TT-BYT);
  most communes a kindergarten (`mam-non`), a primary (`tieu-hoc`) and a lower-secondary school
  (`thcs`), some a combined primary and lower-secondary school (`th-thcs`); each district a health
  centre, a GDNN-GDTX centre, a culture centre and a radio-TV station (consolidated in 2018 into a
  media and culture centre), a project management board and a land-fund centre; the province its
  hospitals, CDC (2018), forensic and medical-assessment centres, notary offices, legal aid, library,
  museum, project management boards... (counts by type below). `heads` and `deputies` (leadership
  posts when the unit first exists) are synthetic defaults by type and staff
  (`orgmodel/synth/data/leaders.csv`); `code`, `population` and `area_km2` are empty where no official
  figure is used. The extra column `commune_2025` gives, for each health station, the commune of
  2025-07-01 that took over its commune (through the real crosswalk; a divided commune's station
  goes with its first part), so that a 2025 plan can keep one station per new commune.
- **The agency/PSU split** of 2015 is not published: this registry chooses {cal['baseline_agency']}
  agencies and {cal['baseline_psu']} PSUs. The total {cal['baseline_all']:,} is also a choice: any
  baseline from {lo:,} to {hi:,} gives 100 × 227 / baseline = 18.0 % to one decimal.
- **The dates and decision numbers of events of agencies below the departments and of PSUs**,
  except the calibration (year-end counts 2015-2021) and the moves the 2025 rules prescribe.
  Health stations follow their communes' mergers (2020, 2024); on 2025-07-01 schools move to the
  new commune that took over their commune (a divided commune's schools alternate between the
  parts), district health and continuing-education centres to Sở Y tế and Sở Giáo dục và Đào tạo,
  other district centres to the new commune that took over most of the district, and the district
  offices (phòng) are dissolved. Scripted reorganisations are modelled on real
  reforms, in plausible years: district hospitals and population centres merged into multi-function
  district health centres (2017); six preventive-medicine centres consolidated into a CDC (2018);
  each district's culture centre and radio-TV station consolidated into a Trung tâm Truyền thông và
  Văn hóa (2018); the provincial newspaper, radio-TV station, portal and magazine consolidated into
  a provincial media centre (2019); market surveillance moved to the Ministry of Industry and Trade
  (2019, Decision 34/2018/QĐ-TTg). All other events (merges of schools and divisions, consolidations of primary and
  lower-secondary schools, splits, separations, dissolutions, establishments, transfers) are
  generated to meet the yearly targets.
- Counts after 2021 are not calibrated (small yearly reductions plus the 2025 reorganisation).

## Calibration

Counted per the contract: `count(kind, D)` = open units of that kind as of D (events dated on or
before D included), `all` = agency + psu, government units not counted. Computed from the CSVs:

{_md_table(table)}

- 2015 -> 2021: -{int(t.loc['2021-12-31', 'all reduced'])} units, of which {int(t.loc['2021-12-31', 'agency reduced'])} agencies and {int(t.loc['2021-12-31', 'psu reduced'])} PSUs;
  100 × {int(t.loc['2021-12-31', 'all reduced'])} / {int(t.loc['2015-12-31', 'all'])} = {t.loc['2021-12-31', 'all reduced %']} %.
- PSUs -10 % (holds at D when 100 × reduced >= 10 × {b_psu}, i.e. reduced >= {threshold:g}): not at
  2019-12-31 ({int(t.loc['2019-12-31', 'psu reduced'])} reduced), met at 2020-12-31 ({int(t.loc['2020-12-31', 'psu reduced'])} reduced).
- These are net reductions: units were also established, split and separated, so gross closures
  exceed them (see `orgmodel status data/quang-ninh --baseline 2015-12-31 --as-of 2021-12-31`).

The generator derives the yearly targets from these published figures
(`orgmodel.synth.calibrate_quang_ninh`), asserts them, and sizes each year's events to hit them.

Events by type:

{_md_table(_event_mix(events))}

## Unit types

`unit_type` is the legal type (loại hình) of every unit; `unit_types.csv` lists each slug used,
once, with its Vietnamese and English names, kind and sector (the slugs are those of the package
vocabulary `orgmodel/data/unit_types.csv`). Government units: `tinh` (the province), `thanh-pho`,
`thi-xa`, `huyen` (district level, to 2025-06-30), `xa`, `dac-khu` (commune level). Agencies: `so`
(departments, including the Office of the People's Committee, the Inspectorate and the Ethnic
Minorities Committee), `ban-thuoc-ubnd-tinh`, `chi-cuc`, `ban-thuoc-so`, `phong-thuoc-so`,
`phong-thuoc-chi-cuc`, `phong-cap-huyen`, `kiem-lam`, `doi-quan-ly-thi-truong`. Public service
units open at each date, by type (computed from the CSVs):

{_md_table(types)}

## Id scheme

Ids are readable and stable; a new unit continues the numbering of its family.

| pattern | units | examples |
|---|---|---|
| `QN-UBND` | Tỉnh Quảng Ninh: the province and its People's Committee (root; code 22) | |
| `QN-<dept>` | departments and provincial bodies (agency) | `QN-SYT` Sở Y tế, `QN-SGDDT` Sở Giáo dục và Đào tạo |
| `QN-<dept>-Pnn` | a department's internal divisions | `QN-SYT-P05` |
| `QN-<dept>-<cc>`, `...-Pnn` | sub-departments (chi cục, ban) and their divisions | `QN-SNN-CCKL`, `QN-SNN-CCKL-P01` |
| `QN-HKL-<d>`, `QN-QLTT-Dnn` | forest-ranger stations, market-surveillance teams | `QN-HKL-BC`, `QN-QLTT-D03` |
| `QN-<code>` | provincial PSUs | `QN-TTYTDP`, `QN-BAO`, `QN-CDC` (2018), `QN-TTTT` (2019) |
| `QN-BV-nnn` | hospitals under Sở Y tế | `QN-BV-001` Bệnh viện Đa khoa tỉnh Quảng Ninh, `QN-BV-002` Bệnh viện Bãi Cháy |
| `QN-THPT-nnn` | upper-secondary schools under Sở GD&ĐT | `QN-THPT-001` |
| `QN-TYT-<d>-nn` | commune health stations under the district health centre | `QN-TYT-HL-01` Trạm Y tế phường Hà Khánh |
| `QN-TTYT-<d>`, `QN-TTDS-<d>` | district health centres (under Sở Y tế), district population centres | `QN-TTYT-HL` Trung tâm Y tế thành phố Hạ Long |
| `<d>-UBND` | district-level units (to 2025-06-30; official code in `code`) | `HL-UBND` Thành phố Hạ Long (193) |
| `<d>-<code>` | district phòng and centres | `HL-PNV`, `HL-PGDDT`, `HL-GDNN`, `HL-TTTTVH` |
| `<d>-MN-nnn`, `<d>-TH-nnn`, `<d>-THCS-nnn`, `<d>-THTHCS-nnn` | preschools, primary, lower-secondary, combined schools under the district | `HL-THCS-003` |
| `QN-STC-2025`, `QN-SXD-2025`, `QN-SNNMT`, `QN-SVHTTDL`, `QN-SDTTG` | departments formed in 2025 (consolidation) | |
| `C<code>` | commune-level units (territory tables' ids; official 5-digit code) | `C06691` Phường Hồng Gai |
| `C<code>-2015`, `C<code>-p<k>`, `C2025-<code>` | the 2015 holder of a reused code, parts of a divided commune, the 2025 communes | `C2025-06685` Phường Hồng Gai (2025) |
| `QN-Ennnnn` | events, in date order | |

Departments (`<dept>` codes):

{_md_table(depts)}

District codes (`<d>`):

{_md_table(dists)}

## Modelling notes

- `locality` is a static attribute: the district the unit serves, or `province` for province-wide
  units. Hoành Bồ's units keep the locality `Hoành Bồ` after 2020 (the area they serve); their parent
  becomes `HL-UBND` through the merge.
- District health centres are managed by Sở Y tế (locality = their district); upper-secondary
  schools by Sở GD&ĐT (locality = where they stand).
- Communes belong to their district-level unit until 2025-06-30 (Hoành Bồ's thirteen move to Hạ
  Long with the 2020 merger); the 54 communes of 2025-07-01 belong to the province. A new commune's
  `locality` is the former district of its first source.
- Coordinates are synthetic everywhere: each commune has a point near its district's centre
  (seeded by its code), and its schools and health station stand near that point.
- Sectors: {', '.join(sorted(units['sector'].unique()))}.
- `legal_basis` of territorial and department events is real (see above); of other events synthetic,
  except 34/2018/QĐ-TTg and the 2025 laws (72/2025/QH15, 202/2025/QH15) cited for the 2025 moves.
"""
