"""Import the 2025 boundaries (34 provinces; Quảng Ninh's 54 communes) into data/boundaries/.

Source: the GeoJSON data of the MIT-licensed GitHub repository thanglequoc/vietnamese-provinces-database
(its ``json/geojson`` export: one FeatureCollection per 2025 province and per commune-level unit, each
with the official code and name; the geometries come from the national map portal sapnhap.bando.com.vn
via the repository's ``dataset-generation-scripts/resources/gis``). Only data is read, never code.

The repository is read from a git directory without a work tree (what the ``fetch`` tool brings):

    make data-boundaries BOUNDARIES_MIRROR=/work/.mirror/thanglequoc+vietnamese-provinces-database/repo
    python scripts/import_boundaries.py --mirror DIR [--commit SHA] [--out data/boundaries]

Output (byte-for-byte reproducible from the same commit): ``vietnam-provinces-2025.geojson`` (coarse),
``quang-ninh-province-2025.geojson`` and ``quang-ninh-communes-2025.geojson`` (detailed; commune
boundaries simplified together so neighbours keep a shared edge), and ``SOURCES.md``.
Exit codes: 0 done, 2 bad input (mirror missing, unexpected content); nothing is written then.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

REPO = "thanglequoc/vietnamese-provinces-database"
GEOJSON_DIR = "json/geojson"
PROVINCE = "22_quang_ninh"  # code 22
N_PROVINCES = 34
N_QN_COMMUNES = 54
#: Simplification tolerance (degrees; 0.001° ≈ 110 m) and coordinate decimals per layer.
COARSE = (0.01, 3)  # the country's provinces: about 1 km
PROVINCE_DETAIL = (0.001, 4)
COMMUNE_DETAIL = (0.0007, 4)  # Quảng Ninh's communes: about 80 m, ~11 m coordinates
TYPES = {"phường": "phuong", "xã": "xa", "đặc khu": "dac-khu", "tỉnh": "tinh", "thành phố": "thanh-pho"}


class ImportError_(Exception):
    """Bad input: the message says what and how to fix it."""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def git(mirror: Path, *args: str) -> bytes:
    try:
        return subprocess.run(["git", f"--git-dir={mirror}", *args], check=True, capture_output=True).stdout
    except subprocess.CalledProcessError as exc:
        raise ImportError_(f"{mirror}: git {' '.join(args)} failed: {exc.stderr.decode(errors='replace').strip()}") from None
    except FileNotFoundError:
        raise ImportError_("git is not installed (apt-get install git)") from None


def read_feature(mirror: Path, commit: str, path: str) -> dict:
    data = json.loads(git(mirror, "show", f"{commit}:{path}"))
    feats = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    if not feats or len(feats) != 1:
        raise ImportError_(f"{REPO}@{commit[:12]}:{path}: expected exactly one feature, found {len(feats or [])}")
    return feats[0]


def unit_type(full_name: str) -> str:
    low = nfc(full_name).lower()
    for prefix, key in sorted(TYPES.items(), key=lambda kv: -len(kv[0])):
        if low.startswith(prefix + " "):
            return key
    return "thu-do" if low.startswith("thủ đô") else ""


def simplify(geoms: list, tolerance: float, *, coverage: bool) -> list:
    """Simplify a list of polygons; a coverage (neighbours sharing edges) is simplified together
    so no gap or overlap appears between neighbours."""
    geoms = [shapely.make_valid(g) if not g.is_valid else g for g in geoms]
    if coverage:
        try:
            out = list(shapely.coverage_simplify(geoms, tolerance))
            if all(g.is_valid and not g.is_empty for g in out):
                return out
        except Exception:  # not a clean coverage: simplify one by one
            pass
    return [g.simplify(tolerance, preserve_topology=True) for g in geoms]


def rounded(geom, decimals: int) -> dict:
    """GeoJSON geometry with coordinates rounded, repeated points and degenerate rings removed."""
    geom = shapely.set_precision(geom, 10 ** -decimals)
    if geom.is_empty:
        raise ImportError_("a geometry vanished when rounded: lower the tolerance")
    if geom.geom_type == "GeometryCollection":
        geom = shapely.MultiPolygon([g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"])
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    geo = mapping(geom)

    def rnd(c):
        return [round(float(c[0]), decimals), round(float(c[1]), decimals)] if isinstance(c[0], float | int) else [rnd(x) for x in c]

    return {"type": geo["type"], "coordinates": rnd(json.loads(json.dumps(geo["coordinates"])))}


def collection(features: list[dict], name: str) -> str:
    out = {"type": "FeatureCollection", "name": name, "features": features}
    return json.dumps(out, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def props(p: dict, *, province: str | None = None) -> dict:
    out = {
        "code": str(p["code"]),
        "name": nfc(p["name"]),
        "full_name": nfc(p["fullName"]),
        "type": unit_type(p["fullName"]),
        "area_km2": float(p["areaKm2"]) if p.get("areaKm2") is not None else None,
    }
    if province:
        out["province_code"] = province
    return out


def build(mirror: Path, commit: str) -> dict[str, str]:
    """The output files' texts (name -> text)."""
    sha = git(mirror, "rev-parse", f"{commit}^{{commit}}").decode().strip()
    listing = git(mirror, "ls-tree", "-r", "--name-only", sha, "--", GEOJSON_DIR).decode("utf-8").splitlines()
    prov_re = re.compile(rf"^{GEOJSON_DIR}/(\d\d)_[a-z_]+/\1_[a-z_]+\.geojson$")
    ward_re = re.compile(rf"^{GEOJSON_DIR}/{PROVINCE}/wards/(\d{{5}})_[a-z0-9_]+\.geojson$")
    prov_paths = sorted(p for p in listing if prov_re.match(p))
    ward_paths = sorted(p for p in listing if ward_re.match(p))
    if len(prov_paths) != N_PROVINCES:
        raise ImportError_(f"{REPO}@{sha[:12]}: expected {N_PROVINCES} province files under {GEOJSON_DIR}/, "
                           f"found {len(prov_paths)}; is --mirror the right repository?")
    if len(ward_paths) != N_QN_COMMUNES:
        raise ImportError_(f"{REPO}@{sha[:12]}: expected {N_QN_COMMUNES} Quảng Ninh commune files, found {len(ward_paths)}")

    provinces = [read_feature(mirror, sha, p) for p in prov_paths]
    coarse = simplify([shape(f["geometry"]) for f in provinces], COARSE[0], coverage=True)
    prov_feats = [{"type": "Feature", "properties": props(f["properties"]), "geometry": rounded(g, COARSE[1])}
                  for f, g in zip(provinces, coarse)]
    qn = [f for f in provinces if str(f["properties"]["code"]) == "22"]
    if len(qn) != 1:
        raise ImportError_(f"{REPO}@{sha[:12]}: no province with code 22 (Quảng Ninh)")
    qn_geom = simplify([shape(qn[0]["geometry"])], PROVINCE_DETAIL[0], coverage=False)[0]
    qn_feat = [{"type": "Feature", "properties": props(qn[0]["properties"]), "geometry": rounded(qn_geom, PROVINCE_DETAIL[1])}]

    wards = [read_feature(mirror, sha, p) for p in ward_paths]
    detail = simplify([shape(f["geometry"]) for f in wards], COMMUNE_DETAIL[0], coverage=True)
    ward_feats = [{"type": "Feature", "properties": props(f["properties"], province="22"),
                   "geometry": rounded(g, COMMUNE_DETAIL[1])} for f, g in zip(wards, detail)]
    ward_feats.sort(key=lambda f: f["properties"]["code"])
    prov_feats.sort(key=lambda f: f["properties"]["code"])
    kinds = {}
    for f in ward_feats:
        kinds[f["properties"]["type"]] = kinds.get(f["properties"]["type"], 0) + 1
    return {
        "vietnam-provinces-2025.geojson": collection(prov_feats, "vietnam-provinces-2025"),
        "quang-ninh-province-2025.geojson": collection(qn_feat, "quang-ninh-province-2025"),
        "quang-ninh-communes-2025.geojson": collection(ward_feats, "quang-ninh-communes-2025"),
        "SOURCES.md": sources_text(sha, git(mirror, "show", f"{sha}:LICENSE").decode("utf-8"), kinds),
    }


def sources_text(sha: str, licence: str, kinds: dict) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    return f"""# Boundaries (2025): sources

Written by `scripts/import_boundaries.py` (`make data-boundaries`); do not edit by hand.

| file | content | simplified (tolerance, coordinate decimals) |
|---|---|---|
| `vietnam-provinces-2025.geojson` | the {N_PROVINCES} provinces from 2025-07-01 | coarse: {COARSE[0]}° (≈ 1 km), {COARSE[1]} decimals |
| `quang-ninh-province-2025.geojson` | Quảng Ninh (code 22) | {PROVINCE_DETAIL[0]}°, {PROVINCE_DETAIL[1]} decimals |
| `quang-ninh-communes-2025.geojson` | Quảng Ninh's {N_QN_COMMUNES} commune-level units from 2025-07-01 ({counts}) | {COMMUNE_DETAIL[0]}°, {COMMUNE_DETAIL[1]} decimals |

Each feature has `code` (official 2-digit province or 5-digit commune code), `name`, `full_name`,
`type` (tinh, thanh-pho, thu-do; phuong, xa, dac-khu), `area_km2` (as the source gives it) and, for
communes, `province_code`.

## Source

- Repository: https://github.com/{REPO} (MIT licence, notice below)
- Commit: `{sha}`
- Files: `{GEOJSON_DIR}/<code>_<name>/<code>_<name>.geojson` (34 provinces) and
  `{GEOJSON_DIR}/{PROVINCE}/wards/<code>_<name>.geojson` (Quảng Ninh's communes), the repository's
  GeoJSON export of the geometries it fetched from the national map portal sapnhap.bando.com.vn
  (`dataset-generation-scripts/resources/gis`; the repository notes that the portal's terms of use apply
  to the geometries).

## What was changed

- Geometries simplified (Douglas-Peucker, shapely): provinces together and communes together as
  coverages, so that neighbours keep one shared edge (no gaps or overlaps added); coordinates rounded
  to the decimals above; every geometry stored as a MultiPolygon.
- Properties reduced to those listed above and renamed (`fullName` -> `full_name`, `areaKm2` ->
  `area_km2`); `type` derived from the full name; names normalised to Unicode NFC.
- Features sorted by code; files written as compact UTF-8 JSON (keys sorted), so a re-import of the same
  commit gives the same bytes.

## Caveat

The province polygons stop at 109.5°E: they do not include the Hoàng Sa and Trường Sa archipelagos.
Use `vietnam-provinces-2025.geojson` for analysis, not to draw a map of Viet Nam (which must show them).

## Licence notice of the source repository

```
{licence.strip()}
```
"""


def write(out: Path, files: dict[str, str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(files.items()):
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8", newline="\n")
        tmp.replace(out / name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", required=True, type=Path, help="git directory of the fetched repository")
    ap.add_argument("--commit", default="HEAD", help="commit to read (default HEAD)")
    ap.add_argument("--out", default=Path("data/boundaries"), type=Path)
    args = ap.parse_args(argv)
    if not (args.mirror / "HEAD").exists():
        print(f"error: {args.mirror}: not a git directory. Bring the repository with the fetch tool "
              f"(github:{REPO}) and pass its path as BOUNDARIES_MIRROR=...", file=sys.stderr)
        return 2
    try:
        files = build(args.mirror, args.commit)
    except ImportError_ as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write(args.out, files)
    for name in sorted(files):
        print(f"wrote {args.out / name} ({len(files[name].encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
