"""Quảng Ninh: the real districts and departments, the calibration to the published 2015-2021
figures (Vietnam News Agency, July 2022), the province's scripted reorganisations, the generator
of the bundled registry and its README."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .hooks import (_merge, hook_abolish_districts, hook_cdc, hook_departments_2025, hook_district_health, hook_district_media,
                    hook_market_surveillance, hook_provincial_media)
from .report import _event_mix, _md_table, calibration_table
from .simulate import export, life_dates, simulate
from .tables import (DEPARTMENTS, INDICATORS, PHONG_FALLBACK, QN_BBOX, QN_CAPITAL, QN_DISTRICT_HOSPITALS, QN_DISTRICTS,
                     QN_HAT_KIEM_LAM, START, nfc)
from .world import DistrictSpec, ProvinceSpec, World, allocate, build_province

# Realistic shape of the 2015 public service layer (synthetic, labelled so in the README): most
# communes had a kindergarten, a primary and a lower-secondary school, some a combined primary and
# lower-secondary school (TH&THCS); every commune a health station; departments about 7 divisions.
QN_SCHOOL_SHARES = (0.36, 0.32, 0.26, 0.06)   # mầm non, tiểu học, THCS, TH&THCS
QN_DIVISION_SHARE = 0.7


def quang_ninh_spec(baseline_psu: int, baseline_agency: int) -> ProvinceSpec:
    """The Quảng Ninh specification: real districts, departments and main units."""
    districts = tuple(
        DistrictSpec(short=c, prefix=c, name=nfc(n), type=nfc(t), lat=la, lon=lo, spread=sd, weight=w, ethnic=e,
                     places=tuple(nfc(p) for p in places.split(",")))
        for c, n, t, la, lo, sd, w, e, places in QN_DISTRICTS
    )
    return ProvinceSpec(
        index=0, code="QN", name="Quảng Ninh", full="tỉnh Quảng Ninh", lat=QN_CAPITAL[0], lon=QN_CAPITAL[1], bbox=QN_BBOX,
        districts=districts, psus=baseline_psu, agencies=baseline_agency, thpt=50, communes_2025=54,
        district_hospitals=tuple(QN_DISTRICT_HOSPITALS), hat_kiem_lam=tuple(QN_HAT_KIEM_LAM), qn=True,
        chuyen="Hạ Long", cdn="Việt - Hàn Quảng Ninh", division_share=QN_DIVISION_SHARE, school_shares=QN_SCHOOL_SHARES,
        health_stations=True,
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
    _merge(w, date, [hb], hl, "837/NQ-UBTVQH14",
           "Nhập toàn bộ diện tích tự nhiên và dân số của huyện Hoành Bồ vào thành phố Hạ Long từ 01/01/2020; "
           "các đơn vị còn lại thuộc UBND huyện Hoành Bồ chuyển về UBND thành phố Hạ Long.")



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
        2020: [("2020-01-01", hook_hoanh_bo, all_p)],
        2025: [("2025-03-01", hook_departments_2025, all_p), ("2025-07-01", hook_abolish_districts, all_p)],
    }


QN_SOURCES = [
    "Vietnam News Agency (TTXVN), July 2022: Quảng Ninh administrative-reform conference of 20 July 2022 "
    "(-227 units against 2015 = 18 %: 140 agencies, 87 PSUs; -10 % PSUs met in 2020; 1,803 procedures; SIPAS 2021 94.07 %)",
    "Resolution 837/NQ-UBTVQH14: Hoành Bồ district merged into Hạ Long city from 1 January 2020",
    "Resolution 19-NQ/TW (2017); Quảng Ninh Project 25 (2015)",
    "Resolution 202/2025/QH15 and the 2025 Law on Organisation of Local Government: district level abolished from 1 July 2025",
    "Everything else (individual units, staff, coordinates, the agency/PSU split, other event dates) is synthetic",
]

def indicators_table() -> pd.DataFrame:
    """The article's figures as a table (indicators.csv)."""
    t = pd.DataFrame(INDICATORS, columns=["indicator", "value", "unit", "comparison", "period", "scope", "label"])
    t["value"] = t["value"].astype(str)
    t["source"] = "Vietnam News Agency (TTXVN), July 2022"
    return t


def generate_quang_ninh(seed: int = 2015, cal: QuangNinhCalibration = QuangNinhCalibration()) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The calibrated Quảng Ninh registry 2015-2025: ``(units, events, meta)``."""
    table = calibrate_quang_ninh(cal).set_index("year")
    spec = quang_ninh_spec(cal.baseline_psu, cal.baseline_agency)
    rng = np.random.default_rng(seed)
    w = World(build_province(spec, rng), (spec,), rng)
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


def render_quang_ninh_readme(units: pd.DataFrame, events: pd.DataFrame, meta: dict) -> str:
    """README.md of the bundled Quảng Ninh registry: published vs synthetic, ids, calibration."""
    cal = meta["calibration"]
    table = calibration_table(units, events, ["2015-12-31", "2019-12-31", "2020-12-31", "2021-12-31", "2025-12-31"])
    t = table.set_index("date")
    b_psu, threshold = int(t.loc["2015-12-31", "psu"]), cal["psu_target_pct"] * int(t.loc["2015-12-31", "psu"]) / 100
    depts = pd.DataFrame([(f"`QN-{c}`", n) for c, n, _, _ in DEPARTMENTS], columns=["id", "name (2015)"])
    dists = pd.DataFrame([(f"`{c}-UBND`", f"{t_} {n}") for c, n, t_, *_ in QN_DISTRICTS], columns=["id", "district-level unit"])
    govs = int(((units["kind"] == "government") & (units["level"] == "commune")).sum())
    lo, hi = min(cal["admissible_baselines"]), max(cal["admissible_baselines"])
    types = type_table(units, events, ["2015-12-31", "2021-12-31", "2025-12-31"])
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
-10 % PSUs and -19 % civil servants; the province had 14 district-level units until 2019 (cities
Hạ Long, Cẩm Phả, Uông Bí, Móng Cái; towns Quảng Yên, Đông Triều; districts Vân Đồn, Hoành Bồ,
Tiên Yên, Đầm Hà, Hải Hà, Bình Liêu, Ba Chẽ, Cô Tô) and 13 after Hoành Bồ was merged into Hạ Long
on 1 January 2020 (Resolution 837/NQ-UBTVQH14); the departments carry their real 2015 names; in 2025
the 20 specialised agencies became 14, the district level was abolished on 1 July 2025 and the
province's 171 communes became 54 commune-level units.

## What is synthetic

- **Every individual unit** below the departments: divisions, sub-department divisions, centres and
  schools, their staff, autonomy groups and coordinates (scattered around the real district
  centres). A few well-known provincial units carry their real names (e.g. Bệnh viện Bãi Cháy,
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
  figure is used.
- **The agency/PSU split** of 2015 is not published: this registry chooses {cal['baseline_agency']}
  agencies and {cal['baseline_psu']} PSUs. The total {cal['baseline_all']:,} is also a choice: any
  baseline from {lo:,} to {hi:,} gives 100 × 227 / baseline = 18.0 % to one decimal.
- **Event dates and decision numbers**, except the calibration (year-end counts 2015-2021) and the
  Hoành Bồ merger (2020-01-01, 837/NQ-UBTVQH14). Scripted reorganisations are modelled on real
  reforms, in plausible years: district hospitals and population centres merged into multi-function
  district health centres (2017); six preventive-medicine centres consolidated into a CDC (2018);
  each district's culture centre and radio-TV station consolidated into a Trung tâm Truyền thông và
  Văn hóa (2018); the provincial newspaper, radio-TV station, portal and magazine consolidated into
  a provincial media centre (2019); market surveillance moved to the Ministry of Industry and Trade
  (2019, Decision 34/2018/QĐ-TTg); departments 20 -> 14 (2025-03-01); district level abolished and
  {govs} commune-level governments established (2025-07-01, two of them the special zones Vân Đồn
  and Cô Tô). All other events (merges of schools and divisions, consolidations of primary and
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
| `QN-UBND` | UBND tỉnh Quảng Ninh (root) | |
| `QN-<dept>` | departments and provincial bodies (agency) | `QN-SYT` Sở Y tế, `QN-SGDDT` Sở Giáo dục và Đào tạo |
| `QN-<dept>-Pnn` | a department's internal divisions | `QN-SYT-P05` |
| `QN-<dept>-<cc>`, `...-Pnn` | sub-departments (chi cục, ban) and their divisions | `QN-SNN-CCKL`, `QN-SNN-CCKL-P01` |
| `QN-HKL-<d>`, `QN-QLTT-Dnn` | forest-ranger stations, market-surveillance teams | `QN-HKL-BC`, `QN-QLTT-D03` |
| `QN-<code>` | provincial PSUs | `QN-TTYTDP`, `QN-BAO`, `QN-CDC` (2018), `QN-TTTT` (2019) |
| `QN-BV-nnn` | hospitals under Sở Y tế | `QN-BV-001` Bệnh viện Đa khoa tỉnh Quảng Ninh, `QN-BV-002` Bệnh viện Bãi Cháy |
| `QN-THPT-nnn` | upper-secondary schools under Sở GD&ĐT | `QN-THPT-001` |
| `QN-TYT-<d>-nn` | commune health stations under the district health centre | `QN-TYT-HL-01` Trạm Y tế Hồng Gai |
| `QN-TTYT-<d>`, `QN-TTDS-<d>` | district health centres (under Sở Y tế), district population centres | `QN-TTYT-HL` Trung tâm Y tế thành phố Hạ Long |
| `<d>-UBND` | district-level governments | `HL-UBND` |
| `<d>-<code>` | district phòng and centres | `HL-PNV`, `HL-PGDDT`, `HL-GDNN`, `HL-TTTTVH` |
| `<d>-MN-nnn`, `<d>-TH-nnn`, `<d>-THCS-nnn`, `<d>-THTHCS-nnn` | preschools, primary, lower-secondary, combined schools under the district | `HL-THCS-003` |
| `QN-SNNMT`, `QN-SVHTTDL`, `QN-SDTTG` | departments formed in 2025 | |
| `QN-XA-nn` | commune-level governments from 2025-07-01 | `QN-XA-01` |
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
- On 2025-07-01 schools and district centres move to the new commune-level governments, continuing
  education centres to Sở GD&ĐT; the phòng are dissolved (functions to the communes), then each
  district UBND is dissolved.
- Sectors: {', '.join(sorted(units['sector'].unique()))}.
- `legal_basis` numbers are synthetic except 837/NQ-UBTVQH14 and 34/2018/QĐ-TTg.
"""
