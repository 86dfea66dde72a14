"""The Word annex (python-docx), laid out as Decree 30/2020/NĐ-CP asks of administrative documents:
A4, margins top and bottom 20 mm, left 30 mm, right 15 mm, Times New Roman 13 pt, the document's
language Vietnamese (``w:lang`` vi-VN on the default style, every style and every run, so Word
checks spelling in Vietnamese). Tables and figures are captioned "Bảng n." / "Hình n." with SEQ
fields, so Word can list them (Insert Table of Figures) and renumber them; table header rows repeat
on every page; column widths follow their content.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape as xml_escape
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

from .. import fmt
from ..files import atomic_write_bytes
from ..i18n import N_
from ..i18n import gettext as _
from .tables import Table, is_number

FONT = "Times New Roman"
BODY_PT, TITLE_PT, TABLE_PT, CAPTION_PT = 13, 14, 11, 12
#: Decree 30/2020 margins (cm): top 2-2.5, bottom 2-2.5, left 3-3.5, right 1.5-2.
MARGINS_CM = {"top": 2.0, "bottom": 2.0, "left": 3.0, "right": 1.5}
TEXT_WIDTH_CM = 21.0 - MARGINS_CM["left"] - MARGINS_CM["right"]
FIGURE_WIDTH_CM = 16.0
LANG_TAGS = {"vi": "vi-VN", "en": "en-GB"}
#: The SEQ identifiers (and caption words) of tables and figures.
CAPTION = {"table": N_("Table"), "figure": N_("Figure")}


@dataclass
class FigureRef:
    """A figure written into the report: its caption and the PNG to put in the annex, and what
    to wait for before reading it (``ready``: the report draws figures while the annex is written)."""

    caption: str
    png: Path
    svg: Path
    ready: Callable[[], None] | None = field(default=None, compare=False, repr=False)


def write_annex(path: Path, *, title: str, subtitle: str, sections: list[tuple[str, list]], lang: str | None = None) -> Path:
    """A Word annex: a title, then sections of paragraphs (str), tables (:class:`Table`) and
    figures (:class:`FigureRef`), captioned with SEQ fields."""
    lang = fmt.check_lang(lang)
    tag = LANG_TAGS[lang]
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    sec.left_margin, sec.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    _set_language_defaults(doc, tag)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    for st in doc.styles:
        if st.type == 1:  # paragraph styles: one font, one language
            st.font.name = FONT
            _fonts_and_lang(st.element.get_or_add_rPr(), tag)
    for name, size in (("Heading 1", BODY_PT + 1), ("Heading 2", BODY_PT), ("Caption", CAPTION_PT)):
        doc.styles[name].font.size = Pt(size)
        doc.styles[name].font.color.rgb = None
    doc.core_properties.title = fmt.nfc(title)
    doc.core_properties.author = "orgmodel"
    doc.core_properties.language = tag

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(fmt.nfc(title).upper())
    run.bold, run.font.size = True, Pt(TITLE_PT)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(fmt.nfc(subtitle)).italic = True

    n_fig = n_tab = 0
    for heading, items in sections:
        doc.add_heading(fmt.nfc(heading), level=1)
        for item in items:
            if isinstance(item, str):
                p = doc.add_paragraph(fmt.nfc(item))
                p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                p.paragraph_format.first_line_indent = Cm(1.0)
            elif isinstance(item, Table):
                n_tab += 1
                caption(doc, _(CAPTION["table"], lang), n_tab, item.title, keep_with_next=True)
                docx_table(doc, item)
            elif isinstance(item, FigureRef):
                n_fig += 1
                if item.ready is not None:
                    item.ready()
                doc.add_picture(str(item.png), width=Cm(FIGURE_WIDTH_CM))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the caption stays under its figure
                caption(doc, _(CAPTION["figure"], lang), n_fig, item.caption)
    for r in doc.element.body.iter(qn("w:r")):  # every run, in paragraphs, tables and fields
        rpr = r.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            r.insert(0, rpr)
        _fonts_and_lang(rpr, tag)
    buf = io.BytesIO()
    doc.save(buf)
    return atomic_write_bytes(path, buf.getvalue())


def _set_language_defaults(doc, tag: str) -> None:
    """``w:lang`` and fonts on the document defaults (styles.xml ``w:docDefaults``)."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    _fonts_and_lang(rpr, tag)


def _fonts_and_lang(rpr, tag: str) -> None:
    """Times New Roman for every script, and the language tag, on a ``w:rPr``."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), tag)


def caption(doc, label: str, number: int, text: str, keep_with_next: bool = False) -> None:
    """``Bảng 1. …``: the label, a SEQ field numbering it (cached result ``number``), the text."""
    p = doc.add_paragraph(style="Caption")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = keep_with_next  # a table's caption stays with its table
    _bold(p.add_run(f"{fmt.nfc(label)} "))
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), f" SEQ {fmt.nfc(label)} \\* ARABIC ")
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    rpr.append(OxmlElement("w:b"))
    r.append(rpr)
    t = OxmlElement("w:t")
    t.text = str(number)
    r.append(t)
    fld.append(r)
    p._p.append(fld)
    _bold(p.add_run(f". {fmt.nfc(text)}"))


def _bold(run) -> None:
    run.bold, run.italic, run.font.size = True, False, Pt(CAPTION_PT)


def column_widths_cm(table: Table, rows, total_cm: float = TEXT_WIDTH_CM) -> list[float]:
    """Widths that follow the content: each column gets room for its longest value (or the longest
    word of its header), shares of ``total_cm`` in proportion, at least 1.4 cm each."""
    need = []
    for j, col in enumerate(table.frame.columns):
        longest_value = max([len(table.text(col, r[j])) for r in rows] + [1])
        longest_word = max(len(w) for w in str(col).split()) if str(col).split() else 1
        need.append(max(min(longest_value, 40), longest_word, 3))
    total = float(sum(need))
    widths = [max(total_cm * n / total, 1.4) for n in need]
    scale = total_cm / sum(widths)
    return [w * scale for w in widths]


#: characters XML 1.0 cannot hold (C0 controls but tab, newline and carriage return)
_NOT_XML = dict.fromkeys([c for c in range(32) if c not in (9, 10, 13)] + [0xFFFE, 0xFFFF])


def _run_xml(text: str, bold: bool) -> str:
    """One ``w:r`` of table text at :data:`TABLE_PT` (a line break for each newline, a tab for each tab)."""
    parts = []
    for i, line in enumerate(fmt.nfc(text).translate(_NOT_XML).replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        if i:
            parts.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if chunk:
                parts.append(f'<w:t xml:space="preserve">{xml_escape(chunk)}</w:t>')
    rpr = ("<w:b/>" if bold else "") + f'<w:sz w:val="{2 * TABLE_PT}"/>'
    return f"<w:r><w:rPr>{rpr}</w:rPr>{''.join(parts)}</w:r>"


def _cell_xml(text: str, twips: int, align: str | None, bold: bool = False) -> str:
    ppr = f'<w:pPr><w:jc w:val="{align}"/></w:pPr>' if align else ""
    return f'<w:tc><w:tcPr><w:tcW w:w="{twips}" w:type="dxa"/></w:tcPr><w:p>{ppr}{_run_xml(text, bold)}</w:p></w:tc>'


def docx_table(doc, table: Table, max_rows: int = 60) -> None:
    """A Word table: header row repeated on each page, numbers right-aligned and formatted in the
    table's language, 11 pt, column widths fitted to the content. The table's XML is written in
    one piece (python-docx's cell by cell calls took most of the annex's time)."""
    frame = table.frame.head(max_rows)
    rows = list(frame.itertuples(index=False))
    twips = [int(round(Cm(w).twips)) for w in column_widths_cm(table, rows)]
    style = doc.styles["Table Grid"].style_id
    out = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{style}"/><w:tblW w:w="0" w:type="auto"/>'
           '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" '
           'w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
           "".join(f'<w:gridCol w:w="{w}"/>' for w in twips), "</w:tblGrid>",
           '<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>',
           "".join(_cell_xml(str(col), w, "center", bold=True) for col, w in zip(frame.columns, twips)), "</w:tr>"]
    for row in rows:
        out.append("<w:tr>")
        for col, v, w in zip(frame.columns, row, twips):
            out.append(_cell_xml(table.text(col, v), w, "right" if is_number(v) else None))
        out.append("</w:tr>")
    out.append("</w:tbl>")
    doc.element.body._insert_tbl(parse_xml("".join(out)))
    if len(table.frame) > max_rows:
        doc.add_paragraph(_("… {n} more rows in the Excel workbook.", table.lang,
                            n=fmt.number(len(table.frame) - max_rows, table.lang)))
