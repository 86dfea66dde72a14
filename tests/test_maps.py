"""Boundaries (data/boundaries, scripts/import_boundaries.py) and the merge maps (orgmodel.maps)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from orgmodel import maps as M
from orgmodel import plots as G
from orgmodel.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
BOUNDARIES = ROOT / "data" / "boundaries"
MIRROR = Path("/work/.mirror/thanglequoc+vietnamese-provinces-database/repo")


def importer():
    spec = importlib.util.spec_from_file_location("import_boundaries", ROOT / "scripts" / "import_boundaries.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def features(name: str) -> list[dict]:
    return json.loads((BOUNDARIES / name).read_text(encoding="utf-8"))["features"]


# ---------------------------------------------------------------- the committed boundaries


def test_quang_ninh_has_its_54_communes_of_2025():
    feats = features("quang-ninh-communes-2025.geojson")
    props = [f["properties"] for f in feats]
    codes = [p["code"] for p in props]
    assert len(feats) == 54 and len(set(codes)) == 54 and codes == sorted(codes)
    assert all(len(c) == 5 and c.isdigit() for c in codes)
    kinds = {k: sum(p["type"] == k for p in props) for k in ("phuong", "xa", "dac-khu")}
    assert kinds == {"phuong": 30, "xa": 22, "dac-khu": 2}  # domain-facts: 30 phường, 22 xã, 2 đặc khu
    assert {p["name"] for p in props if p["type"] == "dac-khu"} == {"Vân Đồn", "Cô Tô"}
    assert all(p["name"] == unicodedata.normalize("NFC", p["name"]) for p in props)
    geoms = [shape(f["geometry"]) for f in feats]
    assert all(g.is_valid and not g.is_empty for g in geoms)
    overlap = sum(shapely.intersection(a, b).area for i, a in enumerate(geoms) for b in geoms[i + 1:])
    assert overlap < 1e-6  # simplified as a coverage: neighbours do not overlap


def test_the_country_has_34_provinces_and_the_files_are_compact():
    provs = features("vietnam-provinces-2025.geojson")
    assert len(provs) == 34 and len({f["properties"]["code"] for f in provs}) == 34
    assert [f["properties"]["name"] for f in features("quang-ninh-province-2025.geojson")] == ["Quảng Ninh"]
    total = sum(p.stat().st_size for p in BOUNDARIES.glob("*.geojson"))
    assert total < 3_000_000
    sources = (BOUNDARIES / "SOURCES.md").read_text(encoding="utf-8")
    assert "thanglequoc/vietnamese-provinces-database" in sources and "MIT License" in sources
    assert "Permission is hereby granted" in sources  # the licence notice itself


@pytest.mark.skipif(not (MIRROR / "HEAD").exists(), reason=f"the fetched source repository is not at {MIRROR}")
def test_committed_boundaries_are_a_fresh_import(tmp_path):
    """make data-boundaries gives the committed bytes again (from the commit SOURCES.md names)."""
    sources = (BOUNDARIES / "SOURCES.md").read_text(encoding="utf-8")
    commit = sources.split("Commit: `", 1)[1].split("`", 1)[0]
    rc = importer().main(["--mirror", str(MIRROR), "--commit", commit, "--out", str(tmp_path)])
    assert rc == 0
    for p in sorted(BOUNDARIES.iterdir()):
        assert (tmp_path / p.name).read_bytes() == p.read_bytes(), p.name


# ---------------------------------------------------------------- the importer on a hand-made repository


def square(x: float, y: float, d: float = 0.1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}


def fixture_repo(tmp_path: Path) -> Path:
    """A git repository shaped like the source: two provinces (one is Quảng Ninh), two communes."""
    work = tmp_path / "src"

    def put(rel: str, code: str, name: str, full: str, geom: dict) -> None:
        p = work / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        feat = {"type": "Feature", "properties": {"code": code, "name": name, "fullName": full, "areaKm2": 1.5},
                "geometry": geom}
        p.write_text(json.dumps({"type": "FeatureCollection", "features": [feat]}, ensure_ascii=False), encoding="utf-8")

    put("json/geojson/22_quang_ninh/22_quang_ninh.geojson", "22", "Quảng Ninh", "Tỉnh Quảng Ninh", square(107.0, 21.0, 0.2))
    put("json/geojson/01_ha_noi/01_ha_noi.geojson", "01", "Hà Nội", "Thủ đô Hà Nội", square(105.8, 21.0))
    put("json/geojson/22_quang_ninh/wards/07192_co_to.geojson", "07192", "Cô Tô", "Đặc khu Cô Tô", square(107.1, 21.0))
    put("json/geojson/22_quang_ninh/wards/06652_ha_tu.geojson", "06652", "Ha\u0300 Tu", "Phường Hà Tu", square(107.0, 21.0))
    (work / "LICENSE").write_text("MIT License\n\nCopyright (c) test\n", encoding="utf-8")
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "data"], check=True)
    return work / ".git"


def test_importer_is_reproducible_and_normalises(tmp_path, monkeypatch):
    mod = importer()
    monkeypatch.setattr(mod, "N_PROVINCES", 2)
    monkeypatch.setattr(mod, "N_QN_COMMUNES", 2)
    mirror = fixture_repo(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    assert mod.main(["--mirror", str(mirror), "--out", str(a)]) == 0
    assert mod.main(["--mirror", str(mirror), "--out", str(b)]) == 0
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir()) == [
        "SOURCES.md", "quang-ninh-communes-2025.geojson", "quang-ninh-province-2025.geojson", "vietnam-provinces-2025.geojson"]
    for p in a.iterdir():
        assert p.read_bytes() == (b / p.name).read_bytes()
    communes = json.loads((a / "quang-ninh-communes-2025.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["code"] for f in communes] == ["06652", "07192"]  # sorted by code
    assert communes[0]["properties"]["name"] == "Hà Tu"  # NFC
    assert [f["properties"]["type"] for f in communes] == ["phuong", "dac-khu"]
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in communes)
    head = subprocess.run(["git", f"--git-dir={mirror}", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert f"Commit: `{head}`" in (a / "SOURCES.md").read_text(encoding="utf-8")


def test_importer_refuses_a_wrong_repository_without_writing(tmp_path, capsys):
    mod = importer()
    out = tmp_path / "out"
    assert mod.main(["--mirror", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "not a git directory" in capsys.readouterr().err and not out.exists()
    mirror = fixture_repo(tmp_path)  # 2 provinces, where 34 are expected
    assert mod.main(["--mirror", str(mirror), "--out", str(out)]) == 2
    assert "expected 34 province files" in capsys.readouterr().err and not out.exists()


# ---------------------------------------------------------------- maps of a solved scenario


@pytest.fixture(scope="module")
def sol():
    from orgmodel.optimise import solve_scenario
    from orgmodel.scenario import load_scenario

    return solve_scenario(load_scenario(ROOT / "scenarios" / "psu-10pct-2025.yaml"))


def test_merge_lines_join_each_absorbed_unit_to_the_unit_absorbing_it(sol):
    lines = M.merge_lines(sol)
    assert len(lines) == len(sol.plan) > 0
    units = sol.scenario.timeline.units_as_of(sol.scenario.plan_from)
    for r in lines.itertuples():
        assert (r.lat0, r.lon0) == (float(units.at[r.unit_id, "lat"]), float(units.at[r.unit_id, "lon"]))
        assert (r.lat1, r.lon1) == (float(units.at[r.into_id, "lat"]), float(units.at[r.into_id, "lon"]))
    pts = M.unit_points(sol)
    assert set(pts.loc[pts["role"] == "absorbed", "unit_id"]) == set(sol.plan["unit_id"])
    assert set(pts.loc[pts["role"] == "into", "unit_id"]) == set(sol.plan["into_id"])


def test_static_map_draws_boundaries_merges_and_a_vietnamese_legend(sol, tmp_path):
    from matplotlib.collections import LineCollection

    fig = M.static_map(sol)
    ax = fig.axes[0]
    merges = [c for c in ax.collections if isinstance(c, LineCollection) and len(c.get_segments()) == len(sol.plan)]
    assert len(merges) == 1
    png, svg = G.save_figure(fig, tmp_path / "map")
    text = svg.read_text(encoding="utf-8")
    assert png.stat().st_size > 50_000
    assert "Ranh giới xã, phường, đặc khu" in text and "Đơn vị được sáp nhập" in text and "km" in text
    assert f"{len(sol.plan)} đơn vị sáp nhập" in text
    assert "Commune-level boundaries" in G.save_figure(M.static_map(sol, lang="en", width="column"), tmp_path / "en")[1].read_text()


def test_interactive_map_has_no_tiles_and_updates_in_place(sol):
    import ipyleaflet as L

    m = M.InteractiveMap(sol)
    layers = m.widget.layers
    assert not any(isinstance(layer, L.TileLayer) for layer in layers)  # nothing fetched from the network
    communes = [layer for layer in layers if isinstance(layer, L.GeoJSON) and len(layer.data.get("features", [])) == 54]
    assert len(communes) == 1
    assert len(m.lines.data["features"]) == len(sol.plan)
    assert len(m.points.data["features"]) == len(M.unit_points(sol))
    assert "Đơn vị giữ nguyên" in m.legend.legend
    before = m.widget.layers
    m.update(type(sol)(**{**sol.__dict__, "plan": sol.plan.iloc[:3]}))
    assert m.widget.layers is before and len(m.lines.data["features"]) == 3


def test_missing_or_broken_boundaries_are_refused_by_name(tmp_path, english):
    with pytest.raises(InputError, match="make data-boundaries"):
        M.load_boundaries(tmp_path)
    for name in M.FILES.values():
        (tmp_path / name).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"quang-ninh-province-2025\.geojson.*not a readable GeoJSON"):
        M.load_boundaries(tmp_path)


def test_the_country_layer_reads_as_34_provinces():
    country = M.load_country()
    assert len(country) == 34 and country.is_valid.all()
    assert country.loc[country["code"] == "22", "name"].tolist() == ["Quảng Ninh"]
