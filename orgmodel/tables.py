"""Plain-text tables for the terminal (what a planner reads before pasting figures); numbers in
the language in force, through Babel (:func:`orgmodel.fmt.number`)."""

from __future__ import annotations

import pandas as pd

from . import fmt
from .i18n import _


def render_table(df: pd.DataFrame, title: str | None = None, max_rows: int = 60) -> str:
    """Render a DataFrame as an aligned text table under an optional title."""
    if df.empty:
        body = _("(no rows)")
    else:
        shown = df if len(df) <= max_rows else df.head(max_rows)
        body = shown.to_string(index=False, float_format=lambda v: fmt.number(v, decimals=2), na_rep="")
        if len(df) > max_rows:
            body += "\n" + _("… {n} more rows (use --format csv for all)", n=len(df) - max_rows)
    return f"{title}\n{body}" if title else body
