"""The Excel workbook: a cover sheet, then one sheet per table, each ready to print on A4.

Every table sheet has a title row, a header row with units, numbers stored as numbers with a
number format (Vietnamese Excel shows ``1.261`` and ``18,0`` by itself), frozen panes, a filter,
and an A4 page setup (landscape when wide, fit to one page wide, title and header rows repeated
on every printed page). Text is never stored as a formula: a value that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is written as a text cell (OWASP "CSV injection").
"""

from __future__ import annotations

import io
from typing import Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from .. import fmt
from ..files import FORMULA_START
from ..i18n import gettext as _
from .tables import Table, is_number
from .docx import LANG_TAGS
from .texts import sheet

TITLE_ROW, HEADER_ROW = 1, 2
LANDSCAPE_CHARS = 110  # wider than this (sum of column widths): print landscape


def write_workbook(tables: list[Table], lang: str | None = None, cover: Sequence[tuple[str, object]] | None = None,
                   title: str | None = None) -> bytes:
    """An .xlsx: a cover sheet (``cover``: (label, value) rows under ``title``) when given, then
    one sheet per table. Returns the file's bytes (reproducible: no timestamps). Rows are
    streamed (openpyxl's write-only mode: half the time of building every cell first)."""
    lang = fmt.check_lang(lang)
    wb = Workbook(write_only=True)
    if cover is not None:
        _cover_sheet(wb, title or (tables[0].title if tables else ""), cover, lang)
    for t in tables:
        _table_sheet(wb, t, lang)
    if not wb.worksheets:  # a workbook needs a sheet
        wb.create_sheet(sheet("cover", lang))
    wb.properties.title = fmt.nfc(title or (tables[0].title if tables else ""))
    wb.properties.creator = "orgmodel"
    wb.properties.language = LANG_TAGS[lang]
    import datetime as dt

    wb.properties.created = wb.properties.modified = dt.datetime(2000, 1, 1)  # reproducible bytes
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def text_cell(cell, value) -> None:
    """Store ``value`` in ``cell``; text that a spreadsheet would run as a formula stays text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def _styled(ws, value, **style) -> WriteOnlyCell:
    """A streamed cell holding ``value`` (kept as text when it looks like a formula), with ``style``."""
    cell = WriteOnlyCell(ws)
    text_cell(cell, value)
    for k, v in style.items():
        setattr(cell, k, v)
    return cell


def _cover_sheet(wb: Workbook, title: str, rows: Sequence[tuple[str, object]], lang: str) -> None:
    ws = wb.create_sheet(sheet("cover", lang))
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 90
    _print_setup(ws, landscape=False, title_rows=None)
    ws.append([_styled(ws, fmt.nfc(title), font=Font(bold=True, size=14))])
    ws.append([])
    top = Alignment(vertical="top", wrap_text=True)
    for label, value in rows:
        ws.append([_styled(ws, fmt.nfc(label), font=Font(bold=True), alignment=top), _styled(ws, _cell(value), alignment=top)])


def _table_sheet(wb: Workbook, t: Table, lang: str) -> None:
    ws = wb.create_sheet(sheet(t.key, lang))
    frame = t.frame
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    thin = Border(bottom=Side(style="thin", color="7F7F7F"))
    wrap = Alignment(wrap_text=True, vertical="top")
    widths = [_width(str(col), frame[col]) for col in frame.columns]
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = f"{get_column_letter(2 if len(frame.columns) > 3 else 1)}{HEADER_ROW + 1}"
    if len(frame):
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(frame.columns))}{HEADER_ROW + len(frame)}"
    ws.row_dimensions[HEADER_ROW].height = 15 * max(1, max(len(str(c)) // 22 + 1 for c in frame.columns))
    _print_setup(ws, landscape=sum(widths) > LANDSCAPE_CHARS, title_rows=f"{TITLE_ROW}:{HEADER_ROW}")
    ws.append([_styled(ws, fmt.nfc(t.title), font=Font(bold=True, size=13))])
    ws.append([_styled(ws, fmt.nfc(col), font=bold, fill=fill, border=thin, alignment=wrap) for col in frame.columns])
    formats = [t.formats.get(col) for col in frame.columns]
    for row in frame.itertuples(index=False):
        out = []
        for v, number_format in zip(row, formats):
            v = _cell(v)
            if isinstance(v, str) and v.startswith(FORMULA_START):
                out.append(_styled(ws, v))
            elif number_format and is_number(v):
                out.append(_styled(ws, v, number_format=number_format))
            else:
                out.append(v)  # a plain value: streamed as is
        ws.append(out)


def _print_setup(ws, *, landscape: bool, title_rows: str | None) -> None:
    """A4, fit to one page wide (as many pages tall as needed), margins of an annex, the title
    and header rows repeated on every page, page numbers in the footer."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left, ws.page_margins.right = 0.79, 0.59  # inches: 20 mm, 15 mm
    ws.page_margins.top, ws.page_margins.bottom = 0.79, 0.79
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = _("Page &P of &N")


def _cell(v):
    """A Python value openpyxl writes as a number, a date or text (never a number as text)."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, str):
        return fmt.nfc(v)
    if isinstance(v, (int, float, bool)):
        return v
    return fmt.nfc(v)


def _width(header: str, values: pd.Series) -> float:
    longest = max([len(str(v)) for v in values.head(500)] + [0])
    head = min(len(header), 22)
    return float(min(max(longest, head, 6) + 2, 60))
