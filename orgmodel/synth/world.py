"""Shared world building: province and district specifications, the province builder (the units
of one province on the start date) and :class:`World`, the registry being generated, whose every
operation checks the registry contract's rules against the current state."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .tables import (CHI_CUC, CHI_CUC_DIVISIONS, CORE_DIVISION, DEPARTMENTS, DISTRICT_PHONG, DISTRICT_PSUS, DIVISIONS, MOVABLE,
                     PROVINCIAL_HOSPITALS, PROVINCIAL_PSUS, SCHOOLS)


# ====================================================================== specifications

# The legal type (registry format 1.1 ``unit_type``) of a district-level unit, by its Vietnamese type.
DISTRICT_TYPES = {"thành phố": "thanh-pho", "thị xã": "thi-xa", "huyện": "huyen", "quận": "quan"}


@dataclass(frozen=True)
class DistrictSpec:
    """One district-level unit (city, town or rural district) of a province."""

    short: str            # short code used inside province-wide ids, e.g. "HL" (QN-TTYT-HL) or "D03"
    prefix: str           # id prefix of the district's own units, e.g. "HL" (HL-UBND) or "T07-D03"
    name: str             # locality name, e.g. "Hạ Long"
    type: str             # "thành phố" / "thị xã" / "huyện"
    lat: float
    lon: float
    spread: float         # standard deviation of unit coordinates around the centre (degrees)
    weight: float         # share of the province's schools
    ethnic: bool          # has a Phòng Dân tộc
    places: tuple[str, ...]
    communes: tuple["Commune", ...] = ()   # real commune-level units on the start date (Quảng Ninh)
    code: str = ""                         # the statistics office's code (Quảng Ninh)
    population: float = float("nan")
    area_km2: float = float("nan")

    @property
    def official_name(self) -> str:
        """The territory's own name, e.g. "Thành phố Hạ Long" (Quảng Ninh) or "UBND huyện H01.02"."""
        return self.full[:1].upper() + self.full[1:] if self.code else f"UBND {self.full}"

    @property
    def full(self) -> str:
        return f"{self.type} {self.name}"

    @property
    def urban(self) -> bool:
        return self.type in ("thành phố", "thị xã")

    @property
    def unit_type(self) -> str:
        return DISTRICT_TYPES[self.type]


@dataclass(frozen=True)
class Commune:
    """A commune-level unit (xã, phường, thị trấn) on the start date, from the territory tables."""

    unit_id: str
    code: str
    name: str          # official name, e.g. "Phường Hồng Gai"
    place: str         # the name without its type, e.g. "Hồng Gai"
    unit_type: str     # phuong / xa / thi-tran
    lat: float         # synthetic point near the district centre
    lon: float
    population: float = float("nan")
    area_km2: float = float("nan")


@dataclass(frozen=True)
class ProvinceSpec:
    """Everything the province builder needs; Quảng Ninh and synthetic provinces share it."""

    index: int
    code: str                         # id prefix, "QN" or "T07"
    name: str                         # "Quảng Ninh"
    full: str                         # "tỉnh Quảng Ninh"
    lat: float
    lon: float
    bbox: tuple[float, float, float, float]
    districts: tuple[DistrictSpec, ...]
    psus: int                         # PSUs on the start date (schools fill up to it)
    agencies: int | None              # agencies on the start date (None: natural size)
    thpt: int                         # upper-secondary schools under Sở GD&ĐT
    communes_2025: int                # commune-level governments from 2025-07-01
    district_hospitals: tuple[str, ...]
    hat_kiem_lam: tuple[str, ...]     # districts with a forest-ranger station
    health_centre_parent: str = "province"   # district health centres under Sở Y tế or the district
    qn: bool = False                  # include the Quảng Ninh-specific units
    division_share: float = 1.0       # share of each department's division list in use
    dept_suffix: str = ""             # appended to department names (national: " (Tỉnh 07)")
    chuyen: str = ""                  # name of the specialised upper-secondary school
    cdn: str = ""                     # name of the vocational college
    school_shares: tuple[float, ...] | None = None   # MN, TH, THCS, TH&THCS shares (default: schools.csv)
    health_stations: bool = False     # one commune health station (trạm y tế) per commune, under the district health centre
    official_code: str = ""           # the statistics office's code of the province (real territory)

    def district(self, short: str) -> DistrictSpec:
        return next(d for d in self.districts if d.short == short)


def allocate(total: int, weights, minimum=0, cap=None) -> np.ndarray:
    """Split the integer ``total`` proportionally to ``weights`` (largest remainder, ties by
    position), giving each item at least ``minimum`` and at most ``cap``."""
    w = np.asarray(weights, dtype=float)
    n = len(w)
    out = np.broadcast_to(np.asarray(minimum), n).astype(np.int64).copy()
    caps = np.full(n, total, dtype=np.int64) if cap is None else np.broadcast_to(np.asarray(cap), n).astype(np.int64)
    if not (out.sum() <= total <= caps.sum()) or (out > caps).any():
        raise ValueError(f"cannot allocate {total} over {n} items with minimum {minimum} and cap {cap}")
    rest = int(total - out.sum())
    while rest > 0:
        ww = np.where(out < caps, w, 0.0)
        if ww.sum() <= 0:
            ww = (out < caps).astype(float)
        share = rest * ww / ww.sum()
        add = np.minimum(np.floor(share).astype(np.int64), caps - out)
        out += add
        rest -= int(add.sum())
        if rest <= 0:
            break
        frac = np.where(out < caps, share - np.floor(share), -1.0)
        order = np.lexsort((np.arange(n), -frac))[:rest]
        order = order[out[order] < caps[order]]
        out[order] += 1
        rest -= len(order)
    return out


# ====================================================================== the province builder


def _row(**kw) -> dict:
    """One internal unit row with defaults (see :func:`build_province` for the columns)."""
    base = dict(kind="psu", level="province", parent_id="", locality="province", staff_lo=5, staff_hi=10, aut="",
                dprefix="", code="", category="other", container=False, fillable=False, place="", unit_type="", commune="",
                official_code="", population=np.nan, area_km2=np.nan,
                idprefix="", idnum=-1, idwidth=0, lat0=np.nan, lon0=np.nan, sd=0.012)
    base.update(kw)
    return base


def _numbered(prefix: str, n: int, width: int) -> tuple[str, int, int]:
    return f"{prefix}{n:0{width}d}", n, width


def _province_top(spec: ProvinceSpec, rng: np.random.Generator) -> list[dict]:
    """UBND tỉnh, departments, their divisions, sub-departments and their divisions and teams."""
    P, rows = spec.code, []
    name = spec.full[:1].upper() + spec.full[1:] if spec.official_code else f"UBND {spec.full}"
    rows.append(_row(unit_id=f"{P}-UBND", name=name, kind="government", sector="general", official_code=spec.official_code,
                     staff_lo=8, staff_hi=12, code="UBND", category="gov-province", container=True, unit_type="tinh"))
    for code, name, sector, utype in DEPARTMENTS:
        did = f"{P}-{code}"
        rows.append(_row(unit_id=did, name=name + spec.dept_suffix, kind="agency", sector=sector, parent_id=f"{P}-UBND",
                         staff_lo=3, staff_hi=6, code=code, category="dept", container=True, unit_type=utype))
        names = DIVISIONS[code]
        keep = max(3, int(round(len(names) * spec.division_share)))
        for k, dn in enumerate(names[:keep], start=1):
            uid, num, width = _numbered(f"{did}-P", k, 2)
            rows.append(_row(unit_id=uid, name=dn, kind="agency", sector=sector, parent_id=did, staff_lo=5, staff_hi=12,
                             code="P", category="inspection" if dn.startswith("Thanh tra") else "division",
                             fillable=not dn.startswith(CORE_DIVISION), unit_type="phong-thuoc-so",
                             idprefix=f"{did}-P", idnum=num, idwidth=width))
    for dept, cc, name, sector, utype in CHI_CUC:
        rows.append(_row(unit_id=f"{P}-{dept}-{cc}", name=name, kind="agency", sector=sector, parent_id=f"{P}-{dept}",
                         staff_lo=12, staff_hi=30, code=cc, category="chicuc", container=True, unit_type=utype))
    rows += _chi_cuc_divisions(spec, rng, rows)
    rows += _teams(spec)
    return rows


def _chi_cuc_divisions(spec: ProvinceSpec, rng: np.random.Generator, rows_so_far: list[dict]) -> list[dict]:
    """Internal divisions of the sub-departments. With a target agency count (Quảng Ninh) their
    number fills the gap left by every other agency, so the 2015 agency count is exact."""
    n_cc = len(CHI_CUC)
    if spec.agencies is None:
        counts = rng.integers(1, 4, size=n_cc)
    else:
        fixed = sum(r["kind"] == "agency" for r in rows_so_far) + len(_teams(spec)) + _district_agency_count(spec)
        need = spec.agencies - fixed
        counts = allocate(need, rng.uniform(0.5, 1.5, size=n_cc), minimum=1, cap=len(CHI_CUC_DIVISIONS))
    out = []
    for (dept, cc, _, sector, _), n in zip(CHI_CUC, counts):
        cid = f"{spec.code}-{dept}-{cc}"
        for k in range(1, int(n) + 1):
            uid, num, width = _numbered(f"{cid}-P", k, 2)
            out.append(_row(unit_id=uid, name=CHI_CUC_DIVISIONS[k - 1], kind="agency", sector=sector, parent_id=cid,
                            staff_lo=4, staff_hi=8, code="P", category="ccdiv", fillable=True, unit_type="phong-thuoc-chi-cuc",
                            idprefix=f"{cid}-P", idnum=num, idwidth=width))
    return out


def _teams(spec: ProvinceSpec) -> list[dict]:
    """Forest-ranger stations (Hạt Kiểm lâm) and market-surveillance teams (Đội QLTT)."""
    P, out = spec.code, []
    kl = f"{P}-SNN-CCKL"
    for short in spec.hat_kiem_lam:
        d = spec.district(short)
        out.append(_row(unit_id=f"{P}-HKL-{short}", name=f"Hạt Kiểm lâm {d.full}", kind="agency", sector="agriculture",
                        parent_id=kl, level="district", locality=d.name, dprefix=d.prefix, staff_lo=8, staff_hi=20,
                        code="HKL", category="team", fillable=True, unit_type="kiem-lam", lat0=d.lat, lon0=d.lon, sd=d.spread))
    out.append(_row(unit_id=f"{P}-DKLCD", name="Đội Kiểm lâm cơ động và Phòng cháy, chữa cháy rừng", kind="agency",
                    sector="agriculture", parent_id=kl, staff_lo=10, staff_hi=20, code="DKLCD", category="team", fillable=True,
                    unit_type="kiem-lam"))
    n_qltt = max(3, int(round(0.8 * len(spec.districts))))
    for k in range(1, n_qltt + 1):
        uid, num, width = _numbered(f"{P}-QLTT-D", k, 2)
        out.append(_row(unit_id=uid, name=f"Đội Quản lý thị trường số {k}", kind="agency", sector="industry-trade",
                        parent_id=f"{P}-SCT-CCQLTT", staff_lo=6, staff_hi=12, code="DQLTT", category="team", fillable=True, unit_type="doi-quan-ly-thi-truong",
                        idprefix=f"{P}-QLTT-D", idnum=num, idwidth=width))
    return out


def _phong_applies(applies: str, d: DistrictSpec) -> bool:
    return applies == "all" or (applies == "urban" and d.urban) or (applies == "rural" and not d.urban) or (applies == "ethnic" and d.ethnic)


def _district_agency_count(spec: ProvinceSpec) -> int:
    return sum(_phong_applies(a, d) for d in spec.districts for _, _, _, a, _ in DISTRICT_PHONG)


def _fmt(template: str, spec: ProvinceSpec) -> str:
    return template.format(tinh=spec.name, tinh_full=spec.full, chuyen=spec.chuyen or spec.name, cdn=spec.cdn or f"nghề {spec.name}")


def _province_psus(spec: ProvinceSpec) -> list[dict]:
    """Province-level PSUs: centres of the departments, media, project boards, hospitals."""
    P, rows = spec.code, []
    by_name = {d.name: d for d in spec.districts}
    for code, parent, name, sector, cat, lo, hi, aut, scope, loc, utype in PROVINCIAL_PSUS:
        if scope == "qn" and not spec.qn:
            continue
        d = by_name.get(loc)
        cat = "centre-movable" if code in MOVABLE else cat
        rows.append(_row(unit_id=f"{P}-{code}", name=_fmt(name, spec), sector=sector, category=cat, code=code,
                         parent_id=f"{P}-UBND" if parent == "UBND" else f"{P}-{parent}", staff_lo=lo, staff_hi=hi, aut=aut,
                         locality=d.name if d else "province", lat0=d.lat if d else np.nan, lon0=d.lon if d else np.nan,
                         sd=d.spread if d else 0.012, unit_type=utype))
    k = 0
    for name, lo, hi, aut, scope, loc, utype in PROVINCIAL_HOSPITALS:
        if scope == "qn" and not spec.qn:
            continue
        k += 1
        d = by_name.get(loc)
        uid, num, width = _numbered(f"{P}-BV-", k, 3)
        rows.append(_row(unit_id=uid, name=_fmt(name, spec), sector="health", category="hospital", code="BV",
                         parent_id=f"{P}-SYT", staff_lo=lo, staff_hi=hi, aut=aut, locality=d.name if d else "province",
                         lat0=d.lat if d else np.nan, lon0=d.lon if d else np.nan, sd=d.spread if d else 0.012,
                         idprefix=f"{P}-BV-", idnum=num, idwidth=width, unit_type=utype))
    for short in spec.district_hospitals:
        k += 1
        d = spec.district(short)
        uid, num, width = _numbered(f"{P}-BV-", k, 3)
        rows.append(_row(unit_id=uid, name=f"Bệnh viện Đa khoa {d.full}", sector="health", category="district-hospital",
                         code="BV", parent_id=f"{P}-SYT", level="district", locality=d.name, dprefix=d.prefix,
                         staff_lo=90, staff_hi=220, aut="23", lat0=d.lat, lon0=d.lon, sd=d.spread, unit_type="benh-vien",
                         idprefix=f"{P}-BV-", idnum=num, idwidth=width))
    return rows


def _district_units(spec: ProvinceSpec) -> list[dict]:
    """District UBNDs, their phòng and PSUs, district health centres and population centres."""
    P, rows = spec.code, []
    for d in spec.districts:
        loc = dict(level="district", locality=d.name, dprefix=d.prefix, lat0=d.lat, lon0=d.lon, sd=d.spread)
        gov = f"{d.prefix}-UBND"
        rows.append(_row(unit_id=gov, name=d.official_name, kind="government", sector="general", parent_id=f"{P}-UBND",
                         staff_lo=4, staff_hi=7, code="UBND", category="gov-district", container=True,
                         unit_type=d.unit_type, official_code=d.code, population=d.population, area_km2=d.area_km2, **loc))
        for c in d.communes:
            rows.append(_row(unit_id=c.unit_id, name=c.name, kind="government", level="commune", sector="general",
                             parent_id=gov, locality=d.name, dprefix=d.prefix, staff_lo=18, staff_hi=26, code="XA",
                             category="gov-commune", container=True, unit_type=c.unit_type, place=c.place, commune=c.unit_id,
                             official_code=c.code, population=c.population, area_km2=c.area_km2, lat0=c.lat, lon0=c.lon, sd=0.0))
        for code, name, sector, applies, core in DISTRICT_PHONG:
            if _phong_applies(applies, d):
                rows.append(_row(unit_id=f"{d.prefix}-{code}", name=f"{name} {d.full}", kind="agency", sector=sector,
                                 parent_id=gov, staff_lo=5, staff_hi=15, code=code, category="inspection" if code == "TTR" else "phong",
                                 fillable=not core, unit_type="phong-cap-huyen", **loc))
        for code, name, sector, cat, lo, hi, aut, applies, utype in DISTRICT_PSUS:
            if _phong_applies(applies, d):
                rows.append(_row(unit_id=f"{d.prefix}-{code}", name=f"{name} {d.full}", sector=sector, parent_id=gov,
                                 staff_lo=lo, staff_hi=hi, aut=aut, code=code, category=cat, unit_type=utype, **loc))
        hc_parent = f"{P}-SYT" if spec.health_centre_parent == "province" else gov
        big = 1.0 + 4.0 * d.weight
        rows.append(_row(unit_id=f"{P}-TTYT-{d.short}", name=f"Trung tâm Y tế {d.full}", sector="health", parent_id=hc_parent,
                         staff_lo=int(120 * big), staff_hi=int(220 * big), aut="23", code="TTYT", category="ttyt",
                         container=True, unit_type="trung-tam-y-te", **loc))
        rows.append(_row(unit_id=f"{P}-TTDS-{d.short}", name=f"Trung tâm Dân số - Kế hoạch hóa gia đình {d.full}",
                         sector="health", parent_id=f"{P}-SYT-CCDS", staff_lo=4, staff_hi=9, aut="4", code="TTDS",
                         category="ttds", unit_type="dan-so-khhgd", **loc))
        if spec.health_stations:
            rows += _health_stations(spec, d, f"{P}-TTYT-{d.short}")
    return rows


def _health_stations(spec: ProvinceSpec, d: DistrictSpec, ttyt: str) -> list[dict]:
    """One commune health station (trạm y tế xã, phường, thị trấn) per commune of the district,
    managed by the district health centre (Circular 37/2016/TT-BYT)."""
    rows = []
    communes = d.communes or tuple(Commune("", "", p, p, "", d.lat, d.lon) for p in d.places)
    for k, c in enumerate(communes, start=1):
        uid, num, width = _numbered(f"{spec.code}-TYT-{d.short}-", k, 2)
        label = c.name[:1].lower() + c.name[1:] if c.unit_id else c.name
        rows.append(_row(unit_id=uid, name=f"Trạm Y tế {label}", sector="health", parent_id=ttyt, level="commune",
                         locality=d.name, dprefix=d.prefix, place=c.place, staff_lo=4, staff_hi=8, aut="4", code="TYT",
                         category="station", unit_type="tram-y-te", idprefix=f"{spec.code}-TYT-{d.short}-", idnum=num,
                         idwidth=width, lat0=c.lat, lon0=c.lon, sd=0.004 if c.unit_id else d.spread, commune=c.unit_id))
    return rows


def _schools(spec: ProvinceSpec, n_basic: int, rng: np.random.Generator) -> list[dict]:
    """Upper-secondary schools under Sở GD&ĐT and preschools, primary and lower-secondary
    schools under the district UBNDs; ``n_basic`` of the latter (the PSU calibration filler)."""
    P, rows = spec.code, []
    w = np.array([d.weight for d in spec.districts])
    thpt = allocate(spec.thpt, w, minimum=1)
    k = 0
    for d, n in zip(spec.districts, thpt):
        for _ in range(int(n)):
            k += 1
            uid, num, width = _numbered(f"{P}-THPT-", k, 3)
            rows.append(_school_row(spec, d, "school-thpt", f"{P}-SGDDT", uid, num, width, "province", f"{P}-THPT-"))
    cats = [c for c in SCHOOLS if SCHOOLS[c][4] > 0]
    share = np.array(spec.school_shares or [SCHOOLS[c][4] for c in cats])
    mins = np.array([[1 if c != "school-ths" else 0 for c in cats] for _ in spec.districts]).ravel()
    counts = allocate(n_basic, np.outer(w, share).ravel(), minimum=mins).reshape(len(spec.districts), len(cats))
    for d, row in zip(spec.districts, counts):
        for cat, n in zip(cats, row):
            prefix = f"{d.prefix}-{SCHOOLS[cat][0]}-"
            for j in range(1, int(n) + 1):
                uid, num, width = _numbered(prefix, j, 3)
                rows.append(_school_row(spec, d, cat, f"{d.prefix}-UBND", uid, num, width, "district", prefix))
    _name_schools(rows, rng)
    return rows


def _school_row(spec, d: DistrictSpec, cat, parent, uid, num, width, level, prefix) -> dict:
    code, _, lo, hi, _, utype = SCHOOLS[cat]
    return _row(unit_id=uid, name="", sector="education", parent_id=parent, level=level, locality=d.name, dprefix=d.prefix,
                staff_lo=lo, staff_hi=hi, aut="34", code=code, category=cat, fillable=True, unit_type=utype,
                idprefix=prefix, idnum=num, idwidth=width, lat0=d.lat, lon0=d.lon, sd=d.spread, _places=d.places,
                _points={c.place: (c.lat, c.lon, c.unit_id) for c in d.communes})


def _name_schools(rows: list[dict], rng: np.random.Generator) -> None:
    """Give each school a place (ward/commune) of its district, cycling from a random start."""
    by_district: dict[str, list[dict]] = {}
    for r in rows:
        by_district.setdefault(r["dprefix"] + "|" + r["category"], []).append(r)
    for key in sorted(by_district):
        group = by_district[key]
        places = group[0]["_places"]
        start = int(rng.integers(len(places)))
        seen: dict[str, int] = {}
        for j, r in enumerate(group):
            r["place"] = places[(start + j) % len(places)]
            seen[r["place"]] = seen.get(r["place"], 0) + 1
            r["name"] = school_name(r["category"], r["place"], seen[r["place"]])
            point = r["_points"].get(r["place"])
            if point is not None:           # a real commune: the school stands near its point
                r["lat0"], r["lon0"], r["sd"], r["commune"] = point[0], point[1], 0.005, point[2]
    for r in rows:
        del r["_places"], r["_points"]


def school_name(category: str, place: str, k: int) -> str:
    """'Trường Tiểu học Hồng Hải', the k-th of that name in a district: '... số k'."""
    base = f"{SCHOOLS[category][1]} {place}"
    return base if k <= 1 else f"{base} số {k}"


def build_province(spec: ProvinceSpec, rng: np.random.Generator) -> pd.DataFrame:
    """The units of one province on the start date, as an internal table.

    Internal columns beyond the contract's: ``prov`` (province index), ``dprefix`` (district id
    prefix, "" for province-wide units), ``code``, ``category``, ``container`` (may have children),
    ``fillable`` (may be the source of a filler event), ``place``, ``idprefix``/``idnum``/``idwidth``
    (numbered id families, so new units continue the numbering).
    """
    rows = _province_top(spec, rng) + _province_psus(spec) + _district_units(spec)
    other_psus = sum(r["kind"] == "psu" for r in rows) + spec.thpt
    n_basic = spec.psus - other_psus
    if n_basic < 4 * len(spec.districts):
        raise ValueError(f"{spec.name}: {spec.psus} PSUs leave too few schools ({n_basic})")
    school_rows = _schools(spec, n_basic, rng)
    df = pd.DataFrame(rows + school_rows)
    df["prov"] = spec.index
    if spec.agencies is not None:
        got = int((df["kind"] == "agency").sum())
        assert got == spec.agencies, f"{spec.name}: built {got} agencies, wanted {spec.agencies}"
    assert int((df["kind"] == "psu").sum()) == spec.psus
    return _finish_attributes(df, spec, rng)


def _clip_coords(lat, lon, bbox):
    lat_lo, lat_hi, lon_lo, lon_hi = bbox
    return np.clip(lat, lat_lo, lat_hi).round(5), np.clip(lon, lon_lo, lon_hi).round(5)


def _finish_attributes(df: pd.DataFrame, spec: ProvinceSpec, rng: np.random.Generator) -> pd.DataFrame:
    """Draw staff, autonomy group (PSUs only) and coordinates; drop the helper columns."""
    n = len(df)
    df["staff"] = rng.integers(df["staff_lo"].to_numpy(), df["staff_hi"].to_numpy() + 1)
    u = rng.random(n)
    aut = [int(a[int(x * len(a))]) if a and k == "psu" else None for a, x, k in zip(df["aut"], u, df["kind"])]
    df["autonomy"] = pd.array(aut, dtype="Int64")
    z = rng.normal(size=(n, 2))
    sd = df["sd"].to_numpy(dtype=float)
    lat = df["lat0"].fillna(spec.lat).to_numpy(dtype=float) + z[:, 0] * sd
    lon = df["lon0"].fillna(spec.lon).to_numpy(dtype=float) + z[:, 1] * sd
    df["lat"], df["lon"] = _clip_coords(lat, lon, spec.bbox)
    return df.drop(columns=["staff_lo", "staff_hi", "aut", "lat0", "lon0", "sd"])


# ====================================================================== simulation state


@dataclass
class World:
    """The registry being generated: units (internal table), who is open, current parents, and
    the events so far. Every operation checks the contract's rules against this state."""

    units: pd.DataFrame
    specs: tuple[ProvinceSpec, ...]
    rng: np.random.Generator
    is_open: np.ndarray = field(init=False)
    closed: np.ndarray = field(init=False)
    parent: np.ndarray = field(init=False)
    events: list[dict] = field(default_factory=list)
    seq: dict[str, int] = field(default_factory=dict)
    names: dict[tuple, int] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)
    successor: dict[int, int] = field(default_factory=dict)   # closed by merge/consolidate -> the unit carrying on
    territory: object = None                                    # the real territory tables (Quảng Ninh)

    def __post_init__(self):
        self.units = self.units.reset_index(drop=True)
        n = len(self.units)
        self.index = dict(zip(self.units["unit_id"], range(n)))
        assert len(self.index) == n, "duplicate unit ids in the build"
        self.is_open = np.ones(n, dtype=bool)
        self.closed = np.zeros(n, dtype=bool)
        self.parent = np.array([self.index[p] if p else -1 for p in self.units["parent_id"]], dtype=np.int64)
        num = self.units[self.units["idnum"] >= 0]
        self.seq = {k: int(v) for k, v in num.groupby("idprefix")["idnum"].max().items()}
        schools = self.units[self.units["category"].str.startswith("school-")]
        self.names = {k: int(v) for k, v in schools.groupby(["dprefix", "category", "place"]).size().items()}
        self.districts = {d.prefix: d for spec in self.specs for d in spec.districts}
        self.district_prefix = {d.code: d.prefix for spec in self.specs for d in spec.districts if d.code}
        self._refresh()

    def _refresh(self) -> None:
        u = self.units
        self.kind = u["kind"].to_numpy(dtype=object)
        self.cat = u["category"].to_numpy(dtype=object)
        self.code = u["code"].to_numpy(dtype=object)
        self.prov = u["prov"].to_numpy(dtype=np.int64)
        self.dprefix = u["dprefix"].to_numpy(dtype=object)
        self.locality = u["locality"].to_numpy(dtype=object)
        self.sector = u["sector"].to_numpy(dtype=object)
        self.fillable = u["fillable"].to_numpy(dtype=bool)
        self.ids = u["unit_id"].to_numpy(dtype=object)
        self.uname = u["name"].to_numpy(dtype=object)
        order = np.argsort(self.prov, kind="stable")
        bounds = np.searchsorted(self.prov[order], np.arange(len(self.specs) + 1))
        self._by_prov = [order[bounds[p]:bounds[p + 1]] for p in range(len(self.specs))]

    # ------------------------------------------------------------------ look-ups
    def idx(self, unit_id: str) -> int:
        return self.index[unit_id]

    def find(self, prov: int | None = None, *, code=None, category=None, dprefix=None, parent=None, kind=None) -> np.ndarray:
        """Indices (ascending) of the OPEN units matching every given attribute (a list matches any)."""
        base = np.arange(len(self.ids)) if prov is None else self._by_prov[prov]
        m = self.is_open[base]
        for arr, want in ((self.code, code), (self.cat, category), (self.dprefix, dprefix), (self.parent, parent), (self.kind, kind)):
            if want is None:
                continue
            vals = arr[base]
            m &= np.isin(vals, want) if isinstance(want, (list, tuple, np.ndarray)) else (vals == want)
        return base[m]

    def one(self, prov: int, **kw) -> int | None:
        hits = self.find(prov, **kw)
        return int(hits[0]) if len(hits) else None

    def children(self, idx) -> np.ndarray:
        """Open units whose current parent is ``idx`` (one index or several)."""
        if np.ndim(idx) == 0:
            return np.flatnonzero(self.is_open & (self.parent == idx))
        return np.flatnonzero(self.is_open & np.isin(self.parent, idx))

    def root(self, prov: int) -> int:
        return self.idx(f"{self.specs[prov].code}-UBND")

    def counts(self, kind: str) -> np.ndarray:
        m = self.is_open & (self.kind == kind)
        return np.bincount(self.prov[m], minlength=len(self.specs))

    # ------------------------------------------------------------------ primitive changes
    def add_units(self, rows: pd.DataFrame) -> np.ndarray:
        """Append new (not yet open) units; returns their indices."""
        start = len(self.units)
        rows = rows.reset_index(drop=True)
        for i, uid in enumerate(rows["unit_id"]):
            assert uid not in self.index, f"unit id {uid} generated twice"
            self.index[uid] = start + i
        self.units = pd.concat([self.units, rows[self.units.columns]], ignore_index=True)
        n_new = len(rows)
        self.is_open = np.concatenate([self.is_open, np.zeros(n_new, dtype=bool)])
        self.closed = np.concatenate([self.closed, np.zeros(n_new, dtype=bool)])
        self.parent = np.concatenate([self.parent, np.array([self.index[p] for p in rows["parent_id"]], dtype=np.int64)])
        self._refresh()
        return np.arange(start, start + n_new)

    def open_units(self, idx) -> None:
        idx = np.atleast_1d(idx)
        assert not (self.is_open[idx] | self.closed[idx]).any(), "a unit is opened twice"
        par = self.parent[idx]
        assert ((par < 0) | self.is_open[np.maximum(par, 0)]).all(), "a new unit's parent is not open"
        self.is_open[idx] = True

    def close_units(self, idx, successor=None) -> None:
        """Close units; with ``successor`` (merge/consolidate) their open children move to it,
        otherwise (split/dissolve) they must have none left."""
        idx = np.atleast_1d(idx)
        assert self.is_open[idx].all(), "closing a unit that is not open"
        small = len(idx) <= 8
        if successor is None:
            has_kids = any((self.is_open & (self.parent == i)).any() for i in idx) if small \
                else np.isin(idx, self.parent[self.is_open]).any()
            assert not has_kids, "closing a unit that still has open children"
        else:
            succ = np.broadcast_to(np.atleast_1d(successor), idx.shape)
            assert self.is_open[succ].all() and not np.isin(succ, idx).any()
            self.successor.update(zip(idx.tolist(), succ.tolist()))
            if small:
                for i, t in zip(idx, succ):
                    self.parent[self.is_open & (self.parent == i)] = t
            else:
                move = np.arange(len(self.parent))
                move[idx] = succ
                live = self.is_open & (self.parent >= 0)
                self.parent[live] = move[self.parent[live]]
        self.is_open[idx] = False
        self.closed[idx] = True

    def transfer(self, idx, new_parent: int) -> None:
        idx = np.atleast_1d(idx)
        assert self.is_open[idx].all() and self.is_open[new_parent]
        assert not np.isin(new_parent, idx)
        if (self.kind[idx] == "government").any():
            assert self.kind[new_parent] == "government"
        self.parent[idx] = new_parent

    def record(self, date: str, etype: str, sources=(), targets=(), new_parent: int | None = None,
               legal: str = "", note: str = "", changes: str = "") -> None:
        """Append one event (ids from indices)."""
        self.events.append(dict(
            date=date, type=etype,
            sources=";".join(self.ids[np.asarray(sources, dtype=np.int64)]) if len(sources) else "",
            targets=";".join(self.ids[np.asarray(targets, dtype=np.int64)]) if len(targets) else "",
            new_parent_id=self.ids[new_parent] if new_parent is not None else "",
            legal_basis=legal, note=note, changes=changes))

    # ------------------------------------------------------------------ naming helpers
    def next_ids(self, prefixes, widths) -> list[str]:
        """Continue numbered id families (e.g. HL-MN-071 after HL-MN-070)."""
        out = []
        for p, wd in zip(prefixes, widths):
            self.seq[p] = self.seq.get(p, 0) + 1
            out.append(f"{p}{self.seq[p]:0{int(wd)}d}")
        return out

    def school_names(self, dprefixes, categories, places) -> list[str]:
        out = []
        for d, c, p in zip(dprefixes, categories, places):
            key = (d, c, p)
            self.names[key] = self.names.get(key, 0) + 1
            out.append(school_name(c, p, self.names[key]))
        return out

    def legal(self, n: int, kind: str = "QĐ-UBND") -> list[str]:
        return [f"{int(x)}/{kind}" for x in self.rng.integers(100, 5000, size=n)]

    def new_unit(self, template: int, **over) -> dict:
        """A row for a new unit derived from an existing one (attributes copied, then overridden)."""
        row = {c: self.units[c].iat[template] for c in self.units.columns}
        row.update(idnum=-1, idprefix="", idwidth=0)
        row.update(over)
        return row


