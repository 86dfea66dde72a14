"""Everything a person reads, split by job (one direction: views and answers in, files out).

* :mod:`.texts`   — sentences, headers and titles: one message catalogue (:mod:`orgmodel.i18n`)
* :mod:`.tables`  — :class:`~.tables.Table` builders (numbers stay numbers)
* :mod:`.figures` — matplotlib/seaborn figures (PNG + editable SVG)
* :mod:`.xlsx`    — the Excel workbook (cover sheet, A4 print setup, no formula injection)
* :mod:`.docx`    — the Word annex (vi-VN, Decree 30/2020 layout, SEQ-numbered captions)
* :mod:`.report`  — assembles computed results into a folder; it never solves
"""
