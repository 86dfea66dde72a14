"""Scripted reorganisations shared by every generated registry (hooks). A hook looks at the
current state on its date and records valid events for what it finds, so filler events in earlier
years (which may have closed some of the units involved) never break it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tables import QN_DEPARTMENTS_2025_LEGAL
from .world import World, _clip_coords, allocate


def _new_rows(w: World, rows: list[dict]) -> np.ndarray:
    idx = w.add_units(pd.DataFrame(rows))
    w.open_units(idx)
    return idx


def _merge(w: World, date, sources, target, legal, note) -> None:
    sources = np.atleast_1d(np.asarray(sources, dtype=np.int64))
    if len(sources):
        w.close_units(sources, successor=target)
        w.record(date, "merge", sources, [target], legal=legal, note=note)


def _consolidate(w: World, date, items: list[tuple]) -> None:
    """Hợp nhất, for a batch of ``(sources, row, legal, note, parent)``: at least two open sources
    become one new unit (children move to it). The new unit's parent is ``parent`` or else the
    current parent of the first source. New units are created in one go (fast)."""
    items = [(np.asarray(src, dtype=np.int64), row, lg, nt, par) for src, row, lg, nt, par in items if len(src) >= 2]
    if not items:
        return
    staff = w.units["staff"].to_numpy()
    rows = [dict(row, parent_id=w.ids[w.parent[src[0]] if par is None else par], staff=int(staff[src].sum() * 0.9))
            for src, row, _, _, par in items]
    new = _new_rows(w, rows)
    for (src, _, lg, nt, _), t in zip(items, new):
        w.close_units(src, successor=t)
        w.record(date, "consolidate", src, [t], legal=lg, note=nt)


def hook_district_health(w: World, date: str, provs) -> None:
    """District hospital and population centre merged into the district health centre, which
    becomes a multi-function centre (trung tâm y tế đa chức năng)."""
    for p in provs:
        spec = w.specs[p]
        for d in spec.districts:
            ttyt = w.one(p, code="TTYT", dprefix=d.prefix)
            if ttyt is None:
                continue
            src = np.concatenate([w.find(p, category="district-hospital", dprefix=d.prefix), w.find(p, code="TTDS", dprefix=d.prefix)])
            names = " và ".join(w.uname[src])
            _merge(w, date, src, ttyt, w.legal(1)[0],
                   f"Sáp nhập {names} vào {w.uname[ttyt]}, tổ chức lại thành trung tâm y tế đa chức năng.")


def hook_cdc(w: World, date: str, provs) -> None:
    """Provincial preventive-medicine centres consolidated into a Centre for Disease Control."""
    for p in provs:
        spec = w.specs[p]
        src = w.find(p, category="prev-centre")
        row = w.new_unit(int(src[0]), unit_id=f"{spec.code}-CDC", name=f"Trung tâm Kiểm soát bệnh tật {spec.full}",
                         code="CDC", category="centre", autonomy=4, unit_type="cdc")
        _consolidate(w, date, [(src, row, w.legal(1)[0],
                     f"Hợp nhất {len(src)} trung tâm y tế dự phòng tuyến tỉnh thành Trung tâm Kiểm soát bệnh tật.", None)])


def hook_district_media(w: World, date: str, provs) -> None:
    """Each district's culture-sports centre and radio-TV station consolidated into one centre."""
    items = []
    for p in provs:
        for d in w.specs[p].districts:
            src = np.concatenate([w.find(p, code="TTVH", dprefix=d.prefix), w.find(p, code="DTTH", dprefix=d.prefix)])
            if len(src) < 2:
                continue
            row = w.new_unit(int(src[0]), unit_id=f"{d.prefix}-TTTTVH", name=f"Trung tâm Truyền thông và Văn hóa {d.full}",
                             code="TTTTVH", category="district-centre", unit_type="truyen-thong-van-hoa")
            items.append((src, row, w.legal(1)[0], f"Hợp nhất {' và '.join(w.uname[src])} thành Trung tâm Truyền thông và Văn hóa {d.full}.", None))
    _consolidate(w, date, items)


def hook_provincial_media(w: World, date: str, provs) -> None:
    """The province's newspaper, radio-TV station, web portal and magazine consolidated into one
    provincial media centre."""
    for p in provs:
        spec = w.specs[p]
        src = w.find(p, category="media")
        row = w.new_unit(int(src[0]), unit_id=f"{spec.code}-TTTT", name=f"Trung tâm Truyền thông {spec.full}",
                         code="TTTT", category="centre", unit_type="trung-tam-truyen-thong")
        _consolidate(w, date, [(src, row, w.legal(1)[0],
                     f"Hợp nhất {', '.join(w.uname[src])} thành Trung tâm Truyền thông {spec.full}.", w.root(p))])


def hook_market_surveillance(w: World, date: str, provs) -> None:
    """The market-surveillance sub-department leaves the province (moved to the Ministry of
    Industry and Trade's General Department): its teams and divisions, then itself, dissolved."""
    note = ("lực lượng quản lý thị trường chuyển nguyên trạng về Tổng cục Quản lý thị trường (Bộ Công Thương), "
            "không còn thuộc UBND tỉnh")
    for p in provs:
        cc = w.one(p, code="CCQLTT")
        if cc is None:
            continue
        kids = w.children(cc)
        if len(kids):
            w.close_units(kids)
            w.record(date, "dissolve", kids, legal="34/2018/QĐ-TTg", note=f"Giải thể các đội và phòng thuộc Chi cục Quản lý thị trường: {note}.")
        w.close_units([cc])
        w.record(date, "dissolve", [cc], legal="34/2018/QĐ-TTg", note=f"Giải thể Chi cục Quản lý thị trường: {note}.")



# 2025 restructuring of the specialised agencies (20 -> 14), as Quảng Ninh and most provinces did.
DEPT_MERGES_2025 = [("SKHDT", "STC"), ("SGTVT", "SXD"), ("SLDTBXH", "SNV"), ("STTTT", "SKHCN")]
DEPT_CONSOLIDATIONS_2025 = [
    (("SNN", "STNMT"), "SNNMT", "Sở Nông nghiệp và Môi trường", "agriculture"),
    (("SVHTT", "SDL"), "SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "culture"),
    (("BDT", "BTG"), "SDTTG", "Sở Dân tộc và Tôn giáo", "ethnic-affairs"),
]


def hook_departments_2025(w: World, date: str, provs) -> None:
    """Specialised agencies 20 -> 14: four departments merged into another, three pairs
    consolidated into new departments (their divisions and units move with them)."""
    items = []
    for p in provs:
        spec = w.specs[p]
        for src_code, dst_code in DEPT_MERGES_2025:
            s, t = w.one(p, code=src_code), w.one(p, code=dst_code)
            if s is not None and t is not None:
                _merge(w, date, [s], t, w.legal(1, "NQ-HĐND")[0],
                       f"Sắp xếp cơ quan chuyên môn năm 2025: sáp nhập {w.uname[s]} vào {w.uname[t]}.")
        for codes, new_code, name, sector in DEPT_CONSOLIDATIONS_2025:
            src = np.array([i for c in codes if (i := w.one(p, code=c)) is not None], dtype=np.int64)
            if len(src) < 2:
                continue
            row = w.new_unit(int(src[0]), unit_id=f"{spec.code}-{new_code}", name=name + spec.dept_suffix, code=new_code,
                             sector=sector, category="dept", container=True, level="province", locality="province", unit_type="so")
            items.append((src, row, w.legal(1, "NQ-HĐND")[0],
                          f"Sắp xếp cơ quan chuyên môn năm 2025: hợp nhất {' và '.join(w.uname[src])} thành {name}.", w.root(p)))
    _consolidate(w, date, items)


def make_departments_hook(table, legal: str = QN_DEPARTMENTS_2025_LEGAL):
    """A hook applying a province's own 2025 typing of its department changes: rows
    ``(type, sources, target, name, sector, note)`` with ``type`` merge (the sources, ;-separated
    codes, into the department ``target``) or consolidate (the sources into a new department
    ``target`` named ``name``), in table order; divisions and units move with their department."""
    def hook_departments(w: World, date: str, provs) -> None:
        for p in provs:
            spec = w.specs[p]
            for typ, sources, target, name, sector, note in table:
                src = np.array([i for c in sources.split(";") if (i := w.one(p, code=c)) is not None], dtype=np.int64)
                if typ == "merge":
                    t = w.one(p, code=target)
                    if len(src) and t is not None:
                        _merge(w, date, src, t, legal, f"Sắp xếp cơ quan chuyên môn năm 2025: {note}.")
                elif len(src) >= 2:
                    row = w.new_unit(int(src[0]), unit_id=f"{spec.code}-{target}", name=name + spec.dept_suffix, code=target,
                                     sector=sector, category="dept", container=True, level="province", locality="province",
                                     unit_type="so")
                    _consolidate(w, date, [(src, row, legal, f"Sắp xếp cơ quan chuyên môn năm 2025: {note}.", w.root(p))])
    return hook_departments


SPECIAL_ZONES = ("Vân Đồn", "Cô Tô")  # island districts that became special zones (đặc khu) in 2025


def _commune_rows(w: World, p: int, g: int, n: int, first: int, special: bool) -> list[dict]:
    """Rows of ``n`` new commune-level governments on the area of district government ``g``."""
    spec = w.specs[p]
    d = w.districts[w.dprefix[g]]
    lat, lon = _clip_coords(d.lat + w.rng.normal(size=n) * d.spread, d.lon + w.rng.normal(size=n) * d.spread, spec.bbox)
    staff = w.rng.integers(15, 31, size=n)
    rows = []
    for j, k in enumerate(range(first, first + n)):
        name = f"UBND đặc khu {d.name}" if special else f"UBND xã, phường mới số {k:02d} (địa bàn {d.full} cũ)"
        rows.append(dict(unit_id=f"{spec.code}-XA-{k:02d}", name=name, kind="government", level="commune", sector="general",
                         parent_id=f"{spec.code}-UBND", locality=d.name, staff=int(staff[j]), autonomy=pd.NA,
                         lat=float(lat[j]), lon=float(lon[j]), prov=p, dprefix=d.prefix, code="XA", category="gov-commune",
                         container=True, fillable=False, place="", idprefix="", idnum=-1, idwidth=0,
                         unit_type="dac-khu" if special else "xa", commune="", official_code="", population=np.nan,
                         area_km2=np.nan))
    return rows


def hook_abolish_districts(w: World, date: str, provs) -> None:
    """District level abolished: new commune-level governments established under the province,
    schools and local centres transferred to them, health centres and continuing-education centres
    to the provincial departments, the phòng dissolved (functions to the communes), then the
    district UBND dissolved."""
    law = "Luật Tổ chức chính quyền địa phương 2025"
    plans, rows = [], []
    for p in provs:
        spec = w.specs[p]
        govs = w.find(p, category="gov-district")
        special = np.array([spec.qn and w.locality[g] in SPECIAL_ZONES for g in govs])
        weight = np.array([len(w.children(int(g))) + 1.0 for g in govs])
        n_comm = allocate(spec.communes_2025, weight, minimum=1, cap=np.where(special, 1, spec.communes_2025))
        first = 1
        for g, n, sp in zip(govs, n_comm, special):
            rows += _commune_rows(w, p, int(g), int(n), first, bool(sp))
            plans.append((p, int(g), int(n)))
            first += int(n)
    new = _new_rows(w, rows)
    k = 0
    for p, g, n in plans:
        communes, k = new[k:k + n], k + n
        full = w.uname[g].removeprefix("UBND ")
        w.record(date, "establish", targets=communes, legal="NQ-UBTVQH15 (sắp xếp đơn vị hành chính cấp xã 2025)",
                 note=f"Thành lập {n} đơn vị hành chính cấp xã mới trên địa bàn {full} cũ, trực thuộc UBND {w.specs[p].full}.")
        _empty_district(w, p, g, communes, date, full)
        w.close_units([g])
        w.record(date, "dissolve", [g], targets=communes, legal=law,
                 note=f"Kết thúc hoạt động của chính quyền địa phương cấp huyện ({full}) từ 01/7/2025; nhiệm vụ chuyển cho chính quyền cấp xã.")


def _empty_district(w: World, p: int, g: int, communes: np.ndarray, date: str, full: str) -> None:
    """Move or close every open child of district government ``g`` (before it is dissolved)."""
    kids = w.children(g)
    agencies = kids[w.kind[kids] == "agency"]
    psus = kids[w.kind[kids] == "psu"]
    to_dept = psus[(w.sector[psus] == "health") | (w.cat[psus] == "centre-gdtx")]
    to_commune = np.setdiff1d(psus, to_dept)
    for sector in sorted(set(w.sector[to_dept])):
        group = to_dept[w.sector[to_dept] == sector]
        dept = _dept_for(w, p, sector)
        w.transfer(group, dept)
        w.record(date, "transfer", group, new_parent=dept, legal=w.legal(1)[0],
                 note=f"Chuyển {len(group)} đơn vị sự nghiệp của {full} về trực thuộc {w.uname[dept]} khi không tổ chức cấp huyện.")
    key = pd.DataFrame({"loc": w.locality[to_commune], "place": w.units["place"].to_numpy()[to_commune], "id": w.ids[to_commune]})
    to_commune = to_commune[np.lexsort((key["id"], key["place"], key["loc"]))]   # neighbours together
    slot = (np.arange(len(to_commune)) * len(communes)) // max(len(to_commune), 1)
    for j, c in enumerate(communes):
        group = to_commune[slot == j]
        if len(group):
            w.transfer(group, int(c))
            w.record(date, "transfer", group, new_parent=int(c), legal=w.legal(1)[0],
                     note=f"Chuyển {len(group)} trường học, trung tâm trên địa bàn {full} cũ về trực thuộc {w.uname[c]}.")
    if len(agencies):
        w.close_units(agencies)
        w.record(date, "dissolve", agencies, targets=communes, legal=w.legal(1)[0],
                 note=f"Giải thể các phòng chuyên môn thuộc UBND {full} do kết thúc hoạt động cấp huyện; nhiệm vụ chuyển cho chính quyền cấp xã.")
    assert len(w.children(g)) == 0


def _dept_for(w: World, p: int, sector: str) -> int:
    """The open provincial department of a sector (or the province UBND when there is none)."""
    hits = w.find(p, category="dept")
    hits = hits[w.sector[hits] == sector]
    return int(hits[0]) if len(hits) else w.root(p)


