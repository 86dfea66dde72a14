"""Numbers, dates and labels as a Vietnamese (or English) proposal writes them, through Babel.

Vietnamese administrative texts write ``1.261`` (dot between thousands), ``18,0%`` (comma
decimal) and ``31/12/2021`` (day/month/year): Babel's ``vi_VN`` locale with the patterns below.
English texts write ``1,261``, ``18.0%`` and ``2021-12-31`` (ISO, unambiguous everywhere). No
separator or date is formatted by hand here: the locale data is Babel's (CLDR).

Labels (kinds, sectors, events, fates) are English message ids translated by the one message
catalogue (:mod:`orgmodel.i18n`). Every text goes through :func:`nfc`, so combining accents never
split a Vietnamese letter in two.

>>> number(1261, "vi"), number(1261, "en"), pct(-18.0, "vi", sign=True), date("2021-12-31", "vi")
('1.261', '1,261', '-18,0%', '31/12/2021')
"""

from __future__ import annotations

import functools
import math
import unicodedata
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from .dates import parse_date
from .i18n import LANGS, get_lang, labels
from .i18n import gettext as _

#: Babel locale and date pattern per language.
LOCALES = {"vi": "vi_VN", "en": "en_GB"}
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "yyyy-MM-dd"}


def check_lang(lang: str | None = None) -> str:
    """``lang`` when it is ``"vi"`` or ``"en"`` (None: the language in force); else ``ValueError``."""
    if lang is None:
        return get_lang()
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}")
    return lang


def nfc(text) -> str:
    """``text`` as a string in Unicode NFC (composed) form; ``None`` becomes ``""``."""
    return "" if text is None else unicodedata.normalize("NFC", str(text))


def _pattern(decimals: int, group: bool, sign: bool, suffix: str = "") -> str:
    body = ("#,##0" if group else "0") + ("." + "0" * decimals if decimals > 0 else "") + suffix
    return f"+{body};-{body}" if sign else body


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _rounded(value, decimals: int) -> Decimal:
    """``value`` as a Decimal rounded to ``decimals`` (so that -0.01 shows as 0, never -0)."""
    d = round(Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value), decimals)
    return d.copy_abs() if d == 0 else d


def number(value, lang: str | None = None, decimals: int = 0, sign: bool = False, group: bool = True) -> str:
    """A number with the thousands and decimal separators of ``lang`` (Babel).

    ``sign=True`` writes ``+`` before positive numbers (``-`` is always written); ``group=False``
    leaves out the thousands separator (years, codes). NaN and None become an empty string.
    """
    lang = check_lang(lang)
    if _missing(value):
        return ""
    d = _rounded(value, decimals)
    return _decimal_text(d, decimals, group, sign and d != 0, lang)


@functools.lru_cache(maxsize=1 << 16)
def _decimal_text(d: Decimal, decimals: int, group: bool, sign: bool, lang: str) -> str:
    """Babel's text of a rounded number, kept: a national plan writes the same staff counts and
    distances thousands of times."""
    return format_decimal(d, format=_pattern(decimals, group, sign), locale=LOCALES[lang])


def pct(value, lang: str | None = None, decimals: int = 1, sign: bool = False) -> str:
    """A percentage of ``value`` per cent: ``18,0%`` (vi) or ``18.0%`` (en); ``sign=True`` adds ``+``."""
    lang = check_lang(lang)
    if _missing(value):
        return ""
    d = _rounded(value, decimals)
    return format_percent(d / 100, format=_pattern(decimals, True, sign and d != 0, "%"), locale=LOCALES[lang])


def change(value, lang: str | None = None) -> str:
    """A signed change in units: ``-227`` or ``+5`` (``0`` stays ``0``)."""
    return number(value, lang, 0, sign=True)


def date(value, lang: str | None = None) -> str:
    """A date: ``31/12/2021`` (vi) or ``2021-12-31`` (en)."""
    lang = check_lang(lang)
    return format_date(parse_date(value), DATE_PATTERNS[lang], locale=LOCALES[lang])


def year_end(value) -> bool:
    """True when the date is a 31 December (a year-end figure, named by its year in texts)."""
    d = parse_date(value)
    return d.month == 12 and d.day == 31


def since(value, lang: str | None = None) -> str:
    """How a text names a baseline: ``năm 2015`` for 31/12/2015, else ``ngày 01/07/2015``."""
    lang = check_lang(lang)
    d = parse_date(value)
    if year_end(d):
        return _("year {year}", lang, year=number(d.year, lang, group=False))
    return _("day {date}", lang, date=date(d, lang))


# ---------------------------------------------------------------- labels (msgids in orgmodel/data/labels.csv; the catalogue translates)

KIND = labels("kind")
KIND_SHORT = labels("kind_short")
#: How a sentence names a kind in the plural.
KIND_TEXT = labels("kind_text")
SECTOR = labels("sector")
LOCALITY = labels("locality")
EVENT = labels("event")
FATE = labels("fate")


def kind(value: str, lang: str | None = None, short: bool = False) -> str:
    """The name of a kind (``agency``, ``psu``, ``all``) in ``lang``."""
    table = KIND_SHORT if short else KIND
    return nfc(_(table[value], check_lang(lang))) if value in table else nfc(value)


def kind_text(value: str, lang: str | None = None) -> str:
    """How a sentence names a kind: ``đơn vị sự nghiệp công lập`` / ``public service units``."""
    return nfc(_(KIND_TEXT[value], check_lang(lang))) if value in KIND_TEXT else nfc(value)


def sector(value: str, lang: str | None = None) -> str:
    """A sector code as a label: ``health`` -> ``Y tế``; unknown codes are capitalised as given."""
    value = nfc(value)
    if value in SECTOR:
        return nfc(_(SECTOR[value], check_lang(lang)))
    text = value.replace("-", " ").replace("_", " ")
    return text[:1].upper() + text[1:]


def locality(value: str, lang: str | None = None) -> str:
    """A locality as a label (``province`` -> ``Cấp tỉnh``); place names are kept as written."""
    value = nfc(value)
    return nfc(_(LOCALITY[value], check_lang(lang))) if value in LOCALITY else value


def event(value: str, lang: str | None = None) -> str:
    """An event type as a label (``merge`` -> ``Sáp nhập``)."""
    return nfc(_(EVENT[value], check_lang(lang))) if value in EVENT else nfc(value)


def fate(value: str, lang: str | None = None) -> str:
    """A crosswalk fate as a label (``merged into`` -> ``sáp nhập vào``)."""
    return nfc(_(FATE[value], check_lang(lang))) if value in FATE else nfc(value)


LEVEL = labels("level")


def level(value: str, lang: str | None = None) -> str:
    """A level as a word of the language (``district`` -> ``cấp huyện``)."""
    return nfc(_(LEVEL[value], check_lang(lang))) if value in LEVEL else nfc(value)


def label(column: str, value: str, lang: str | None = None) -> str:
    """A unit attribute value as a label, by column (sector, locality, kind, level; others unchanged)."""
    if column == "sector":
        return sector(value, lang)
    if column == "locality":
        return locality(value, lang)
    if column == "kind":
        return kind(value, lang)
    if column == "level":
        return level(value, lang)
    return nfc(value)
