"""One message catalogue for everything a person reads (gettext catalogues managed with Babel).

Vietnamese is the default; English with ``--lang en`` or ``ORGMODEL_LANG=en``. Message ids are
English source strings with ``{name}`` placeholders; the Vietnamese catalogue
(``orgmodel/locale/vi/LC_MESSAGES/orgmodel.po``) translates them. The ``.po`` files are read
directly with Babel, so no compiled ``.mo`` file is needed.

Adding a message (see docs/i18n.md): write ``_("English text with {placeholder}", value=...)``
(or a row of ``orgmodel/data/labels.csv`` for a label shown from a table), run ``make i18n`` (pybabel extract + update), fill its
``msgstr`` in the Vietnamese catalogue. ``tests/test_i18n.py`` fails while any message in
orgmodel/ lacks a Vietnamese translation, and names the file and line of each.

>>> from orgmodel.i18n import _, set_lang
>>> _("Unknown unit {unit}", unit="QN-X")     # Vietnamese unless the language is English
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "orgmodel"

_current: str | None = None


def check_lang(lang: str) -> str:
    """``lang`` if it is one orgmodel speaks; a clear error otherwise."""
    from .errors import InputError

    value = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    if value not in LANGS:
        raise InputError(f"Unknown language {lang!r}: use vi (tiếng Việt) or en (English).")
    return value


def get_lang() -> str:
    """The language in force: set_lang(), else ORGMODEL_LANG, else Vietnamese."""
    if _current is not None:
        return _current
    env = os.environ.get("ORGMODEL_LANG", "").strip()
    if env:
        try:
            return check_lang(env)
        except Exception:
            return DEFAULT_LANG
    return DEFAULT_LANG


def set_lang(lang: str | None) -> str:
    """Set the language for this process (None: back to ORGMODEL_LANG / the default)."""
    global _current
    _current = None if lang is None else check_lang(lang)
    return get_lang()


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> msgstr of one language's catalogue (empty translations left out)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang, domain=DOMAIN)
    out: dict[str, str] = {}
    for msg in cat:
        if msg.id and isinstance(msg.id, str) and msg.string and not msg.fuzzy:
            out[msg.id] = msg.string
    return out


def gettext(message: str, lang: str | None = None, **values) -> str:
    """``message`` in the language in force (or ``lang``), with ``{name}`` placeholders filled."""
    text = catalogue(lang or get_lang()).get(message, message)
    return text.format(**values) if values else text


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (tables of labels, whose
    entries are translated where they are shown with ``_(TABLE[key])``)."""
    return message


#: The tables of labels (column headers, titles, sheet names, kinds, sectors, events ...): one
#: data file of ``table,key,msgid`` rows, read once; its msgids reach the catalogue through
#: :func:`extract_labels`.
LABELS_FILE = Path(__file__).with_name("data") / "labels.csv"


@lru_cache(maxsize=None)
def _label_rows() -> tuple[tuple[str, str, str], ...]:
    import csv

    with LABELS_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or rows[0] != ["table", "key", "msgid"]:
        raise RuntimeError(f"{LABELS_FILE}: the first row must be table,key,msgid")
    return tuple((r[0], r[1], r[2]) for r in rows[1:] if r)


def labels(table: str) -> dict[str, str]:
    """One table of labels, key -> msgid (English; translate where shown with ``_(msgid)``), in
    the file's order. An unknown table name is a programming error."""
    out = {key: msgid for name, key, msgid in _label_rows() if name == table}
    if not out:
        raise KeyError(f"no label table {table!r} in {LABELS_FILE.name}")
    return out


def extract_labels(fileobj, keywords, comment_tags, options):
    """Babel extraction method for orgmodel/data/labels.csv (babel.cfg): each row's msgid, with
    its line number."""
    import csv
    import io

    text = io.TextIOWrapper(fileobj, encoding="utf-8", newline="")
    for lineno, row in enumerate(csv.reader(text), start=1):
        if lineno > 1 and len(row) == 3 and row[2]:
            yield lineno, None, row[2], []


#: Babel method map: cli.py also yields its command-line help texts (orgmodel.cli.extract_cli);
#: the labels file yields its msgids (extract_labels).
METHOD_MAP = [("cli.py", "orgmodel.cli:extract_cli"), ("data/labels.csv", "orgmodel.i18n:extract_labels"),
              ("**.py", "python")]


def extracted_messages(root: Path | None = None) -> list[tuple[str, str, int]]:
    """Every message marked with ``_()`` or ``N_()`` in the package, and every help text of the
    command line, as (msgid, file, line), by Babel's own extractor (what ``make i18n`` puts in the
    .pot file)."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    root = root or Path(__file__).parent
    keywords = dict(DEFAULT_KEYWORDS, N_=None)
    out = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(root), method_map=METHOD_MAP, keywords=keywords):
        if isinstance(message, str) and message:
            out.append((message, filename, lineno))
    return sorted(out)


def missing_translations(lang: str = "vi", root: Path | None = None) -> list[tuple[str, str, int]]:
    """The extracted messages that the ``lang`` catalogue does not translate (or marks fuzzy)."""
    known = catalogue(lang)
    return [m for m in extracted_messages(root) if m[0] not in known]


if __name__ == "__main__":  # python -m orgmodel.i18n missing
    import sys

    gaps = missing_translations("vi")
    for msgid, filename, line in gaps:
        print(f"orgmodel/{filename}:{line}: no Vietnamese translation for {msgid!r}", file=sys.stderr)
    print(f"{len(gaps)} message(s) without a Vietnamese translation", file=sys.stderr)
    sys.exit(1 if gaps else 0)
