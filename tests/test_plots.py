"""Figures: every function renders in both languages at print size, writes PNG (300 dpi) and SVG
(editable NFC text), keeps fonts legible, leaves matplotlib's global settings alone, and shows
the bundled data's published figures."""

from __future__ import annotations

import struct
import unicodedata
from pathlib import Path

import matplotlib as mpl
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from orgmodel import fmt
from orgmodel import plots as G
from orgmodel import progress as P
from orgmodel.optimise import frontier, solve_scenario
from orgmodel.scenario import load_scenario

from conftest import TINY_SCENARIO
B, D = "2015-12-31", "2021-12-31"
DEPARTMENT = "QN-SYT"  # Sở Y tế, open at both dates in the bundled registry

# A small scenario on the conftest registry: two pairs of PSUs can merge (same parent, sector).
SCENARIO = TINY_SCENARIO.format(name="tiny-plot", description="Hai cặp đơn vị sự nghiệp sáp nhập")


@pytest.fixture(scope="module")
def tl(qn_timeline):
    return qn_timeline


@pytest.fixture
def solved(tmp_path):
    """A solved tiny scenario (with coordinates) and its frontier."""
    from conftest import BASE_UNITS, write_registry

    write_registry(tmp_path / "reg", BASE_UNITS, "")
    (tmp_path / "scn.yaml").write_text(SCENARIO, encoding="utf-8")
    scn = load_scenario(tmp_path / "scn.yaml")
    sol = solve_scenario(scn)
    assert sol.status == "optimal" and len(sol.plan) == 2
    return sol, frontier(scn)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def texts(fig: Figure) -> list[Text]:
    fig.draw_without_rendering()  # lays the figure out, as saving does
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def all_text(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in texts(fig))


REGISTRY_FIGURES = {
    "progress": lambda tl, lang, w: G.progress_chart(tl, B, D, lang=lang, width=w),
    "waterfall": lambda tl, lang, w: G.waterfall_chart(tl, B, D, lang=lang, width=w),
    "trajectory": lambda tl, lang, w: G.trajectory_chart(tl, B, D, lang=lang, width=w),
    "by-sector": lambda tl, lang, w: G.breakdown_chart(tl, B, D, by="sector", lang=lang, width=w),
    "by-locality": lambda tl, lang, w: G.breakdown_chart(tl, B, D, by="locality", lang=lang, width=w),
    "org-chart": lambda tl, lang, w: G.org_chart(tl, DEPARTMENT, B, D, lang=lang, width=w),
}
SCENARIO_FIGURES = {
    "plan-sector": lambda sol, front, lang, w: G.plan_chart(sol, by="sector", lang=lang, width=w),
    "plan-locality": lambda sol, front, lang, w: G.plan_chart(sol, by="locality", lang=lang, width=w),
    "merge-map": lambda sol, front, lang, w: G.merge_map(sol, lang=lang, width=w),
    "frontier": lambda sol, front, lang, w: G.frontier_chart(front, sol, lang=lang, width=w),
}
SOURCE = {"vi": "Nguồn", "en": "Source"}


def check_files(fig: Figure, stem: Path, lang: str, width: str) -> None:
    png, svg = G.save_figure(fig, stem, width=width)
    assert png == stem.with_name(stem.name + ".png") and svg == stem.with_name(stem.name + ".svg")
    w_px, h_px = png_size(png)
    expected = G.WIDTHS_CM[width] / 2.54 * G.DPI  # 16 cm -> 1890 px, 8 cm -> 945 px
    assert abs(w_px - expected) <= 2
    assert abs(h_px - fig.get_size_inches()[1] * G.DPI) <= 2
    text = svg.read_text(encoding="utf-8")
    assert "<text" in text  # svg.fonttype none: text stays text, editable in Word/Inkscape
    assert SOURCE[lang] in text and unicodedata.is_normalized("NFC", text)
    assert G.FONT in text


def check_fonts(fig: Figure) -> None:
    for t in texts(fig):
        assert t.get_fontsize() >= G.SMALL_PT - 1e-9, t.get_text()
        assert t.get_fontname() == G.FONT, t.get_text()  # Times metrics, Vietnamese glyphs
        assert unicodedata.is_normalized("NFC", t.get_text())


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(REGISTRY_FIGURES))
def test_registry_figures_render_and_save(tl, tmp_path, name, lang):
    before = dict(mpl.rcParams)
    fig = REGISTRY_FIGURES[name](tl, lang, "full")
    assert isinstance(fig, Figure)
    assert abs(fig.get_size_inches()[0] * 2.54 - 16.0) < 1e-6  # created at print size
    check_fonts(fig)
    check_files(fig, tmp_path / f"{name}-{lang}", lang, "full")
    assert dict(mpl.rcParams) == before  # styles are per figure, never global


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(SCENARIO_FIGURES))
def test_scenario_figures_render_and_save(solved, tmp_path, name, lang):
    sol, front = solved
    fig = SCENARIO_FIGURES[name](sol, front, lang, "full")
    check_fonts(fig)
    check_files(fig, tmp_path / f"{name}-{lang}", lang, "full")


@pytest.mark.parametrize("name", ["progress", "waterfall", "trajectory", "by-sector"])
def test_column_width(tl, tmp_path, name):
    fig = REGISTRY_FIGURES[name](tl, "vi", "column")
    assert abs(fig.get_size_inches()[0] * 2.54 - 8.0) < 1e-6
    check_fonts(fig)
    check_files(fig, tmp_path / name, "vi", "column")


def test_save_figure_resizes_to_the_width_asked(tl, tmp_path):
    fig = G.progress_chart(tl, B, D, width="full")
    png, _ = G.save_figure(fig, tmp_path / "p", width="column")
    assert abs(png_size(png)[0] - 945) <= 2


def test_progress_shows_published_reduction(tl):
    row = P.progress(tl, B, D).set_index("kind").loc["all"]
    vi = all_text(G.progress_chart(tl, B, D, lang="vi"))
    en = all_text(G.progress_chart(tl, B, D, lang="en"))
    assert f"-{int(row['reduced'])} (-{fmt.pct(float(row['reduced_pct']), 'vi')})" in vi
    assert "-227 (-18,0%)" in vi and "-227 (-18.0%)" in en  # the bundled data's calibration
    assert "31/12/2015" in vi and "2015-12-31" in en
    assert "Nguồn:" in vi and "Source:" in en


def test_waterfall_steps_reconcile(tl):
    steps = G.reconciliation_steps(tl, B, D)
    p = P.progress(tl, B, D).set_index("kind").loc["all"]
    assert steps["step"].tolist() == ["baseline", "merge", "consolidate", "split", "dissolve", "opened", "current"]
    assert steps["end"].iloc[-2] == steps["end"].iloc[-1] == p["current"]
    assert steps["value"].iloc[1:-1].sum() == p["opened"] - p["closed"]
    text = all_text(G.waterfall_chart(tl, B, D, lang="vi"))
    assert fmt.change(-int(p["closed_merge"]), "vi") in text and fmt.number(int(p["baseline"]), "vi") in text


def test_trajectory_marks_the_year_the_psu_target_was_met(tl):
    traj = P.trajectory(tl, 2015, 2021)
    base = tl.count("psu", B)
    first = next(int(r.year) for r in traj.itertuples() if 100 * (base - r.psu) >= 10 * base)
    assert first == 2020  # the bundled data's contract: -10% PSUs met in 2020, a year early
    text = all_text(G.trajectory_chart(tl, B, D, lang="vi"))
    assert "đạt năm 2020" in text and "-10%" in text
    assert "met in 2020" in all_text(G.trajectory_chart(tl, B, D, lang="en"))


def test_breakdown_totals_match_progress(tl):
    total = P.progress(tl, B, D).set_index("kind").loc["all"]
    for by in ("sector", "locality"):
        table = G.breakdown_table(tl, B, D, by)
        assert table["baseline"].sum() == total["baseline"] and table["current"].sum() == total["current"]
        assert table["baseline"].is_monotonic_decreasing


def test_org_tree_layout_has_no_overlaps(tl):
    g = tl.graph_as_of(B)
    tree = G.org_tree(g, DEPARTMENT, depth=2)
    slots = G.layout_tree(tree, max_rows=6)
    nodes = list(G._walk(tree))
    assert len({(n.x, n.y) for n in nodes}) == len(nodes)  # one box per position
    assert all(0 <= n.x < slots for n in nodes)
    for n in nodes:
        if n.children and not any(c.stacked for c in n.children):
            assert n.x == pytest.approx((n.children[0].x + n.children[-1].x) / 2)  # centred
        assert all(c.y > n.y for c in n.children)  # top-down
    kids = set(g.successors(DEPARTMENT))
    assert {n.unit_id for n in tree.children} <= kids | {f"{DEPARTMENT}:more"}


def _boxes(ax):
    from matplotlib.patches import FancyBboxPatch

    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)]


@pytest.mark.parametrize("unit", ["QN-STP", DEPARTMENT])
def test_org_chart_marks_closed_and_new_units(tl, unit):
    """On the earlier chart every unit gone by the later date has a dashed outline (and only
    those); on the later chart every unit opened since has a thick outline (and only those)."""
    fig = G.org_chart(tl, unit, B, D, lang="vi")
    text = all_text(fig)
    assert tl.units.at[unit, "name"] in text.replace("\n", " ")
    assert "31/12/2015" in text and "31/12/2021" in text
    before, after = [ax for ax in fig.axes if _boxes(ax)]
    gb, gd = tl.graph_as_of(B), tl.graph_as_of(D)
    closed = [c for c in gb.successors(unit) if not tl.is_open(c, D)]
    new = [c for c in gd.successors(unit) if not tl.is_open(c, B)]
    assert closed and new  # the bundled data exercise both marks
    dashed = [p for p in _boxes(before) if p.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == len(closed)
    assert not [p for p in _boxes(after) if p.get_linestyle() not in ("-", "solid")]
    root_lw = max(p.get_linewidth() for p in _boxes(before))
    thick = [p for p in _boxes(after)[1:] if p.get_linewidth() > 1.2]
    assert len(thick) == len(new) and root_lw <= 1.2
    legend = "\n".join(t.get_text() for t in fig.axes[-1].get_legend().get_texts())
    assert "Đơn vị không còn tồn tại vào ngày" in legend and "Đơn vị mới sau" in legend


def test_unknown_language_is_refused(tl):
    with pytest.raises(ValueError, match="lang"):
        G.progress_chart(tl, B, D, lang="fr")


def test_figure_texts_are_nfc_even_from_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Sở Y tế")
    assert fmt.nfc(decomposed) == "Sở Y tế" and unicodedata.is_normalized("NFC", fmt.nfc(decomposed))


def test_infeasible_scenario_has_no_map_but_a_plan_chart(tmp_path):
    from conftest import BASE_UNITS, write_registry

    write_registry(tmp_path / "reg", BASE_UNITS, "")
    (tmp_path / "scn.yaml").write_text(SCENARIO.replace("reduce_count: 2", "reduce_count: 5"), encoding="utf-8")
    sol = solve_scenario(load_scenario(tmp_path / "scn.yaml"))
    assert sol.status == "infeasible" and not G.has_coordinates(sol)
    with pytest.raises(ValueError, match="không sáp nhập"):
        G.merge_map(sol)
    data = G.plan_table(sol, "sector")
    assert (data["reduced"] == 0).all() and isinstance(G.plan_chart(sol), Figure)


def test_missing_font_falls_back_with_a_warning(tl, monkeypatch):
    monkeypatch.setattr(G, "FONT", "No Such Serif")
    monkeypatch.setattr(G, "FONT_DIRS", ())
    G.font_family.cache_clear()
    try:
        with pytest.warns(UserWarning, match="No Such Serif"):
            family = G.font_family()
        assert family != "No Such Serif"
        fig = G.progress_chart(tl, B, D)
        assert {t.get_fontname() for t in texts(fig)} == {family}
    finally:
        G.font_family.cache_clear()


def test_every_vietnamese_letter_is_drawn_in_the_figure_font(tl, tmp_path):
    """Figures draw Vietnamese words in one font: the face the figure font resolves to has every
    Vietnamese letter (Debian's Liberation Serif 1.07, which lacks ơ, ư and the letters with two
    marks, is set aside when it is installed beside version 2), and saving a figure full of
    Vietnamese text reports no glyph missing from it."""
    import warnings

    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    from orgmodel.outputs import figures as F
    from orgmodel.outputs.tables import pick_department

    family = F.font_family()
    assert F.covers_vietnamese(font_manager.findfont(FontProperties(family=family)))
    assert all(F.covers_vietnamese(f.fname) for f in font_manager.fontManager.ttflist if f.name == family)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        F.save_figure(F.org_chart(tl, pick_department(tl, B, D), B, D, lang="vi"), tmp_path / "org")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert not F.covers_vietnamese("/no/such/font.ttf")


def test_before_after_bars_draw_each_count_in_its_row(tl):
    """The bars are drawn directly (no seaborn): per group, the baseline bar above the current
    one, their lengths the counts, the first group at the top, in the before and after colours."""
    import matplotlib.colors as mcolors

    from orgmodel.outputs.data import breakdown_table

    fig = G.breakdown_chart(tl, B, D, by="sector")
    ax = fig.axes[0]
    data = breakdown_table(tl, B, D, by="sector")
    bars = [p for c in ax.containers for p in c]
    assert len(bars) == 2 * len(data)
    before, after = bars[:len(data)], bars[len(data):]
    assert [b.get_width() for b in before] == [float(v) for v in data["baseline"]]
    assert [b.get_width() for b in after] == [float(v) for v in data["current"]]
    for i, (b, a) in enumerate(zip(before, after)):
        assert b.get_y() + b.get_height() == pytest.approx(a.get_y())  # side by side, before first
        assert b.get_y() < i < a.get_y() + a.get_height()  # both in row i
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the first group at the top
    assert [t.get_text() for t in ax.get_yticklabels()] == [fmt.label("sector", g) for g in data["group"]]
    assert mcolors.to_hex(before[0].get_facecolor()) == G.BEFORE.lower()
    assert mcolors.to_hex(after[0].get_facecolor()) == G.AFTER.lower()
