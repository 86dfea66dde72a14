"""Import real territorial data (``make data``).

Reads the data files of the MIT-licensed PyPI package ``vietnamadminunits`` 1.0.4 (legacy
63-province units, 2025 34-province units, the legacy-to-2025 converter table) and the
hand-typed tables under data/raw/quang-ninh/, and writes the committed files:

- data/vietnam/            a registry (registry-format 1.1) of every government unit of Vietnam
                           on 2025-06-30 and the 2025-07-01 reorganisation;
- data/territory/quang-ninh/  Quảng Ninh's territorial history 2015 -> 2025 (communes.csv,
                           districts.csv, changes.csv) for the registry generator.

Only the standard library is used, and the package is never imported (its data files are
located through importlib), so the importer needs nothing but the package's files. Output is
byte-for-byte reproducible: rows sorted, fixed formats, "\\n" line ends, UTF-8 NFC.

Run: ``python scripts/import_adminunits.py [--package-dir DIR] [--root DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import os
import sqlite3
import sys
import tempfile
import unicodedata
from collections import defaultdict
from pathlib import Path

PACKAGE = "vietnamadminunits"
VERSION = "1.0.4"
CUTOVER = "2025-07-01"
SNAPSHOT = "2025-06-30"
QN = "22"  # Quảng Ninh's province code

# unit types (registry-format 1.1) from the package's Vietnamese type words
PROVINCE_TYPE = {"Tỉnh": "tinh", "Thành phố": "thanh-pho-tw"}
DISTRICT_TYPE = {"Thành phố": "thanh-pho", "Thị xã": "thi-xa", "Quận": "quan", "Huyện": "huyen"}
COMMUNE_TYPE = {"Phường": "phuong", "Xã": "xa", "Thị trấn": "thi-tran", "Đặc khu": "dac-khu"}

LB_PROVINCE = "202/2025/QH15"
LB_DISTRICT = "202/2025/QH15; 203/2025/QH15; Luật 72/2025/QH15"
LB_COMMUNE_GENERAL = "76/2025/UBTVQH15; NQ của UBTVQH15 ngày 16/6/2025 về sắp xếp ĐVHC cấp xã của tỉnh"
LB_COMMUNE = {QN: "1679/NQ-UBTVQH15"}  # per-province resolutions we could verify


class ImportFailure(Exception):
    """A check of the imported data failed (the message says which)."""


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s.strip()) if s else ""


# ----------------------------------------------------------------------------- reading


def package_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    spec = importlib.util.find_spec(PACKAGE)  # locates the files without importing the package
    if spec is None or not spec.submodule_search_locations:
        raise ImportFailure(f"{PACKAGE} {VERSION} is not installed; run `make data` (it installs it into .venv-data)")
    return Path(list(spec.submodule_search_locations)[0])


def check_version(pkg: Path) -> None:
    for dist in sorted(pkg.parent.glob(f"{PACKAGE}-*.dist-info")):
        if dist.name != f"{PACKAGE}-{VERSION}.dist-info":
            raise ImportFailure(f"found {dist.name}; this importer is written for {PACKAGE}=={VERSION}")


def read_package(pkg: Path) -> dict:
    db = pkg / "data" / "dataset.db"
    conv = pkg / "data" / "converter_2025.json"
    for p in (db, conv):
        if not p.exists():
            raise ImportFailure(f"{p} not found: is {PACKAGE} {VERSION} installed completely?")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    legacy = [dict(r) for r in con.execute(
        "SELECT province, district, ward, districtType, wardType, provinceCode, districtCode, wardCode,"
        " provinceShort, districtShort, provinceKey, districtKey, wardKey FROM admin_units_legacy")]
    new = [dict(r) for r in con.execute(
        "SELECT province, ward, wardType, provinceCode, wardCode, wardAreaKm2, provinceShort,"
        " provinceKey, wardKey FROM admin_units")]
    con.close()
    with open(conv, encoding="utf-8") as f:
        converter = json.load(f)
    for rows in (legacy, new):
        for r in rows:
            for k, v in r.items():
                if isinstance(v, str):
                    r[k] = nfc(v)
    return {"legacy": legacy, "new": new, "converter": converter}


def license_text(pkg: Path) -> str:
    lic = pkg.parent / f"{PACKAGE}-{VERSION}.dist-info" / "licenses" / "LICENSE"
    if not lic.exists():
        raise ImportFailure(f"{lic} not found: the licence notice must be kept with the data")
    return lic.read_text(encoding="utf-8").strip() + "\n"


# ----------------------------------------------------------------------------- writing


def csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(unicodedata.normalize("NFC", text))
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def fmt_area(x) -> str:
    return "" if x is None or x == "" else f"{float(x):.2f}"


# ----------------------------------------------------------------------------- the national model


def build_mapping(pkg: dict) -> dict:
    """Old -> new mapping from the converter: per new commune its whole and part sources (legacy keys)."""
    legacy_by_key = {f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}": r for r in pkg["legacy"]}
    new_by_key = {f"{r['provinceKey']}_{r['wardKey']}": r for r in pkg["new"]}
    conv = pkg["converter"]
    whole: dict[str, list[str]] = defaultdict(list)
    parts: dict[str, list[str]] = defaultdict(list)  # new key -> old keys it takes a part of
    divided: dict[str, list[str]] = defaultdict(list)  # old key -> new keys taking a part
    for nprov, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for nward, olds in wards.items():
            for o in olds:
                whole[f"{nprov}_{nward}"].append(o)
    for nprov, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for o, targets in olds.items():
            for t in targets:
                nk = f"{nprov}_{t['newWardKey']}"
                parts[nk].append(o)
                divided[o].append(nk)
    # every key must resolve, every legacy unit map, every new unit have a source
    seen_old = set()
    for nk in set(whole) | set(parts):
        if nk not in new_by_key:
            raise ImportFailure(f"converter names new unit {nk!r} that the 2025 table does not hold")
        for o in whole.get(nk, []) + parts.get(nk, []):
            if o not in legacy_by_key:
                raise ImportFailure(f"converter names legacy unit {o!r} that the legacy table does not hold")
            seen_old.add(o)
    if set(legacy_by_key) - seen_old:
        raise ImportFailure(f"{len(set(legacy_by_key) - seen_old)} legacy units have no 2025 successor in the converter")
    if set(new_by_key) - set(whole) - set(parts):
        raise ImportFailure("some 2025 units have no source in the converter")
    both = {o for v in whole.values() for o in v} & set(divided)
    if both:
        raise ImportFailure(f"{len(both)} legacy units are both whole and divided in the converter")
    province_of = {}
    for nprov, olds in conv["DICT_PROVINCE"].items():
        for o in olds:
            province_of[o] = nprov
    return {"legacy": legacy_by_key, "new": new_by_key, "whole": whole, "parts": parts,
            "divided": divided, "province_of": province_of}


def ids_for(m: dict) -> dict:
    """Stable unit ids: P<code> province, D<code> district, C<code> legacy commune, C2025-<code> new."""
    ids = {}
    for k, r in m["legacy"].items():
        ids[k] = f"C{r['wardCode']}" if r["wardCode"] else f"D{r['districtCode']}"
    return ids


def plan_2025(m: dict, lid: dict, new_keys: set[str]) -> tuple[dict, dict, dict]:
    """How the 2025 communes ``new_keys`` are formed, as ids.

    continuing: new key -> the legacy key that carries on (its only source, taken whole);
    new_id: new key -> unit id (the continuing unit's own id, else ``C2025-<code>``);
    part_id: (legacy key, new key) -> id of the part of a divided unit going there: ``<id>-p<k>``
    (k in the order of the receiving unit's code), or the new unit itself when that part alone
    forms it."""
    new = m["new"]
    continuing = {nk: m["whole"][nk][0] for nk in sorted(new_keys)
                  if len(m["whole"].get(nk, [])) == 1 and nk not in m["parts"]}
    new_id = {nk: lid[continuing[nk]] if nk in continuing else f"C2025-{new[nk]['wardCode']}" for nk in new_keys}
    part_id = {}
    for o, targets in m["divided"].items():
        if not set(targets) & new_keys:
            continue
        for i, nk in enumerate(sorted(targets, key=lambda t: new[t]["wardCode"]), start=1):
            only_this = not m["whole"].get(nk) and len(m["parts"][nk]) == 1
            part_id[(o, nk)] = new_id[nk] if only_this else f"{lid[o]}-p{i}"
    return continuing, new_id, part_id


def national(pkg: dict) -> tuple[str, str, dict]:
    m = build_mapping(pkg)
    legacy, new = m["legacy"], m["new"]
    lid = ids_for(m)
    units: list[list] = []  # unit_id,name,kind,level,sector,parent_id,locality,staff,unit_type,code,area_km2
    events: list[list] = []  # event_id,date,type,sources,targets,new_parent_id,legal_basis,changes,note

    # provinces (legacy)
    prov = {}
    for r in legacy.values():
        prov.setdefault(r["provinceCode"], r)
    prov_type = {c: PROVINCE_TYPE[r["province"].split(" ")[0] if r["province"].startswith("Tỉnh") else "Thành phố"]
                 for c, r in prov.items()}
    for c, r in sorted(prov.items()):
        units.append([f"P{c}", r["province"], "government", "province", "general", "", "province", 0,
                      prov_type[c], c, ""])
    # districts
    dist = {}
    for r in legacy.values():
        dist.setdefault(r["districtCode"], r)
    for c, r in sorted(dist.items()):
        units.append([f"D{c}", r["district"], "government", "district", "general", f"P{r['provinceCode']}",
                      f"{r['district']}, {r['provinceShort']}", 0, DISTRICT_TYPE[r["districtType"]], c, ""])
    # legacy communes
    for k, r in sorted(legacy.items(), key=lambda kv: kv[1]["wardCode"] or ""):
        if not r["wardCode"]:
            continue  # island districts without communes
        units.append([lid[k], r["ward"], "government", "commune", "general", f"D{r['districtCode']}",
                      f"{r['district']}, {r['provinceShort']}", 0, COMMUNE_TYPE[r["wardType"]], r["wardCode"], ""])

    # ---- 2025-07-01: provinces
    new_prov = {}
    for r in new.values():
        new_prov.setdefault(r["provinceKey"], r)
    legacy_prov_by_key = {r["provinceKey"]: r for r in legacy.values()}
    prov_id_2025 = {}  # new province key -> unit id
    seq = 0

    def eid() -> str:
        nonlocal seq
        seq += 1
        return f"VN-E{seq:05d}"

    prov_events = []
    for nk, olds in sorted(pkg["converter"]["DICT_PROVINCE"].items(), key=lambda kv: new_prov[kv[0]]["provinceCode"]):
        n = new_prov[nk]
        olds_r = sorted((legacy_prov_by_key[o] for o in olds), key=lambda r: r["provinceCode"])
        keep = [r for r in olds_r if r["provinceCode"] == n["provinceCode"] and r["province"] == n["province"]]
        if keep:
            pid = f"P{keep[0]['provinceCode']}"
            others = [f"P{r['provinceCode']}" for r in olds_r if f"P{r['provinceCode']}" != pid]
            if others:
                prov_events.append([eid(), CUTOVER, "merge", ";".join(others), pid, "", LB_PROVINCE, "",
                                    f"Sáp nhập vào {n['province']} (giữ tên và mã {n['provinceCode']})."])
        else:
            pid = f"P2025-{n['provinceCode']}"
            units.append([pid, n["province"], "government", "province", "general", "", "province", 0,
                          PROVINCE_TYPE["Tỉnh" if n["province"].startswith("Tỉnh") else "Thành phố"],
                          n["provinceCode"], ""])
            prov_events.append([eid(), CUTOVER, "consolidate", ";".join(f"P{r['provinceCode']}" for r in olds_r),
                                pid, "", LB_PROVINCE, "", f"Hợp nhất thành {n['province']} (mã mới {n['provinceCode']})."])
        prov_id_2025[nk] = pid
    events += prov_events

    # ---- communes: splits of divided units, then consolidations / continuations
    continuing, new_id, part_id = plan_2025(m, lid, set(new))

    def lb_commune(prov_code: str) -> str:
        return LB_COMMUNE.get(prov_code, LB_COMMUNE_GENERAL)

    def locality_2025(n: dict) -> str:
        return n["provinceShort"]

    # A new unit formed from one part of a divided unit alone is a target of that split: its area
    # would be read as a share of the source while the other parts have none, so it is left out
    # (the contract asks for every part's area or none); SOURCES.md lists these units.
    opened_by_split = {pid for (o, nk), pid in part_id.items() if pid == new_id[nk]}
    no_area = []
    # new units (rows) first, sorted by code
    for nk, n in sorted(new.items(), key=lambda kv: kv[1]["wardCode"]):
        if nk in continuing:
            continue
        area = fmt_area(n["wardAreaKm2"])
        if new_id[nk] in opened_by_split:
            no_area.append(f"{n['ward']} ({n['provinceShort']}, {n['wardCode']}: {area} km²)")
            area = ""
        units.append([new_id[nk], n["ward"], "government", "commune", "general", prov_id_2025[n["provinceKey"]],
                      locality_2025(n), 0, COMMUNE_TYPE[n["wardType"]], n["wardCode"], area])
    # part units
    part_rows = []
    for (o, nk), pid in part_id.items():
        if pid == new_id[nk]:
            continue
        r, n = legacy[o], new[nk]
        part_rows.append([pid, f"{r['ward']} (phần chuyển vào {n['ward']})", "government", "commune", "general",
                          prov_id_2025[n["provinceKey"]], locality_2025(n), 0, COMMUNE_TYPE[r["wardType"]], "", ""])
    units += sorted(part_rows)

    # split events (by old code)
    for o in sorted(m["divided"], key=lambda k: legacy[k]["wardCode"]):
        r = legacy[o]
        targets = sorted(m["divided"][o], key=lambda t: new[t]["wardCode"])
        tids = [part_id[(o, t)] for t in targets]
        names = ", ".join(new[t]["ward"] for t in targets)
        events.append([eid(), CUTOVER, "split", lid[o], ";".join(tids), "", lb_commune(r["provinceCode"]), "",
                       f"Chia {r['ward']} cho {names}; tỷ lệ các phần không có trong nguồn: coi như bằng nhau."])
    # consolidations, then continuing units (reclassify), by new code
    for nk, n in sorted(new.items(), key=lambda kv: kv[1]["wardCode"]):
        if nk in continuing:
            continue
        srcs = sorted([lid[o] for o in m["whole"].get(nk, [])]) + sorted(
            part_id[(o, nk)] for o in m["parts"].get(nk, []) if part_id[(o, nk)] != new_id[nk])
        if not srcs:
            continue  # the new unit is itself the only part of a divided unit (opened by its split)
        if len(srcs) == 1:  # one part plus nothing else cannot be a consolidate; the part carries the name
            raise ImportFailure(f"{n['ward']} ({n['wardCode']}) has a single source part; not modelled")
        events.append([eid(), CUTOVER, "consolidate", ";".join(srcs), new_id[nk], "", lb_commune(n["provinceCode"]), "",
                       f"Sắp xếp thành {n['ward']}."])
    transfers = defaultdict(list)
    for nk, n in sorted(new.items(), key=lambda kv: kv[1]["wardCode"]):
        if nk not in continuing:
            continue
        o = continuing[nk]
        r = legacy[o]
        changes = []
        old_name = r["ward"] or r["district"]
        old_type = COMMUNE_TYPE[r["wardType"]] if r["wardCode"] else DISTRICT_TYPE[r["districtType"]]
        if n["ward"] != old_name:
            changes.append(f"name={n['ward']}")
        if COMMUNE_TYPE[n["wardType"]] != old_type:
            changes.append(f"unit_type={COMMUNE_TYPE[n['wardType']]}")
        if not r["wardCode"]:
            changes.append("level=commune")
        if n["wardCode"] != (r["wardCode"] or r["districtCode"]):
            changes.append(f"code={n['wardCode']}")
        changes.append(f"locality={locality_2025(n)}")
        what = "Huyện đảo không có đơn vị cấp xã trở thành đặc khu" if not r["wardCode"] else "Không sắp xếp; giữ nguyên địa giới"
        events.append([eid(), CUTOVER, "reclassify", lid[o], "", "", lb_commune(n["provinceCode"]), ";".join(changes),
                       f"{what}: {n['ward']}."])
        if r["wardCode"]:
            transfers[prov_id_2025[n["provinceKey"]]].append(lid[o])
    for pid in sorted(transfers):
        events.append([eid(), CUTOVER, "transfer", ";".join(sorted(transfers[pid])), "", pid, LB_DISTRICT, "",
                       "Cấp huyện kết thúc: đơn vị cấp xã không sắp xếp trực thuộc tỉnh."])
    # districts close (island districts became communes above)
    islands = {lid[o] for o in continuing.values() if not legacy[o]["wardCode"]}
    by_prov = defaultdict(list)
    for c, r in dist.items():
        if f"D{c}" not in islands:
            by_prov[prov_id_2025[m["province_of"][r["provinceKey"]]]].append(f"D{c}")
    for pid in sorted(by_prov):
        events.append([eid(), CUTOVER, "dissolve", ";".join(sorted(by_prov[pid])), "", "", LB_DISTRICT, "",
                       "Kết thúc hoạt động của đơn vị hành chính cấp huyện."])

    uh = ["unit_id", "name", "kind", "level", "sector", "parent_id", "locality", "staff", "unit_type", "code", "area_km2"]
    eh = ["event_id", "date", "type", "sources", "targets", "new_parent_id", "legal_basis", "changes", "note"]
    stats = {
        "provinces_before": len(prov), "provinces_after": len(new_prov), "districts": len(dist),
        "communes_before": sum(1 for r in legacy.values() if r["wardCode"]), "communes_after": len(new),
        "divided": len(m["divided"]), "units": len(units), "events": len(events),
        "no_area": "; ".join(no_area) or "none",
        "by_type_after": ", ".join(f"{sum(1 for n in new.values() if n['wardType'] == t):,} {t.lower()}"
                                   for t in ("Xã", "Phường", "Đặc khu")),
    }
    return csv_text(uh, units), csv_text(eh, events), stats


REGISTRY_YAML = """\
name: vietnam
description: 'Việt Nam: every government unit (province, district, commune level) on 30 June 2025 and
  the reorganisation of 1 July 2025 (63 provinces -> 34, district level abolished, 10,035 communes ->
  3,321). Imported by scripts/import_adminunits.py (make data) from vietnamadminunits {version} (MIT); see SOURCES.md.'
start: {start}
sources:
- 'PyPI vietnamadminunits {version} (MIT, Copyright (c) 2025 Tran Ngoc Minh Hieu): admin_units_legacy, admin_units, converter_2025.json'
- 'Resolution 202/2025/QH15 (provinces); Resolution 203/2025/QH15 and Law 72/2025/QH15 (district level ends); Resolution 76/2025/UBTVQH15 and the commune resolutions of the NA Standing Committee of 16 June 2025 (Quảng Ninh: 1679/NQ-UBTVQH15)'
"""


# ----------------------------------------------------------------------------- Quảng Ninh 2015 -> 2025


def read_raw_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return [{k: nfc(v) for k, v in row.items()} for row in csv.DictReader(f)]


def quang_ninh(pkg: dict, raw: Path) -> dict[str, str]:
    m = build_mapping(pkg)
    legacy, new = m["legacy"], m["new"]
    lid = ids_for(m)
    qn_legacy = {k: r for k, r in legacy.items() if r["provinceCode"] == QN}
    qn_new = {k: r for k, r in new.items() if r["provinceCode"] == QN}
    closed_raw = read_raw_csv(raw / "communes-closed-before-2025.csv")
    base_raw = {r["unit_id"]: r for r in read_raw_csv(raw / "baseline-attributes.csv")}
    changes_raw = read_raw_csv(raw / "changes-2015-2024.csv")
    popa = read_raw_csv(raw / "population-area.csv")
    districts_raw = read_raw_csv(raw / "districts.csv")

    # communes: unit_id -> attributes at opening
    com = {}
    for k, r in qn_legacy.items():
        uid = lid[k]
        com[uid] = {"unit_id": uid, "code": r["wardCode"], "name": r["ward"], "unit_type": COMMUNE_TYPE[r["wardType"]],
                    "district_code": r["districtCode"], "opened": "", "closed": "", "note": []}
    for r in closed_raw:
        com[r["unit_id"]] = {"unit_id": r["unit_id"], "code": r["code"], "name": r["name"], "unit_type": r["unit_type"],
                             "district_code": r["district_code"], "opened": "", "closed": "", "note": [r["note"]] if r["note"] else []}
    for uid, b in base_raw.items():
        if uid not in com:
            raise ImportFailure(f"baseline-attributes.csv: {uid} is not a Quảng Ninh commune")
        for col in ("name", "unit_type", "district_code"):
            if b[col]:
                com[uid][col] = b[col]
    # hand-typed changes 2015 -> 2024
    out_changes = []
    for i, c in enumerate(changes_raw, start=1):
        srcs = [s for s in c["sources"].split(";") if s]
        tgt = c["targets"]
        for s in srcs + ([tgt] if tgt else []):
            if s not in com and not s.startswith("D"):
                raise ImportFailure(f"changes-2015-2024.csv line {i + 1}: unknown unit {s}")
        if c["type"] in ("merge", "consolidate"):
            for s in srcs:
                if not s.startswith("D"):
                    com[s]["closed"] = c["date"]
        if c["type"] == "consolidate":
            com[tgt]["opened"] = c["date"]
        out_changes.append([c["date"], c["type"], c["sources"], tgt, c["changes"], "", c["legal_basis"], c["verified"], c["note"]])

    # 2025-07-01 (1679/NQ-UBTVQH15) from the converter
    continuing, new_id, part_id = plan_2025(m, lid, set(qn_new))
    for nk, n in qn_new.items():
        if nk in continuing:
            c = com[new_id[nk]]
            c["area_km2"] = fmt_area(n["wardAreaKm2"])
            c["note"].append("không sắp xếp năm 2025: giữ nguyên địa giới, trực thuộc tỉnh (diện tích theo vietnamadminunits)")
            continue
        com[new_id[nk]] = {"unit_id": new_id[nk], "code": n["wardCode"], "name": n["ward"], "unit_type": COMMUNE_TYPE[n["wardType"]],
                           "district_code": "", "opened": CUTOVER, "closed": "", "note": [], "area_km2": fmt_area(n["wardAreaKm2"])}
    for (o, nk), pid in sorted(part_id.items(), key=lambda kv: kv[1]):
        if pid == new_id[nk]:
            continue
        r = legacy[o]
        com[pid] = {"unit_id": pid, "code": "", "name": f"{r['ward']} (phần chuyển vào {new[nk]['ward']})",
                    "unit_type": COMMUNE_TYPE[r["wardType"]], "district_code": r["districtCode"], "opened": CUTOVER,
                    "closed": CUTOVER, "note": ["phần của đơn vị bị chia; diện tích, dân số của phần không có trong nguồn"]}
    lb = LB_COMMUNE[QN]
    for o in sorted((o for o in m["divided"] if o in qn_legacy), key=lambda k: legacy[k]["wardCode"]):
        targets = sorted(m["divided"][o], key=lambda t: new[t]["wardCode"])
        out_changes.append([CUTOVER, "split", lid[o], ";".join(part_id[(o, t)] for t in targets), "", "", lb, "yes",
                            f"{legacy[o]['ward']} chia cho " + ", ".join(new[t]["ward"] for t in targets)
                            + " (một phần diện tích tự nhiên, quy mô dân số); tỷ lệ các phần: coi như bằng nhau"])
        com[lid[o]]["closed"] = CUTOVER
    kept = []
    for nk, n in sorted(qn_new.items(), key=lambda kv: kv[1]["wardCode"]):
        if nk in continuing:
            r = legacy[continuing[nk]]  # as in force on 2025-06-30
            now = {"name": r["ward"], "unit_type": COMMUNE_TYPE[r["wardType"]], "code": r["wardCode"]}
            changes = [f"{col}={val}" for col, val in (("name", n["ward"]), ("unit_type", COMMUNE_TYPE[n["wardType"]]),
                                                        ("code", n["wardCode"])) if now[col] != val]
            if changes:
                out_changes.append([CUTOVER, "reclassify", new_id[nk], "", ";".join(changes), "", lb, "yes",
                                    f"{n['ward']}: không sắp xếp, đổi tên/loại"])
            kept.append(new_id[nk])
            continue
        whole = sorted(lid[o] for o in m["whole"].get(nk, []))
        parts = sorted(part_id[(o, nk)] for o in m["parts"].get(nk, []) if part_id[(o, nk)] != new_id[nk])
        for u in whole:
            com[u]["closed"] = CUTOVER
        if not whole and not parts:
            continue
        names_w = ", ".join(sorted(legacy[o]["ward"] for o in m["whole"].get(nk, [])))  # names in force on 2025-06-30
        names_p = ", ".join(sorted(legacy[o]["ward"] for o in m["parts"].get(nk, [])))
        note = f"{n['ward']}: toàn bộ {names_w or '-'}" + (f"; một phần {names_p}" if names_p else "")
        out_changes.append([CUTOVER, "consolidate", ";".join(whole + parts), new_id[nk], "", "", lb, "yes", note])

    if kept:
        out_changes.append([CUTOVER, "transfer", ";".join(kept), "", "", "P22", LB_DISTRICT, "yes",
                            "Cấp huyện kết thúc: đơn vị cấp xã không sắp xếp trực thuộc tỉnh (P22 = UBND tỉnh Quảng Ninh)"])
    qn_districts = sorted(d["unit_id"] for d in districts_raw if not d["closed"] or d["closed"] == CUTOVER)
    out_changes.append([CUTOVER, "dissolve", ";".join(qn_districts), "", "", "", LB_DISTRICT, "yes",
                        "Kết thúc hoạt động của đơn vị hành chính cấp huyện"])

    # population / area from the legal texts (hand-typed)
    for r in popa:
        if r["unit_id"] not in com:
            raise ImportFailure(f"population-area.csv: unknown unit {r['unit_id']}")
        c = com[r["unit_id"]]
        if r["population"]:
            c["population"] = r["population"]
        if r["area_km2"]:
            c["area_km2"] = fmt_area(r["area_km2"])
        c["note"].append(f"dân số, diện tích: {r['source']}")

    # districts
    drows = []
    for d in districts_raw:
        drows.append([d["unit_id"], d["code"], d["name"], d["unit_type"], d["population"], fmt_area(d["area_km2"]),
                      d["opened"], d["closed"], d["note"]])
    dhead = ["unit_id", "code", "name", "unit_type", "population", "area_km2", "opened", "closed", "note"]
    chead = ["unit_id", "code", "name", "unit_type", "district_code", "population", "area_km2", "opened", "closed", "note"]
    crows = []
    for uid, c in sorted(com.items(), key=lambda kv: (kv[1]["code"] or kv[0][1:6], kv[0])):
        crows.append([uid, c["code"], c["name"], c["unit_type"], c["district_code"], c.get("population", ""),
                      c.get("area_km2", ""), c["opened"], c["closed"], "; ".join(x for x in c["note"] if x)])
    xhead = ["date", "type", "sources", "targets", "changes", "new_parent_id", "legal_basis", "verified", "note"]
    return {"communes.csv": csv_text(chead, crows), "districts.csv": csv_text(dhead, drows),
            "changes.csv": csv_text(xhead, out_changes)}


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package-dir", help=f"the installed {PACKAGE} package folder (default: located via importlib)")
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[1]), help="repository root")
    a = ap.parse_args(argv)
    root = Path(a.root)
    try:
        pkgdir = package_dir(a.package_dir)
        check_version(pkgdir)
        pkg = read_package(pkgdir)
        units, events, stats = national(pkg)
        qn = quang_ninh(pkg, root / "data" / "raw" / "quang-ninh")
        lic = license_text(pkgdir)
    except (ImportFailure, OSError, sqlite3.Error, json.JSONDecodeError, KeyError) as exc:
        print(f"import_adminunits: {exc}", file=sys.stderr)
        return 1
    vn = root / "data" / "vietnam"
    write_atomic(vn / "units.csv", units)
    write_atomic(vn / "events.csv", events)
    write_atomic(vn / "registry.yaml", REGISTRY_YAML.format(version=VERSION, start=SNAPSHOT))
    sources = (root / "data" / "raw" / "vietnam-SOURCES.template.md").read_text(encoding="utf-8")
    write_atomic(vn / "SOURCES.md", sources.format(version=VERSION, license=lic, **stats))
    for name, text in qn.items():
        write_atomic(root / "data" / "territory" / "quang-ninh" / name, text)
    print(f"data/vietnam: {stats['units']} units, {stats['events']} events; provinces {stats['provinces_before']} -> "
          f"{stats['provinces_after']}, communes {stats['communes_before']} -> {stats['communes_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
