"""The national generator: ``provinces`` synthetic provinces 2015-2025, calibrated to the national
PSU figures (55,891 in 2015 -> 48,442 in 2021 for 63 provinces), with the 2025 reorganisation
(departments 20 -> 14, district level abolished, provinces 63 -> 34). Every unit is synthetic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .hooks import _merge, hook_abolish_districts, hook_departments_2025, hook_market_surveillance
from .report import _event_mix, _md_table, calibration_table
from .simulate import count_units, export, simulate
from .tables import GENERIC_PLACES, START
from .world import DistrictSpec, ProvinceSpec, World, allocate, build_province

# Fractions of each year's count removed by filler events where no count is calibrated.
NATIONAL_AGENCY = {2016: 0.015, 2017: 0.02, 2018: 0.03, 2019: 0.02, 2020: 0.03, 2021: 0.02, 2022: 0.01, 2023: 0.01,
                   2024: 0.01, 2025: 0.01}
NATIONAL_PSU_LATER = {2022: 0.0087, 2023: 0.0087, 2024: 0.03, 2025: 0.06}
NATIONAL = dict(psu_2015=55891, psu_2021=48442, reference_provinces=63, provinces_2025=34, communes_2025=3321,
                thpt=2455, districts=713, year_weights=(0.10, 0.16, 0.20, 0.20, 0.18, 0.16))


def calibrate_national(specs: list[ProvinceSpec], rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Per-province cumulative PSU reductions 2016..2021 (array provinces x 6) hitting the national
    2021 figure exactly (scaled by provinces / 63), with a spread of per-province rates."""
    n = len(specs)
    base = np.array([s.psus for s in specs])
    total_2021 = int(round(NATIONAL["psu_2021"] * n / NATIONAL["reference_provinces"]))
    reduce = int(base.sum() - total_2021)
    rate = np.clip(rng.normal(13.6, 4.5, size=n), 3.0, 28.0)
    per_prov = allocate(reduce, base * rate, cap=(base * 0.3).astype(np.int64))
    cw = np.cumsum(NATIONAL["year_weights"])
    cum = np.floor(per_prov[:, None] * cw[None, :] + 0.5).astype(np.int64)
    cum[:, -1] = per_prov
    cum = np.maximum.accumulate(cum, axis=1)
    assert base.sum() - cum[:, -1].sum() == total_2021
    info = dict(psu_2015=int(base.sum()), psu_2021=total_2021, reduced=reduce,
                provinces_below_10pct=int((100 * per_prov < 10 * base).sum()))
    return cum, info



def make_province_merge_hook(pairs: list[tuple[int, int]]):
    """Provinces merged (63 -> 34): each absorbed province's departments merged into the
    surviving province's department with the same code, then its UBND into the survivor's."""
    def hook_merge_provinces(w: World, date: str, provs) -> None:
        for absorbed, survivor in pairs:
            a_spec, s_spec = w.specs[absorbed], w.specs[survivor]
            ref = "202/2025/QH15"
            for dept in w.find(absorbed, category="dept"):
                tgt = w.one(survivor, category="dept", code=w.code[dept])
                if tgt is not None:
                    _merge(w, date, [dept], tgt, ref, f"Sắp xếp đơn vị hành chính cấp tỉnh: sáp nhập {w.uname[dept]} vào {w.uname[tgt]}.")
            _merge(w, date, [w.root(absorbed)], w.root(survivor), ref,
                   f"Nhập {a_spec.full} vào {s_spec.full} từ 01/7/2025; các đơn vị còn lại chuyển về UBND {s_spec.full}.")
    return hook_merge_provinces




def national_specs(n: int, rng: np.random.Generator) -> list[ProvinceSpec]:
    """``n`` synthetic provinces sized like Vietnam's (scaled by n / 63)."""
    scale = n / NATIONAL["reference_provinces"]
    weight = rng.lognormal(0.0, 0.45, size=n)
    psus = allocate(int(round(NATIONAL["psu_2015"] * scale)), weight, minimum=250)
    thpt = allocate(int(round(NATIONAL["thpt"] * scale)), weight, minimum=8)
    communes = allocate(int(round(NATIONAL["communes_2025"] * scale)), weight, minimum=12)
    specs = []
    for p in range(n):
        nd = int(np.clip(round(NATIONAL["districts"] / 63 * (weight[p] / weight.mean()) ** 0.6 + rng.normal(0, 1.5)), 5, 24))
        lat = float(rng.uniform(9.5, 22.5))
        lon = float(rng.uniform(103.5, 107.5) if lat > 19.5 else rng.uniform(105.5, 108.8) if lat > 15 else rng.uniform(104.8, 107.5))
        code, name = f"T{p + 1:02d}", f"Tỉnh {p + 1:02d}"
        bbox = (max(8.4, lat - 0.9), min(23.4, lat + 0.9), max(102.1, lon - 0.9), min(109.5, lon + 0.9))
        dw = rng.lognormal(0.0, 0.35, size=nd)
        dw[0] *= 1.8                                   # the provincial capital city is the largest
        dw /= dw.sum()
        districts = []
        for d in range(nd):
            dtype = "thành phố" if d == 0 else ("thị xã" if d == 1 and rng.random() < 0.6 else "huyện")
            places = tuple(rng.choice(GENERIC_PLACES, size=12, replace=False))
            districts.append(DistrictSpec(
                short=f"D{d + 1:02d}", prefix=f"{code}-D{d + 1:02d}", name=f"H{p + 1:02d}.{d + 1:02d}", type=dtype,
                lat=lat + float(rng.normal(0, 0.3)), lon=lon + float(rng.normal(0, 0.3)), spread=0.05, weight=float(dw[d]),
                ethnic=bool(rng.random() < 0.3), places=places))
        shorts = [d.short for d in districts]
        specs.append(ProvinceSpec(
            index=p, code=code, name=name, full=name, lat=lat, lon=lon, bbox=bbox, districts=tuple(districts),
            psus=int(psus[p]), agencies=None, thpt=int(thpt[p]), communes_2025=int(communes[p]),
            district_hospitals=tuple(s for s in shorts[1:] if rng.random() < 0.85),
            hat_kiem_lam=tuple(s for s in shorts if rng.random() < 0.7),
            health_centre_parent="district" if rng.random() < 0.4 else "province",
            division_share=0.75, dept_suffix=f" ({name})"))
    return specs


def province_merges(n: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """(absorbed, survivor) pairs: 29 of 63 provinces absorbed into 23 (63 -> 34), scaled."""
    n_abs = int(round(n * (NATIONAL["reference_provinces"] - NATIONAL["provinces_2025"]) / NATIONAL["reference_provinces"]))
    if n_abs == 0 or n < 2:
        return []
    n_surv = max(1, min(n - n_abs, int(round(n * 23 / 63))))
    order = rng.permutation(n)
    absorbed, survivors = np.sort(order[:n_abs]), order[n_abs:n_abs + n_surv]
    return [(int(a), int(survivors[i % n_surv])) for i, a in enumerate(absorbed)]


def generate_national(provinces: int = 63, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A national-scale registry 2015-2025: ``(units, events, meta)``."""
    rng = np.random.default_rng(seed)
    specs = national_specs(provinces, rng)
    cum, info = calibrate_national(specs, rng)
    units = pd.concat([build_province(s, rng) for s in specs], ignore_index=True)
    w = World(units, tuple(specs), rng)
    base = np.array([s.psus for s in specs])
    targets = {}
    for j, year in enumerate(range(2016, 2022)):
        targets[year] = {"agency": ("frac", np.full(provinces, NATIONAL_AGENCY[year])), "psu": ("count", base - cum[:, j])}
    for year, frac in NATIONAL_PSU_LATER.items():
        targets[year] = {"agency": ("frac", np.full(provinces, NATIONAL_AGENCY[year])), "psu": ("frac", np.full(provinces, frac))}
    pairs = province_merges(provinces, rng)
    all_p = list(range(provinces))
    hooks = {
        2019: [("2019-01-01", hook_market_surveillance, all_p)],
        2025: [("2025-03-01", hook_departments_2025, all_p), ("2025-07-01", hook_abolish_districts, all_p),
               ("2025-07-01", make_province_merge_hook(pairs), all_p)],
    }
    history = simulate(w, hooks, targets)
    units, events = export(w, "VN-E")
    meta = dict(
        name=f"national-{provinces}",
        description=(f"Synthetic national registry: {provinces} provinces, 2015-2025, calibrated to the national PSU figures "
                     f"(55,891 in 2015 -> 48,442 in 2021 for 63 provinces, scaled by {provinces}/63), with the 2025 "
                     "reorganisation (departments 20 -> 14, district level abolished, provinces 63 -> 34 scaled)."),
        start=START, kind="national", seed=seed, provinces=provinces,
        sources=["National PSU counts 2015 and 2021 (55,891 -> 48,442) and school and commune counts as gathered in "
                 "docs/domain-facts.md; Resolution 19-NQ/TW; Resolution 202/2025/QH15", "Every unit and event is synthetic"],
        generator=f"orgmodel.synth.generate_national(provinces={provinces}, seed={seed})",
        calibration=dict(info, province_merges=len(pairs), provinces_after_2025=provinces - len(pairs)),
        history={d: {k: int(v.sum()) for k, v in c.items()} for d, c in history.items()},
    )
    return units, events, meta




def render_national_readme(units: pd.DataFrame, events: pd.DataFrame, meta: dict) -> str:
    """README.md of a national registry: what it is and its calibration."""
    table = calibration_table(units, events, ["2015-12-31", "2021-12-31", "2025-12-31"])
    t = count_units(units, events, ["2015-12-31", "2021-12-31", "2025-12-31"]).set_index("date")
    cal = meta["calibration"]
    return f"""# Synthetic national registry ({meta['provinces']} provinces)

Generated by `{meta['generator']}` (`python -m orgmodel.synth national OUT --provinces {meta['provinces']}
--seed {meta['seed']}`). Every unit and event is synthetic; only the totals are calibrated.

{meta['description']}

## Calibration

- PSUs: {cal['psu_2015']:,} at 2015-12-31 -> {cal['psu_2021']:,} at 2021-12-31 (-{cal['reduced']:,}), exactly
  (national figures 55,891 -> 48,442 scaled by {meta['provinces']}/63); {cal['provinces_below_10pct']} provinces cut
  less than 10 %.
- 2022-2025: small yearly PSU and agency reductions (not calibrated); 2025-03-01 departments 20 -> 14
  in every province; 2025-07-01 district level abolished (commune-level governments established,
  schools and centres transferred, phòng and district UBNDs dissolved) and {cal['province_merges']} provinces
  merged into neighbours ({meta['provinces']} -> {cal['provinces_after_2025']}).

Counts per kind (from the CSVs, per the registry contract):

{_md_table(table)}

Government units open: {int(t.loc['2015-12-31', 'government'])} at 2015-12-31, {int(t.loc['2025-12-31', 'government'])} at 2025-12-31.

Events by type:

{_md_table(_event_mix(events))}

Ids: province `Tnn-UBND`, departments `Tnn-<dept>` (codes as in the Quảng Ninh registry), districts
`Tnn-Ddd-UBND` with their phòng `Tnn-Ddd-<code>` and schools `Tnn-Ddd-MN-nnn`, hospitals `Tnn-BV-nnn`,
district health centres `Tnn-TTYT-Ddd`, communes `Tnn-XA-nn`; events `VN-E...` in date order.
"""
