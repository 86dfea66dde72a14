"""Maps of a scenario's merges on the real 2025 boundaries (province and commune-level units).

- :func:`load_boundaries` reads the committed GeoJSON of ``data/boundaries`` (imported by
  ``make data-boundaries``; sources in ``data/boundaries/SOURCES.md``) into GeoDataFrames, once.
- :func:`merge_lines` / :func:`unit_points`: the plan as geometry — one line per merge from the
  absorbed unit to the unit absorbing it, and every unit that may move as a point with its role.
- :func:`static_map`: the annex figure (matplotlib, at print size; save it as PNG + SVG with
  :func:`orgmodel.plots.save_figure`): commune and province boundaries, units as points, merges
  as lines coloured by sector, a scale bar and a legend in the output language.
- :class:`InteractiveMap`: the same on an ipyleaflet map for JupyterLab. It draws the boundaries
  from GeoJSON and loads **no** base tiles (nothing is fetched from the network), and
  :meth:`InteractiveMap.update` swaps the plan layers in place (one message each) so a what-if
  redraws quickly.

Units need ``lat``/``lon`` (the bundled registry has them); units without are left off the map.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from . import fmt
from . import plots as G
from .errors import InputError
from .i18n import N_, _

BOUNDARY_DIR = Path(__file__).resolve().parents[1] / "data" / "boundaries"
FILES = {
    "province": "quang-ninh-province-2025.geojson",
    "communes": "quang-ninh-communes-2025.geojson",
    "country": "vietnam-provinces-2025.geojson",
}
COMMUNE_EDGE, COMMUNE_FILL, PROVINCE_EDGE, UNIT_GREY = "#A6A6A6", "#F5F5F2", "#262626", "#BDBDBD"

TEXT = {
    "communes": N_("Commune-level boundaries (from 1 July 2025)"),
    "province": N_("Province boundary"),
    "boundary_source": N_("2025 boundaries: thanglequoc/vietnamese-provinces-database (MIT), map data sapnhap.bando.com.vn"),
    "legend": N_("Legend"),
    "merge": N_("Merge: {a} → {b} ({km} km)"),
    "map_title": N_("Scenario {name}: {n} units merged into others"),
}


def text(key: str, lang: str = "vi", **values) -> str:
    return fmt.nfc(_(TEXT[key], lang=fmt.check_lang(lang), **values))


# ---------------------------------------------------------------- boundaries


@dataclass(frozen=True)
class Boundaries:
    """The province outline and its commune-level units (GeoDataFrames in WGS 84, lon/lat)."""

    province: object
    communes: object
    folder: Path

    def geojson(self, layer: str) -> dict:
        return _geojson(str(self.folder / FILES[layer]))


@lru_cache(maxsize=8)
def _geojson(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError(_("{path}: boundary file missing. Run `make data-boundaries` (see data/boundaries/SOURCES.md).", path=path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(_("{path}: not a readable GeoJSON file ({error}). Re-create it with `make data-boundaries`.", path=path, error=exc)) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise InputError(_("{path}: not a GeoJSON FeatureCollection. Re-create it with `make data-boundaries`.", path=path))
    return data


@lru_cache(maxsize=4)
def _load(folder: str) -> Boundaries:
    import geopandas as gpd

    frames = {}
    for layer in ("province", "communes"):
        path = str(Path(folder) / FILES[layer])
        data = _geojson(path)
        try:
            frames[layer] = gpd.GeoDataFrame.from_features(data["features"], crs="EPSG:4326")
        except Exception as exc:  # a malformed geometry or feature
            raise InputError(_("{path}: a feature could not be read ({error}). Re-create it with `make data-boundaries`.", path=path, error=exc)) from None
    return Boundaries(frames["province"], frames["communes"], Path(folder))


@lru_cache(maxsize=4)
def _country(folder: str):
    import geopandas as gpd

    path = str(Path(folder) / FILES["country"])
    try:
        return gpd.GeoDataFrame.from_features(_geojson(path)["features"], crs="EPSG:4326")
    except InputError:
        raise
    except Exception as exc:
        raise InputError(_("{path}: a feature could not be read ({error}). Re-create it with `make data-boundaries`.", path=path, error=exc)) from None


def load_country(folder: str | Path | None = None):
    """The 34 provinces of 2025 (coarse), read once per folder. For analysis, not for a map of the
    country: the source polygons do not include the Hoàng Sa and Trường Sa archipelagos, which a
    map of Viet Nam must show (docs/decisions.md)."""
    return _country(str(Path(folder or BOUNDARY_DIR).resolve()))


def load_boundaries(folder: str | Path | None = None) -> Boundaries:
    """Quảng Ninh's outline and its 54 commune-level units (2025), read once per folder."""
    return _load(str(Path(folder or BOUNDARY_DIR).resolve()))


# ---------------------------------------------------------------- the plan as geometry


def unit_points(sol) -> pd.DataFrame:
    """Units that may move at ``plan_from`` with coordinates: id, name, sector, lat, lon, role
    (``absorbed`` / ``into`` / ``other``) and into_id; sorted by id."""
    units = G.plan_units(sol)
    if not {"lat", "lon"} <= set(units.columns):
        return pd.DataFrame(columns=["unit_id", "name", "sector", "lat", "lon", "role", "into_id"])
    pts = units.dropna(subset=["lat", "lon"]).copy()
    hubs = set(pts.loc[pts["absorbed"], "into_id"])
    pts["role"] = np.where(pts["absorbed"], "absorbed", np.where(pts.index.isin(list(hubs)), "into", "other"))
    pts = pts.drop(columns=[c for c in ("unit_id",) if c in pts.columns]).rename_axis("unit_id").reset_index()
    pts["lat"], pts["lon"] = pts["lat"].astype(float), pts["lon"].astype(float)
    return pts[["unit_id", "name", "sector", "lat", "lon", "role", "into_id"]].sort_values("unit_id", kind="stable").reset_index(drop=True)


def merge_lines(sol) -> pd.DataFrame:
    """One row per merge whose two units have coordinates: unit_id, into_id, names, sector (of the
    absorbed unit), the two ends (lon0, lat0 -> lon1, lat1) and distance_km; sorted by unit_id."""
    pts = unit_points(sol).set_index("unit_id")
    plan = sol.plan
    cols = ["unit_id", "into_id", "name", "into_name", "sector", "lon0", "lat0", "lon1", "lat1", "distance_km"]
    if not len(plan) or not len(pts):
        return pd.DataFrame(columns=cols)
    p = plan[plan["unit_id"].isin(pts.index) & plan["into_id"].isin(pts.index)].sort_values("unit_id", kind="stable")
    a, b = pts.loc[p["unit_id"]], pts.loc[p["into_id"]]
    return pd.DataFrame({
        "unit_id": p["unit_id"].to_numpy(dtype=object), "into_id": p["into_id"].to_numpy(dtype=object),
        "name": a["name"].to_numpy(dtype=object), "into_name": b["name"].to_numpy(dtype=object),
        "sector": p["sector"].to_numpy(dtype=object),
        "lon0": a["lon"].to_numpy(), "lat0": a["lat"].to_numpy(), "lon1": b["lon"].to_numpy(), "lat1": b["lat"].to_numpy(),
        "distance_km": p["distance_km"].astype(float).to_numpy(),
    }, columns=cols).reset_index(drop=True)


def colours_for(sol) -> dict:
    """Sector colours of the units in the merges (as :func:`orgmodel.plots.sector_colours`)."""
    pts = unit_points(sol)
    return G.sector_colours(pts.loc[pts["role"] != "other", "sector"])


# ---------------------------------------------------------------- the annex figure


def static_map(sol, *, boundaries: Boundaries | None = None, lang: str = "vi", width: str | float = "full",
               title: bool = True, source: str | None = None) -> Figure:
    """The province with its 2025 commune boundaries, every unit that may move as a grey dot,
    absorbing units filled and absorbed units open in their sector's colour, each merge a line
    from the absorbed unit to the one absorbing it, a scale bar and a legend. Save it for the
    annex with ``orgmodel.plots.save_figure(fig, stem)`` (PNG at 300 dpi + SVG)."""
    fmt.check_lang(lang)
    b = boundaries or load_boundaries()
    pts, lines = unit_points(sol), merge_lines(sol)
    colours = colours_for(sol)
    x0, y0, x1, y1 = (float(v) for v in b.province.total_bounds)
    if len(pts):  # frame the province and every unit
        x0, x1 = min(x0, pts["lon"].min()), max(x1, pts["lon"].max())
        y0, y1 = min(y0, pts["lat"].min()), max(y1, pts["lat"].max())
    lat0 = (y0 + y1) / 2
    k = math.cos(math.radians(lat0))
    pad_x, pad_y = 0.03 * (x1 - x0), 0.05 * (y1 - y0)
    x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y
    axes_w = G.width_cm(width) - 0.4
    h = min(max(axes_w * (y1 - y0) / ((x1 - x0) * k), 5.0), 20.0)
    with G.figure_style():
        handles = G._map_legend(colours, lang) + [
            Line2D([], [], color=COMMUNE_EDGE, lw=0.6, label=text("communes", lang)),
            Line2D([], [], color=PROVINCE_EDGE, lw=1.0, label=text("province", lang)),
        ]
        ncols = 3 if G.width_cm(width) >= 12 else 1
        legend_h = 0.42 * math.ceil(len(handles) / ncols) + 0.2  # cm: the legend's rows below the map
        fig = G.new_figure(width, h + legend_h + 2.6)
        grid = fig.add_gridspec(2, 1, height_ratios=[h, legend_h])
        ax, lax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
        ax.set_aspect(1 / k)
        ax.grid(False)
        b.communes.plot(ax=ax, facecolor=COMMUNE_FILL, edgecolor=COMMUNE_EDGE, linewidth=0.3, zorder=0)
        b.province.boundary.plot(ax=ax, color=PROVINCE_EDGE, linewidth=0.8, zorder=1)
        other = pts[pts["role"] == "other"]
        ax.scatter(other["lon"], other["lat"], s=3, color=UNIT_GREY, lw=0, zorder=2)
        if len(lines):
            segs = np.stack([lines[["lon0", "lat0"]].to_numpy(), lines[["lon1", "lat1"]].to_numpy()], axis=1)
            ax.add_collection(LineCollection(segs, colors=[colours.get(s, colours.get(G.OTHER)) for s in lines["sector"]],
                                             linewidths=0.8, alpha=0.9, zorder=3))
        moved, hubs = pts[pts["role"] == "absorbed"], pts[pts["role"] == "into"]
        ax.scatter(moved["lon"], moved["lat"], s=12, facecolors="white",
                   edgecolors=[colours.get(s, "#4D4D4D") for s in moved["sector"]], lw=0.8, zorder=4)
        ax.scatter(hubs["lon"], hubs["lat"], s=20, color=[colours.get(s, "#4D4D4D") for s in hubs["sector"]],
                   edgecolors="white", lw=0.4, zorder=5)
        ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="", ylabel="")
        ax.tick_params(left=False, bottom=False, labelleft=False, labelbottom=False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        G._scale_bar(ax, lat0)
        lax.axis("off")
        lax.legend(handles=handles, loc="upper left", ncols=ncols, handlelength=1.6, columnspacing=1.2, borderpad=0.1,
                   borderaxespad=0.0)
        name = sol.scenario.name
        title_text = text("map_title", lang, name=name, n=fmt.number(len(sol.plan), lang))
        src = source or f"{G.scenario_source(sol, lang)}; {text('boundary_source', lang)}"
        return G.finish(fig, title_text if title else None, src, lang)


# ---------------------------------------------------------------- the interactive map


def _points_geojson(pts: pd.DataFrame, colours: dict, lang: str) -> dict:
    feats = []
    size = {"other": 2.5, "absorbed": 4.0, "into": 5.0}
    for r in pts.itertuples(index=False):
        colour = UNIT_GREY if r.role == "other" else colours.get(r.sector, "#4D4D4D")
        style = {"radius": size[r.role], "color": "#FFFFFF" if r.role == "into" else colour, "weight": 1,
                 "fillColor": "#FFFFFF" if r.role == "absorbed" else colour, "fillOpacity": 1.0, "opacity": 1.0}
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                      "properties": {"unit_id": r.unit_id, "name": fmt.nfc(str(r.name)), "role": r.role,
                                     "sector": fmt.sector(r.sector, lang), "style": style}})
    return {"type": "FeatureCollection", "features": feats}


def _lines_geojson(lines: pd.DataFrame, colours: dict, lang: str) -> dict:
    feats = []
    for r in lines.itertuples(index=False):
        colour = colours.get(r.sector, "#4D4D4D")
        feats.append({"type": "Feature",
                      "geometry": {"type": "LineString", "coordinates": [[r.lon0, r.lat0], [r.lon1, r.lat1]]},
                      "properties": {"unit_id": r.unit_id, "into_id": r.into_id,
                                     "label": text("merge", lang, a=fmt.nfc(str(r.name)), b=fmt.nfc(str(r.into_name)),
                                                   km=fmt.number(r.distance_km, lang, 1)),
                                     "style": {"color": colour, "weight": 2, "opacity": 0.9}}})
    return {"type": "FeatureCollection", "features": feats}


def _legend(colours: dict, lang: str) -> dict:
    named = [(s, c) for s, c in colours.items() if s != G.OTHER]
    out = {fmt.sector(s, lang): c for s, c in named}
    if G.OTHER in colours:
        out[_("Other sectors", lang=lang)] = colours[G.OTHER]
    out[G.text("map_other", lang)] = UNIT_GREY
    return out


class InteractiveMap:
    """An ipyleaflet map of a solved scenario: boundaries from GeoJSON (no base tiles, no
    network), units as circle markers (filled: absorbing, open: absorbed), merges as lines
    coloured by sector, a metric scale and a legend. ``widget`` is the ipyleaflet ``Map``;
    :meth:`update` redraws the plan in place."""

    def __init__(self, sol=None, *, boundaries: Boundaries | None = None, lang: str = "vi", height: str = "520px"):
        import ipyleaflet as L

        self.lang = fmt.check_lang(lang)
        b = boundaries or load_boundaries()
        x0, y0, x1, y1 = (float(v) for v in b.province.total_bounds)
        communes = L.GeoJSON(data=b.geojson("communes"), name=text("communes", lang),
                             style={"color": COMMUNE_EDGE, "weight": 0.8, "fillColor": COMMUNE_FILL, "fillOpacity": 1.0},
                             hover_style={"fillColor": "#E3E3DA"})
        province = L.GeoJSON(data=b.geojson("province"), name=text("province", lang),
                             style={"color": PROVINCE_EDGE, "weight": 2, "fill": False})
        self.lines = L.GeoJSON(data={"type": "FeatureCollection", "features": []}, name="merges")
        self.points = L.GeoJSON(data={"type": "FeatureCollection", "features": []}, name="units")
        self.legend = L.LegendControl({}, title=text("legend", lang), position="bottomright")
        self.widget = L.Map(center=((y0 + y1) / 2, (x0 + x1) / 2), zoom=9, layers=(communes, province, self.lines, self.points),
                            scroll_wheel_zoom=True, attribution_control=False,
                            layout={"height": height, "width": "100%"})
        self.widget.add(L.ScaleControl(position="bottomleft", imperial=False, metric=True))
        self.widget.add(self.legend)
        self.widget.add_class("orgmodel-map")
        if sol is not None:
            self.update(sol)

    def update(self, sol) -> None:
        colours = colours_for(sol)
        self.lines.data = _lines_geojson(merge_lines(sol), colours, self.lang)
        self.points.data = _points_geojson(unit_points(sol), colours, self.lang)
        self.legend.legend = _legend(colours, self.lang)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
