"""Notebook display helpers: proposal sentences as Markdown, figures as SVG.

``use_svg()`` makes JupyterLab show every returned ``Figure`` as SVG (texts stay text, sharp at any
zoom, copyable into Word) instead of PNG; ``markdown(lines)`` renders sentences as Markdown
paragraphs rather than monospace stdout; ``svg(fig)`` is one figure as an SVG display object.
Nothing here changes a matplotlib setting outside the call.
"""

from __future__ import annotations

import io
from typing import Iterable

from matplotlib.figure import Figure

from . import fmt


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG (text kept as text, no timestamp: the same figure gives the same bytes)."""
    import matplotlib as mpl

    buf = io.BytesIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "orgmodel"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def svg(fig: Figure):
    """One figure as an ``IPython.display.SVG`` object."""
    from IPython.display import SVG

    return SVG(svg_bytes(fig))


def markdown(lines: str | Iterable[str]):
    """Sentences as Markdown paragraphs (``IPython.display.Markdown``), NFC-normalised."""
    from IPython.display import Markdown

    text = lines if isinstance(lines, str) else "\n\n".join(lines)
    return Markdown(fmt.nfc(text))


def use_svg(shell=None) -> bool:
    """Show returned figures as SVG in this IPython session (and no longer as PNG).
    Returns True when registered (False outside IPython)."""
    from .outputs.figures import ipython_formatters

    formatters = ipython_formatters(shell)
    if formatters is None:
        return False
    formatters["image/png"].pop(Figure, None)
    formatters["image/svg+xml"].for_type(Figure, lambda fig: svg_bytes(fig).decode("utf-8"))
    return True
