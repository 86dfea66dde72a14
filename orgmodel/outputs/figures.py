"""Proposal-ready figures (seaborn on matplotlib), one function per figure.

Every function returns a :class:`matplotlib.figure.Figure` built at its print size (``width``
``"full"`` = 16 cm, an A4 page between margins; ``"column"`` = 8 cm), so it looks the same in a
notebook as in the files :func:`save_figure` writes (PNG at 300 dpi and SVG with editable text).
Texts are Vietnamese by default (the language in force; ``lang="en"`` for English), NFC-normalised
and set in Liberation Serif (Times New Roman's metrics, every Vietnamese glyph; DejaVu Serif with a
warning when it is not installed), at sizes that stay legible at column width. Colours come from the
Okabe-Ito palette (safe for colour-blind readers and legible in greyscale). Each figure ends with
a source line ("Nguồn: …" / "Source: …"). Styles are applied per figure through
``matplotlib.rc_context``: importing this module changes no global setting.

Figures are plain ``Figure`` objects, not pyplot figures: nothing is kept alive in pyplot's
registry, and a notebook shows the returned figure once.

Registry figures take a :class:`~orgmodel.views.View` (or a timeline and two dates): :func:`progress_chart`,
:func:`waterfall_chart`, :func:`trajectory_chart`, :func:`breakdown_chart` (by sector or
locality) and :func:`org_chart`. Scenario figures take a solved scenario
(:func:`~orgmodel.optimise.solve_scenario`): :func:`plan_chart`, :func:`merge_map` and
:func:`frontier_chart`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import warnings
import io
import math
import textwrap
from pathlib import Path
from typing import Iterator

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .. import fmt
from .. import progress as P
from ..dates import parse_date
from ..files import atomic_write_bytes
from ..views import View
from .texts import plan_title
from .data import (FRONTIER_ALIASES, KIND_ORDER, as_view, breakdown_table, frontier_column, plan_table,  # noqa: F401
                   plan_units, reconciliation_steps, trajectory_table)
from ..i18n import gettext as _
from .figtext import (  # noqa: F401  (what the figures say and their sizes; re-exported here)
    CM, WIDTHS_CM, DPI, BASE_PT, SMALL_PT, TEXT, text, width_cm, PLACE_PREFIXES, registry_title, registry_source,
    OrgNode, org_tree, _KIND_RANK, layout_tree, _tree_rows, _walk, ORG_PANELS, org_geometry, org_title, _marked_tree,
    _choose_rows, NAME_LINES, _box_lines, _max_lines, has_coordinates,)


def _seaborn():
    """seaborn, imported on first use: a report whose figures all come from the cache never
    needs it. Outside a notebook (no IPython loaded) seaborn is imported without ipywidgets:
    its interactive palette pickers cannot be shown there, and importing ipywidgets (with
    IPython) is two thirds of seaborn's import time."""
    if "seaborn" not in sys.modules and "IPython" not in sys.modules and "ipywidgets" not in sys.modules:
        sys.modules["ipywidgets"] = None  # type: ignore[assignment]  # seaborn.widgets falls back on ImportError
        try:
            import seaborn
        finally:
            del sys.modules["ipywidgets"]
    import seaborn

    return seaborn


def preload() -> None:
    """Import what drawing needs, and find its font, once, before forking workers that draw
    (they inherit it)."""
    _seaborn()
    font_family()


# ---------------------------------------------------------------- sizes, fonts, colours

#: Liberation Serif 2 (Debian's fonts-liberation2; ``make fonts``) has Times New Roman's metrics and
#: every Vietnamese letter, so a figure pasted beside 13 pt Times text matches it. (Liberation
#: Serif 1, Debian's fonts-liberation, lacks ơ, ư and the letters with two marks: its faces are
#: set aside.) If it is absent the next serif with Vietnamese glyphs is used, with one warning.
FONT = "Liberation Serif"
FONT_DIRS = tuple(filter(None, (os.environ.get("ORGMODEL_FONT_DIR"), "/usr/share/fonts/truetype/liberation2",
                                "/usr/share/fonts/truetype/liberation",
                                "/usr/share/fonts/liberation", "/usr/local/share/fonts", "/Library/Fonts")))
SERIF_FALLBACKS = ("Tinos", "Times New Roman", "Noto Serif", "DejaVu Serif")

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
#: deficiency.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
KIND_COLOURS = {"agency": OKABE_ITO["blue"], "psu": OKABE_ITO["orange"], "all": OKABE_ITO["black"]}
KIND_FILLS = {"agency": "#CCE3F0", "psu": "#FBE8C0", "government": "#E6E6E6"}
BEFORE, AFTER = OKABE_ITO["sky"], OKABE_ITO["blue"]
DOWN, UP, TOTAL = OKABE_ITO["vermillion"], OKABE_ITO["green"], OKABE_ITO["blue"]
TARGET = OKABE_ITO["vermillion"]
MUTED = "#595959"


#: every letter a Vietnamese text needs beyond ASCII (both cases of each vowel with every mark)
VIETNAMESE_LETTERS = "".join(sorted(set(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ")))


@functools.lru_cache(maxsize=None)
def covers_vietnamese(path: str) -> bool:
    """True when the font file has a glyph for every Vietnamese letter."""
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(c) in charmap for c in VIETNAMESE_LETTERS)


@functools.lru_cache(maxsize=None)
def font_family() -> str:
    """The serif font the figures use: :data:`FONT` when a face of it has every Vietnamese
    letter, else the first such fallback (with a warning saying how to install it). Faces of
    these families that lack Vietnamese letters are set aside, so that a word is never drawn
    in two fonts."""
    from matplotlib import font_manager

    fm = font_manager.fontManager
    for folder in FONT_DIRS:  # matplotlib's font cache may predate the font: add its files
        for path in sorted(Path(folder).glob("LiberationSerif-*.ttf")) if Path(folder).is_dir() else ():
            fm.addfont(str(path))
    wanted = (FONT, *SERIF_FALLBACKS)
    fm.ttflist = [f for f in fm.ttflist if f.name not in wanted or covers_vietnamese(f.fname)]
    cached = getattr(fm, "_findfont_cached", None)  # what was found before the faces were set aside
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()
    installed = {f.name for f in fm.ttflist}
    how = _("install it with: make fonts, or apt-get install fonts-liberation2")
    for name in wanted:
        if name in installed:
            if name != FONT:
                warnings.warn(_("The font {font} (with every Vietnamese letter) is not installed; figures use {fallback} "
                                "instead ({how}).", font=FONT, fallback=name, how=how), stacklevel=2)
            return name
    warnings.warn(_("The font {font} (with every Vietnamese letter) is not installed; figures use {fallback} instead "
                    "({how}).", font=FONT, fallback="DejaVu Serif", how=how), stacklevel=2)
    return "DejaVu Serif"  # matplotlib ships it, with every Vietnamese letter


def style(**extra) -> dict:
    """The rc settings of every orgmodel figure (seaborn's whitegrid look, a Times-metric serif
    with Vietnamese glyphs, sizes in points at print size, Okabe-Ito colours, editable SVG text)."""
    rc = dict(_seaborn().axes_style("whitegrid"))
    family = font_family()
    rc.update({
        "font.family": [family, "DejaVu Serif"], "font.serif": [family, *SERIF_FALLBACKS, "DejaVu Serif"], "font.size": BASE_PT,
        "axes.titlesize": BASE_PT + 1, "axes.labelsize": BASE_PT, "xtick.labelsize": BASE_PT - 0.5,
        "ytick.labelsize": BASE_PT - 0.5, "legend.fontsize": BASE_PT - 0.5, "legend.title_fontsize": BASE_PT,
        "figure.titlesize": BASE_PT + 1.5, "figure.titleweight": "bold", "axes.titlelocation": "left",
        "axes.prop_cycle": cycler(color=[OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")]),
        "axes.edgecolor": "#BBBBBB", "grid.color": "#E3E3E3", "grid.linewidth": 0.6,
        "axes.linewidth": 0.6, "lines.linewidth": 1.6, "patch.linewidth": 0.5,
        "legend.frameon": False, "svg.fonttype": "none", "svg.hashsalt": "orgmodel",
        "savefig.dpi": DPI, "pdf.fonttype": 42, "axes.unicode_minus": False,
    })
    rc.update(extra)
    return rc


@contextlib.contextmanager
def figure_style(**extra) -> Iterator[None]:
    """Apply :func:`style` for the figures created inside the block, and nothing else."""
    with mpl.rc_context(style(**extra)):
        yield


def new_figure(width: str | float, height_cm: float) -> Figure:
    """A figure of exactly ``width`` x ``height_cm`` with constrained layout (call inside
    :func:`figure_style`)."""
    fig = Figure(figsize=(width_cm(width) * CM, height_cm * CM), layout="constrained", dpi=100)
    fig.get_layout_engine().set(w_pad=2 * CM / 10, h_pad=2 * CM / 10, wspace=0.04, hspace=0.04)
    return fig


def finish(fig: Figure, title: str | None, source: str, lang: str) -> Figure:
    """Add the (left-aligned) title and the source line at the bottom."""
    if title:
        per_line = max(int(width_inches(fig) / CM * 4.4), 30)
        fig.suptitle("\n".join(textwrap.wrap(fmt.nfc(title), per_line)), x=0.01, ha="left")
    label = text("source", lang)
    src = fmt.nfc(source)
    if not src.startswith(label):
        src = f"{label}: {src}"
    wrap = max(int(width_inches(fig) / CM * 7.5), 40)
    fig.supxlabel("\n".join(textwrap.wrap(src, wrap)), x=0.01, ha="left", fontsize=SMALL_PT, color=MUTED,
                  fontweight="normal")
    return fig


def width_inches(fig: Figure) -> float:
    return float(fig.get_size_inches()[0])


def number_axis(axis, lang: str, decimals: int = 0) -> None:
    """Tick labels with the number format of ``lang`` (``1.261`` in Vietnamese)."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, lang, decimals)))


def pct_axis(axis, lang: str, decimals: int = 0) -> None:
    """Tick labels as percentages in the number format of ``lang``."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: fmt.pct(v, lang, decimals)))


def legend_above(ax, ncols: int, handles=None) -> None:
    """The legend in one row above the plot, left-aligned (never over the data)."""
    kw = {"handles": handles} if handles is not None else {}
    narrow = width_inches(ax.figure) / CM < 12
    ax.legend(**kw, title=None, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=ncols, borderaxespad=0.3,
              handlelength=1.2 if narrow else 1.6, columnspacing=0.8 if narrow else 1.2, borderpad=0.1,
              handletextpad=0.4 if narrow else 0.8)


def _change_label(reduced: int, pct: float, lang: str) -> str:
    """``-227 (-18,0%)`` for a reduction of 227 units, i.e. 18.0 %."""
    if pct != pct:  # NaN: nothing at the baseline
        return fmt.change(-reduced, lang)
    return f"{fmt.change(-reduced, lang)} ({fmt.pct(-pct, lang, sign=True)})"


# ---------------------------------------------------------------- saving


def save_figure(fig: Figure, path_stem: str | Path, width: str | float | None = None) -> tuple[Path, Path]:
    """Write ``<path_stem>.png`` (300 dpi) and ``<path_stem>.svg`` (text kept as editable text).

    The figure is saved at the size it was created with (every figure function takes
    ``width="full"``, 16 cm, or ``"column"``, 8 cm), so a full-width PNG is about 1890 pixels wide
    and a column one about 945. Given a ``width`` other than the figure's, the figure is resized
    to it (keeping its height) and laid out again — drawing it at that width in the first place
    gives a better layout. Both files are written atomically and reproducibly (no timestamps).
    Returns the two paths.
    """
    stem = Path(path_stem)
    if width is not None:
        want = width_cm(width) * CM
        if abs(width_inches(fig) - want) > 1e-3:
            fig.set_size_inches(want, fig.get_size_inches()[1])
    out = []
    engine = fig.get_layout_engine()
    if engine is not None:  # laid out once, at the print resolution: both files keep these positions
        screen = fig.dpi
        fig.dpi = DPI
        try:
            engine.execute(fig)  # (savefig would add a whole drawing pass to lay it out: a third of the PNG's time)
        finally:
            fig.dpi = screen
        with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)  # no engine at all: any engine, even "none", makes savefig draw twice
    try:
        with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "orgmodel"}):
            for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
                buf = io.BytesIO()
                # PNG at zlib level 1: 15 % faster to write than the default 6, 9 % larger
                extra = {"pil_kwargs": {"compress_level": 1}} if ext == "png" else {}
                fig.savefig(buf, format=ext, dpi=DPI, metadata=meta, **extra)
                out.append(atomic_write_bytes(stem.with_name(stem.name + f".{ext}"), buf.getvalue()))
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
    return out[0], out[1]


# ---------------------------------------------------------------- 1. progress by kind


def progress_chart(tl, baseline=None, as_of=None, *, lang: str | None = None, width: str | float = "full", title: bool = True,
                   source: str | None = None) -> Figure:
    """Bars of the counted units at the baseline and at ``as_of`` for agencies, PSUs and all,
    with the count on each bar and the reduction (units and %) under each group."""
    lang = fmt.check_lang(lang)
    v = as_view(tl, baseline, as_of)
    table = v.progress
    b, d = v.baseline, v.as_of
    before, after = fmt.date(b, lang), fmt.date(d, lang)
    groups = []
    for r in table.itertuples(index=False):
        name = "\n".join(textwrap.wrap(fmt.kind(r.kind, lang), 16 if width_cm(width) >= 12 else 11))
        groups.append(f"{name}\n{_change_label(r.reduced, r.reduced_pct, lang)}")
    with figure_style():
        fig = new_figure(width, 7.0 if width_cm(width) >= 12 else 6.5)
        ax = fig.add_subplot()
        _paired_bars(ax, groups, [(before, table["baseline"], BEFORE), (after, table["current"], AFTER)], span=0.7,
                     linewidth=0.5, horizontal=False)
        for container in ax.containers:
            ax.bar_label(container, labels=[fmt.number(v, lang) for v in container.datavalues],
                         fontsize=SMALL_PT, padding=1.5)
        ax.set(xlabel="", ylabel=text("units", lang))
        number_axis(ax.yaxis, lang)
        ax.margins(y=0.12)
        ax.grid(axis="x", visible=False)
        legend_above(ax, ncols=2)
        return finish(fig, text("progress", lang, base=before, date=after) if title else None,
                      source or registry_source(tl, lang), lang)


# ---------------------------------------------------------------- 2. reconciliation waterfall


def waterfall_chart(tl, baseline=None, as_of=None, *, kind: str = "all", lang: str | None = None, width: str | float = "full",
                    title: bool = True, source: str | None = None) -> Figure:
    """Waterfall from the baseline count to the count at ``as_of``: minus the units closed by
    merge, consolidation, split and dissolution, plus the units opened."""
    lang = fmt.check_lang(lang)
    v = as_view(tl, baseline, as_of)
    steps = reconciliation_steps(v, kind=kind)
    b, d = v.baseline, v.as_of
    names = {"baseline": fmt.date(b, lang), "current": fmt.date(d, lang)}
    labels = [names.get(s) or fmt.event(s, lang) for s in steps["step"]]
    totals = steps["step"].isin(["baseline", "current"]).to_numpy()
    levels = np.r_[steps["start"].to_numpy()[~totals], steps["end"].to_numpy()]
    lo, hi = float(levels.min()), float(levels.max())
    span = max(hi - lo, 1.0)
    bottom = 0.0 if lo - 2.5 * span <= 0 else _nice_floor(lo - 2.5 * span)
    with figure_style():
        fig = new_figure(width, 7.0 if width_cm(width) >= 12 else 6.5)
        ax = fig.add_subplot()
        x = np.arange(len(steps))
        for i, r in enumerate(steps.itertuples(index=False)):
            if totals[i]:
                ax.bar(x[i], r.end - bottom, bottom=bottom, width=0.64, color=TOTAL, edgecolor="white", linewidth=0.5, zorder=2)
                ax.annotate(fmt.number(r.end, lang), (x[i], r.end), xytext=(0, 2), textcoords="offset points",
                            ha="center", va="bottom", fontsize=SMALL_PT)
            else:  # a fall is labelled under its bar, a rise above: labels never meet the totals'
                down = r.value < 0
                ax.bar(x[i], abs(r.value), bottom=min(r.start, r.end), width=0.64, color=DOWN if down else UP,
                       edgecolor="white", linewidth=0.5, zorder=2)
                ax.annotate(fmt.change(r.value, lang), (x[i], min(r.start, r.end) if down else max(r.start, r.end)),
                            xytext=(0, -2 if down else 2), textcoords="offset points", ha="center",
                            va="top" if down else "bottom", fontsize=SMALL_PT)
            if i + 1 < len(steps):
                ax.plot([x[i] + 0.32, x[i + 1] - 0.32], [r.end, r.end], color=MUTED, lw=0.6, ls=":", zorder=1)
        ax.set_xticks(x, [fmt.nfc(s) for s in labels])
        if width_cm(width) < 12:
            ax.tick_params(axis="x", labelrotation=35)
            for t in ax.get_xticklabels():
                t.set_ha("right")
                t.set_rotation_mode("anchor")
        if bottom > 0:  # floating bars never reach the bottom: the note sits there, clear of them
            ax.text(0.5, 0.03, f"({text('not_zero', lang)})", transform=ax.transAxes, ha="center", va="bottom",
                    fontsize=SMALL_PT, color=MUTED, fontstyle="italic")
        ax.set(ylabel=fmt.kind(kind, lang), ylim=(bottom, hi + 0.12 * (hi - bottom)))
        number_axis(ax.yaxis, lang)
        ax.grid(axis="x", visible=False)
        title_text = text("waterfall", lang, kind=fmt.kind_text(kind, lang), base=names["baseline"], date=names["current"])
        return finish(fig, title_text if title else None, source or registry_source(tl, lang), lang)


def _nice_floor(v: float) -> float:
    """Round down to 1, 2 or 5 times a power of ten below ``v`` (an axis start)."""
    if v <= 0:
        return 0.0
    step = 10 ** math.floor(math.log10(v))
    return float(math.floor(v / step) * step)


# ---------------------------------------------------------------- 3. trajectory with target


def trajectory_chart(tl, baseline=None, as_of=None, *, target_kind: str | None = "psu", target_pct: float | None = 10,
                     lang: str | None = None, width: str | float = "full", title: bool = True,
                     source: str | None = None) -> Figure:
    """Lines of the change against the baseline (%) at each year end, per kind, with the target
    line (default: PSUs down 10 %) and the first year the target was met."""
    lang = fmt.check_lang(lang)
    v = as_view(tl, baseline, as_of)
    data = trajectory_table(v)
    b = v.baseline
    base = fmt.date(b, lang)
    full = width_cm(width) >= 12  # the legend names the kinds in full where there is room
    data["label"] = [fmt.kind(k, lang, short=not full) for k in data["kind"]]
    order = [fmt.kind(k, lang, short=not full) for k in KIND_ORDER]
    with figure_style():
        fig = new_figure(width, 7.5 if width_cm(width) >= 12 else 7.0)
        ax = fig.add_subplot()
        _seaborn().lineplot(data=data, x="year", y="change_pct", hue="label", hue_order=order, style="label",
                     style_order=order, markers=["o", "s", "D"], dashes=False, markersize=4.5,
                     palette=[KIND_COLOURS[k] for k in KIND_ORDER], ax=ax)
        last = data[data["year"] == data["year"].max()]
        for r in last.itertuples(index=False):
            ax.annotate(fmt.pct(r.change_pct, lang, sign=True), (r.year, r.change_pct), xytext=(5, 0),
                        textcoords="offset points", va="center", fontsize=SMALL_PT, color=KIND_COLOURS[r.kind])
        narrow = width_cm(width) < 12
        kinds = ax.get_legend_handles_labels()
        ax.axhline(0, color=MUTED, lw=0.6)
        ax.set(xlabel="", ylabel=text("change_pct_short" if narrow else "change_pct", lang, base=base))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4 if narrow else "auto", integer=True))
        pct_axis(ax.yaxis, lang)
        ax.margins(x=0.12 if narrow else 0.1, y=0.16)
        if target_kind and target_pct is not None:
            target = _target_line(ax, data, target_kind, float(target_pct), lang, wrap=48 if narrow else 70)
            if narrow:  # no room inside: the x-axis label explains the dashed line
                ax.set_xlabel("- - " + target.get_label(), color=TARGET, fontsize=SMALL_PT, loc="left")
            else:  # its own legend inside, where the lines leave room (the kinds' legend is above)
                ax.add_artist(ax.legend(handles=[target], loc="best", frameon=True, framealpha=0.92, edgecolor="none",
                                        fontsize=SMALL_PT, labelcolor=TARGET, handlelength=2.2))
        legend_above(ax, ncols=3, handles=kinds[0])  # the axes' own legend: constrained layout makes room
        return finish(fig, text("trajectory", lang, base=base) if title else None, source or registry_source(tl, lang), lang)


def _target_line(ax, data: pd.DataFrame, kind: str, pct: float, lang: str, wrap: int = 90):
    """Dashed target line at -pct %, and a circle on the first year-end the kind reached it.
    Returns the line (its label says the target and the year it was met) for a legend."""
    label = text("target", lang, pct=fmt.pct(pct, lang, decimals=0 if float(pct).is_integer() else 1),
                 kind=fmt.kind_text(kind, lang))
    line = data[data["kind"] == kind].sort_values("year")
    hit = line[100.0 * line["reduced"] >= pct * (line["count"] + line["reduced"])]
    if len(hit):
        first = hit.iloc[0]
        ax.plot(first["year"], first["change_pct"], "o", ms=11, mfc="none", mec=TARGET, mew=1.2, zorder=5)
        label += " — " + text("met", lang, year=int(first["year"]))
    label = "\n".join(textwrap.wrap(label, max(wrap, 20)))
    return ax.axhline(-pct, color=TARGET, lw=1.0, ls="--", zorder=1, label=label)


# ---------------------------------------------------------------- 4. before/after by group


def breakdown_chart(tl, baseline=None, as_of=None, *, by: str = "sector", kind: str = "all", lang: str | None = None,
                    width: str | float = "full", title: bool = True, source: str | None = None) -> Figure:
    """Horizontal bars per sector (or locality, level …): units at the baseline and at
    ``as_of``, with the change (units and %) beside each pair."""
    lang = fmt.check_lang(lang)
    v = as_view(tl, baseline, as_of)
    data = breakdown_table(v, by=by, kind=kind)
    before, after = fmt.date(v.baseline, lang), fmt.date(v.as_of, lang)
    key = {"sector": "by_sector", "locality": "by_locality", "level": "by_level"}.get(by, "by_other")
    title_text = text(key, lang, base=before, date=after, by=by)
    return _before_after_bars(data, by, before, after, lang, width, title_text if title else None,
                              source or registry_source(tl, lang))


def _paired_bars(ax, labels: list, pairs: list, *, span: float, linewidth: float, horizontal: bool) -> None:
    """Two bars per group, side by side in ``span`` of a slot, the first group first (at the top
    when ``horizontal``); ``pairs`` holds (legend label, values, colour) of the first and the
    second bar. Drawn directly: seaborn's barplot took a third of the figure's time for the same
    rectangles."""
    pos, half = np.arange(len(labels)), span / 2
    bars = ax.barh if horizontal else ax.bar
    for offset, (label, values, colour) in zip((-half / 2, half / 2), pairs):
        bars(pos + offset, np.asarray(values, dtype=float), half, color=colour, edgecolor="white", linewidth=linewidth,
             label=label)
    if horizontal:
        ax.set_yticks(pos, labels)
        ax.set_ylim(len(labels) - 0.5, -0.5)
    else:
        ax.set_xticks(pos, labels)
        ax.set_xlim(-0.5, len(labels) - 0.5)


def _before_after_bars(data: pd.DataFrame, by: str, before: str, after: str, lang: str, width,
                       title: str | None, source: str) -> Figure:
    """Shared drawing of before/after horizontal bars (group, baseline, current, reduced, reduced_pct)."""
    labels = [fmt.label(by, g, lang) for g in data["group"]]
    n = len(data)
    with figure_style():
        title_lines = math.ceil(len(title) / max(width_cm(width) * 4.4, 30)) if title else 0
        source_lines = math.ceil(len(source) / max(width_cm(width) * 7.5, 40))
        fig = new_figure(width, 2.6 + 0.7 * max(n, 1) + 0.5 * title_lines + 0.4 * source_lines)
        ax = fig.add_subplot()
        _paired_bars(ax, labels, [(before, data["baseline"], BEFORE), (after, data["current"], AFTER)], span=0.78,
                     linewidth=0.4, horizontal=True)
        top = float(max(data["baseline"].max() if n else 0, data["current"].max() if n else 0, 1))
        for i, r in enumerate(data.itertuples(index=False)):
            ax.annotate(_change_label(r.reduced, r.reduced_pct, lang), (max(r.baseline, r.current), i),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=SMALL_PT,
                        color=DOWN if r.reduced > 0 else (UP if r.reduced < 0 else MUTED))
        ax.set(xlabel=text("units", lang), ylabel="", xlim=(0, top * (1.32 if width_cm(width) >= 12 else 1.55)))
        number_axis(ax.xaxis, lang)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.grid(axis="y", visible=False)
        legend_above(ax, ncols=2)
        return finish(fig, title, source, lang)


# ---------------------------------------------------------------- 5. organisation chart


def org_chart(tl, unit_id: str, before, after, *, depth: int = 1, panels=ORG_PANELS, lang: str | None = None,
              width: str | float = "full", title: bool = True, source: str | None = None,
              max_rows: int | None = None) -> Figure:
    """A unit's organisation chart at ``before`` (top panel) and ``after`` (bottom panel).

    Boxes are filled by kind (agencies blue, PSUs orange); in the earlier chart, units that no
    longer exist at the later date have a dashed grey outline; in the later chart, units opened
    since the earlier date have a thick outline. ``depth`` levels are drawn (1: the unit and the
    units it manages); a unit at the last level shows how many units it manages in turn, "(+n)".
    The layout is a top-down tidy tree with leaf units listed in columns of one kind; ``max_rows``
    (boxes per column) is chosen to fit the width unless given. ``panels=("before",)`` or
    ``("after",)`` draws one of the two (a large department fills a page each).
    """
    lang = fmt.check_lang(lang)
    tl = tl.timeline if isinstance(tl, View) else tl
    b, d = parse_date(before), parse_date(after)
    g = org_geometry(tl, unit_id, b, d, depth=depth, panels=panels, width=width, title=title, max_rows=max_rows)
    trees, panels = g["trees"], g["panels"]
    name = fmt.nfc(tl.units.at[unit_id, "name"]) if unit_id in tl.units.index else unit_id
    with figure_style():
        fig = new_figure(width, g["height_cm"])
        axes = fig.subplots(len(trees), 1, height_ratios=g["panel_cm"], squeeze=False)[:, 0]
        for ax, tree, panel, n_rows in zip(axes, trees, panels, g["heights"]):
            _draw_tree(ax, tree, g["n_slots"], n_rows, g["row_cm"], g["box_h"], g["chars"], lang)
            ax.set_title(fmt.date(b if panel == "before" else d, lang), loc="left", fontsize=BASE_PT, fontweight="bold")
        axes[-1].legend(handles=_org_legend(lang, b, d, panels, any(n.below for t in trees for n in _walk(t))),
                        loc="upper left", bbox_to_anchor=(0, 0), ncols=2, fontsize=SMALL_PT, borderaxespad=0.2)
        title_text = org_title(name, b, d, panels, lang)
        return finish(fig, title_text if title else None, source or registry_source(tl, lang), lang)


def _draw_tree(ax, tree: OrgNode, n_slots: int, n_rows: float, row_cm: float, box_h: float, chars: int,
               lang: str | None = None) -> None:
    """Draw boxes and elbow connectors in data units (x: slots, y: rows, downwards)."""
    bw = 0.9  # box width in slots
    bh = box_h / row_cm  # box height in rows
    ax.set_xlim(-0.55, n_slots - 0.45)
    ax.set_ylim(n_rows - 0.5 + 0.05, -0.5 - 0.05)
    ax.set_axis_off()
    for node in _walk(tree):
        if not node.children:
            continue
        stacked = [c for c in node.children if c.stacked]
        others = [c for c in node.children if not c.stacked]
        bus_y = node.y + 0.5
        xs = [c.x for c in others] + sorted({c.x - bw / 2 - 0.03 for c in stacked})
        ax.plot([node.x, node.x], [node.y + bh / 2, bus_y], color=MUTED, lw=0.6, zorder=1)
        if xs:
            ax.plot([min(xs + [node.x]), max(xs + [node.x])], [bus_y, bus_y], color=MUTED, lw=0.6, zorder=1)
        for c in others:
            ax.plot([c.x, c.x], [bus_y, c.y - bh / 2], color=MUTED, lw=0.6, zorder=1)
        for col_x in sorted({c.x for c in stacked}):
            col = [c for c in stacked if c.x == col_x]
            spine = col_x - bw / 2 - 0.03
            ax.plot([spine, spine], [bus_y, max(c.y for c in col)], color=MUTED, lw=0.6, zorder=1)
            for c in col:
                ax.plot([spine, c.x - bw / 2], [c.y, c.y], color=MUTED, lw=0.6, zorder=1)
    for node in _walk(tree):
        fill = KIND_FILLS.get(node.kind, "#FFFFFF")
        edge, ls, lw, colour = "#7F7F7F", "-", 0.6, "#000000"
        if node.status == "closed":
            edge, ls, lw, colour, fill = "#7F7F7F", (0, (3, 2)), 0.8, MUTED, "#F4F4F4"
        elif node.status == "new":
            edge, lw = "#000000", 1.6
        if node is tree:
            lw = max(lw, 1.0)
        ax.add_patch(FancyBboxPatch((node.x - bw / 2, node.y - bh / 2), bw, bh, boxstyle="round,pad=0,rounding_size=0.04",
                                    mutation_aspect=1 / 3, fc=fill, ec=edge, lw=lw, ls=ls, zorder=2))
        ax.text(node.x, node.y, "\n".join(_box_lines(node, chars, lang)), ha="center", va="center", fontsize=SMALL_PT,
                color=colour, zorder=3, linespacing=1.05, fontweight="bold" if node is tree else "normal")


def _org_legend(lang: str, before, after, panels=ORG_PANELS, counts: bool = False) -> list:
    out = [
        Patch(fc=KIND_FILLS["agency"], ec="#7F7F7F", lw=0.6, label=fmt.kind("agency", lang)),
        Patch(fc=KIND_FILLS["psu"], ec="#7F7F7F", lw=0.6, label=fmt.kind("psu", lang)),
    ]
    if "before" in panels:
        out.append(Patch(fc="#F4F4F4", ec="#7F7F7F", lw=0.8, ls=(0, (3, 2)), label=text("org_closed", lang, date=fmt.date(after, lang))))
    if "after" in panels:
        out.append(Patch(fc="white", ec="#000000", lw=1.6, label=text("org_new", lang, date=fmt.date(before, lang))))
    if counts:
        out.append(Patch(fc="white", ec="none", label=text("org_below", lang)))
    return out


# ---------------------------------------------------------------- 6. scenario figures


def scenario_source(sol, lang: str) -> str:
    """The default source line of a scenario figure."""
    scn = sol.scenario
    return text("scenario_source", lang, name=plan_title(scn, lang), registry=registry_title(scn.registry, lang),
                date=fmt.date(scn.plan_from, lang))


def plan_chart(sol, *, by: str = "sector", lang: str | None = None, width: str | float = "full", title: bool = True,
               source: str | None = None) -> Figure:
    """A scenario's plan per sector (or locality …): units that may move at ``plan_from`` and
    what is left after the merges, with the change beside each pair."""
    lang = fmt.check_lang(lang)
    scn = sol.scenario
    data = plan_table(sol, by)
    key = {"sector": "plan_sector", "locality": "plan_locality"}.get(by, "plan_other")
    title_text = text(key, lang, name=plan_title(scn, lang), by=by)
    return _before_after_bars(data, by, text("before_plan", lang, date=fmt.date(scn.plan_from, lang)),
                              text("after_plan", lang), lang, width, title_text if title else None,
                              source or scenario_source(sol, lang))


MAP_COLOURS = [OKABE_ITO[c] for c in ("green", "blue", "vermillion", "orange", "purple", "sky")]
OTHER = "other"


def sector_colours(sectors) -> dict:
    """A colour per sector of the units in the merges: the six most frequent get the Okabe-Ito
    colours (ties by name), every other sector shares one dark grey under ``"other"``."""
    counts = pd.Series(list(sectors), dtype=object).value_counts()
    ranked = sorted(counts.index, key=lambda s: (-counts[s], s))
    out = {s: MAP_COLOURS[i] for i, s in enumerate(ranked[:len(MAP_COLOURS)])}
    if len(ranked) > len(MAP_COLOURS):
        out.update({s: "#4D4D4D" for s in ranked[len(MAP_COLOURS):]})
        out[OTHER] = "#4D4D4D"
    return out


def merge_map(sol, *, lang: str | None = None, width: str | float = "full", title: bool = True,
              source: str | None = None) -> Figure:
    """Map of a scenario's merges from lat/lon: every unit of the movable kinds as a grey dot,
    absorbing units as filled circles, absorbed units as open circles with an arrow to the unit
    that absorbs them, coloured by sector; district names at the centre of their units; a 10 km
    scale bar. No base map (it needs no network)."""
    lang = fmt.check_lang(lang)
    scn = sol.scenario
    units = plan_units(sol)
    if not len(sol.plan):
        raise ValueError(text("no_merges", lang))
    if not has_coordinates(sol):
        raise ValueError(text("no_coordinates", lang))
    pts = units.dropna(subset=["lat", "lon"]).copy()
    pts["lat"], pts["lon"] = pts["lat"].astype(float), pts["lon"].astype(float)
    moved = pts[pts["absorbed"]]
    hubs = pts[pts.index.isin(moved["into_id"])]
    colours = sector_colours(pd.concat([moved["sector"], hubs["sector"]]))
    focus = pts[pts["absorbed"] | pts.index.isin(moved["into_id"])]  # the map frames the merges
    lat0 = float(focus["lat"].mean())
    narrow = width_cm(width) < 12  # a column-wide map drops the degree labels: the scale bar suffices
    (x0, x1), (y0, y1), h = _map_extent(focus, lat0, width_cm(width) - (0.6 if narrow else 2.6))
    with figure_style():
        fig = new_figure(width, h + 3.6)
        ax = fig.add_subplot()
        ax.set_aspect(1 / math.cos(math.radians(lat0)))
        ax.set(xlim=(x0, x1), ylim=(y0, y1))
        ax.scatter(pts["lon"], pts["lat"], s=5, color="#BDBDBD", lw=0, zorder=1, label=text("map_other", lang))
        for r in moved.itertuples():
            tgt = pts.loc[r.into_id]
            ax.add_patch(FancyArrowPatch((r.lon, r.lat), (tgt["lon"], tgt["lat"]), arrowstyle="-|>", mutation_scale=6,
                                         color=colours[r.sector], lw=0.7, shrinkA=2, shrinkB=3, zorder=2, alpha=0.9))
        ax.scatter(moved["lon"], moved["lat"], s=14, facecolors="white", edgecolors=[colours[s] for s in moved["sector"]],
                   lw=0.9, zorder=3)
        ax.scatter(hubs["lon"], hubs["lat"], s=22, color=[colours[s] for s in hubs["sector"]], edgecolors="white",
                   lw=0.4, zorder=4)
        _locality_labels(ax, pts, lang)
        _scale_bar(ax, lat0)
        ax.set(xlabel="", ylabel="")
        ax.tick_params(labelsize=SMALL_PT)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, lang, 2) + "°E"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, lang, 2) + "°N"))
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        if narrow:
            ax.tick_params(labelbottom=False, labelleft=False, length=0)
        ax.grid(True, color="#EFEFEF")
        legend_above(ax, ncols=2 if narrow else 4, handles=_map_legend(colours, lang))
        title_text = text("map", lang, name=plan_title(scn, lang), n=fmt.number(len(moved), lang))
        return finish(fig, title_text if title else None, source or scenario_source(sol, lang), lang)


def _map_extent(pts: pd.DataFrame, lat0: float, axes_w_cm: float):
    """Longitude and latitude limits around ``pts`` (8 % padding, at least about 13 km across)
    widened so that the map fills an axes box of ``axes_w_cm`` by a height between 6 and 18 cm;
    returns (xlim, ylim, height in cm)."""
    k = math.cos(math.radians(lat0))
    lon_lo, lon_hi = float(pts["lon"].min()), float(pts["lon"].max())
    lat_lo, lat_hi = float(pts["lat"].min()), float(pts["lat"].max())
    least = 0.12  # degrees (about 13 km): a map never zooms closer than that
    dx, dy = max((lon_hi - lon_lo) * k * 1.16, least), max((lat_hi - lat_lo) * 1.3, least * 0.6)
    lat_hi += 0.12 * (lat_hi - lat_lo)  # room above the top units for their district's name
    h = min(max(axes_w_cm * dy / dx, min(6.0, 0.6 * axes_w_cm)), 18.0)
    if dy / dx < h / axes_w_cm:
        dy = dx * h / axes_w_cm
    else:
        dx = dy * axes_w_cm / h
    cx, cy = (lon_lo + lon_hi) / 2, (lat_lo + lat_hi) / 2
    return (cx - dx / k / 2, cx + dx / k / 2), (cy - dy / 2, cy + dy / 2), h


def _locality_labels(ax, pts: pd.DataFrame, lang: str) -> None:
    """District names just above their units (below them near the top edge; province-wide units
    left out), with a white halo, drawn only inside the map."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    local = pts[pts["locality"].astype(str) != "province"]
    for loc, grp in sorted(local.groupby(local["locality"].astype(str)), key=lambda kv: kv[0]):
        x = float(grp["lon"].median())
        above = float(grp["lat"].quantile(0.9))
        below = above > y1 - 0.05 * (y1 - y0)
        y = float(grp["lat"].quantile(0.1)) if below else above
        if not (x0 < x < x1 and y0 < y < y1):
            continue
        ax.annotate(fmt.locality(loc, lang), (x, y), xytext=(0, -5 if below else 5), textcoords="offset points",
                    fontsize=SMALL_PT, color="#333333", ha="center", va="top" if below else "bottom", zorder=6,
                    fontstyle="italic", annotation_clip=True, clip_on=True,
                    path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")])


def _scale_bar(ax, lat0: float) -> None:
    """A scale bar of 1, 2 or 5 × 10^n km, about a fifth of the map's width, lower right."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km_per_deg = 111.32 * math.cos(math.radians(lat0))
    width_km = (x1 - x0) * km_per_deg
    raw = width_km / 5
    step = 10 ** math.floor(math.log10(raw))
    km = max(m * step for m in (1, 2, 5) if m * step <= raw) if raw >= step else step
    deg = km / km_per_deg
    x = x1 - (x1 - x0) * 0.04 - deg
    y = y0 + (y1 - y0) * 0.05
    ax.plot([x, x + deg], [y, y], color="#000000", lw=1.5, solid_capstyle="butt", zorder=6)
    ax.text(x + deg / 2, y + (y1 - y0) * 0.015, f"{fmt.number(km, decimals=0 if km >= 1 else 1)} km", ha="center", va="bottom", fontsize=SMALL_PT, zorder=6)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _map_legend(colours: dict, lang: str) -> list:
    out = [
        Line2D([], [], ls="", marker="o", ms=3, color="#BDBDBD", label=text("map_other", lang)),
        Line2D([], [], ls="", marker="o", ms=5, mfc="#7F7F7F", mec="white", label=text("map_into", lang)),
        Line2D([], [], ls="-", marker="o", ms=4, mfc="white", mec="#7F7F7F", color="#7F7F7F", lw=0.7,
               label=text("map_moved", lang)),
    ]
    named = [(s, c) for s, c in colours.items() if c != colours.get(OTHER) or s == OTHER]
    named = [(s, c) for s, c in named if s != OTHER] + ([(OTHER, colours[OTHER])] if OTHER in colours else [])
    other = _("Other sectors", fmt.check_lang(lang))
    out += [Line2D([], [], ls="", marker="s", ms=5, color=c, label=other if s == OTHER else fmt.sector(s, lang))
            for s, c in named]
    return out


def frontier_chart(front: pd.DataFrame, sol=None, *, required: int | None = None, lang: str | None = None,
                   width: str | float = "full", title: bool = True, source: str | None = None) -> Figure:
    """The frontier curve: minimum cost of reaching each reduction (against the first target's
    baseline), from :func:`~orgmodel.optimise.frontier`, with the required reduction marked and,
    given the solved scenario ``sol``, its plan as a point."""
    lang = fmt.check_lang(lang)
    red = front["reduction"].astype(float)
    pct = frontier_column(front, "reduction_pct").astype(float)
    cost = frontier_column(front, "min_cost").astype(float)
    ok = cost.notna() & (front["status"].astype(str) != "infeasible") if "status" in front.columns else cost.notna()
    scale = float((pct[red > 0] / red[red > 0]).median()) if (red > 0).any() else float("nan")
    target = (sol.summary.get("targets") or [{}])[0] if sol is not None else {}
    base_count = target.get("baseline")
    if base_count:
        scale = 100.0 / base_count
    if required is None and target:
        required = target.get("required_reduction")
    name = plan_title(sol.scenario, lang) if sol is not None else ""
    base_date = sol.scenario.targets[0].baseline if sol is not None else None
    with figure_style():
        fig = new_figure(width, 7.5 if width_cm(width) >= 12 else 7.0)
        ax = fig.add_subplot()
        ax.plot(red[ok], cost[ok], "-o", color=AFTER, ms=3, lw=1.4, zorder=3)
        top = float(red[ok].max()) if ok.any() else float(required or 1)
        right = required is not None and required < 0.5 * top  # write on the side with more room
        side = dict(xytext=(5, 0), ha="left") if right else dict(xytext=(-5, 0), ha="right")
        if required is not None:
            ax.axvline(required, color=TARGET, ls="--", lw=1.0, zorder=2)
            ax.annotate(text("frontier_target", lang, n=fmt.number(required, lang), pct=fmt.pct(required * scale, lang)),
                        (required, 0.97), xycoords=("data", "axes fraction"), textcoords="offset points",
                        va="top", fontsize=SMALL_PT, color=TARGET, **side)
        if sol is not None and sol.status in ("optimal", "feasible") and target:
            x, y = target.get("achieved_reduction"), sol.summary.get("objective")
            ax.plot([x], [y], "o", ms=9, mfc="none", mec=TARGET, mew=1.3, zorder=4)
            ax.annotate(text("frontier_chosen", lang) + f": {fmt.number(y, lang)}", (x, 0.80), xycoords=("data", "axes fraction"),
                        textcoords="offset points", va="top", fontsize=SMALL_PT, color=TARGET, **side)
        if ok.any():
            top = int(top)
            ax.annotate(text("frontier_max", lang, n=fmt.number(top, lang)), (top, float(cost[ok].max())),
                        xytext=(-6, 0), textcoords="offset points", ha="right", va="center", fontsize=SMALL_PT, color=MUTED)
        ax.set(xlabel=text("frontier_x", lang, base=fmt.date(base_date, lang) if base_date else "baseline"),
               ylabel=text("frontier_y", lang))
        number_axis(ax.xaxis, lang)
        number_axis(ax.yaxis, lang)
        ax.xaxis.set_major_locator(MaxNLocator(8, integer=True))
        if scale == scale:
            sec = ax.secondary_xaxis("top", functions=(lambda v: v * scale, lambda v: v / scale))
            sec.set_xlabel(text("frontier_pct", lang), fontsize=SMALL_PT)
            sec.tick_params(labelsize=SMALL_PT)
            pct_axis(sec.xaxis, lang)
        ax.set_ylim(bottom=0)
        ax.set_xlim(left=min(0, float(red.min())) if len(red) else 0)
        src = source or (scenario_source(sol, lang) if sol is not None else "orgmodel")
        return finish(fig, text("frontier", lang, name=name) if title else None, src, lang)


# ---------------------------------------------------------------- notebook display


def _png_for_display(fig: Figure):
    """PNG of a figure for a notebook: rendered at 200 dpi, shown at its print size (96 px per
    inch in the browser), exactly as laid out on disk (no cropping)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200)
    w, h = fig.get_size_inches()
    return buf.getvalue(), {"width": round(w * 96), "height": round(h * 96)}


def ipython_formatters(shell=None):
    """IPython's display formatters of ``shell`` (default: the running one); None outside IPython
    (where IPython is not even imported: a command or a drawing worker never needs it)."""
    if shell is None and "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = shell or get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return None
    return shell.display_formatter.formatters


def register_notebook_display(shell=None) -> bool:
    """Show returned figures in Jupyter (they are plain ``Figure`` objects, which IPython shows
    only once a pyplot backend is loaded). Called when this module is imported in IPython; it
    changes IPython's display formatters only, no matplotlib setting. Returns True if registered."""
    formatters = ipython_formatters(shell)
    if formatters is None:
        return False
    formatters["image/png"].for_type(Figure, _png_for_display)
    return True


register_notebook_display()
