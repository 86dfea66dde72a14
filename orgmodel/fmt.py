"""Numbers, dates and labels as a Vietnamese (or English) proposal writes them.

Vietnamese administrative texts write ``1.261`` (dot between thousands), ``18,0%`` (comma
decimal) and ``31/12/2021`` (day/month/year); English texts write ``1,261``, ``18.0%`` and
``2021-12-31``. Every text that orgmodel puts in a figure, a table header or a generated sentence
goes through :func:`nfc`, so combining accents never split a Vietnamese letter in two.

>>> number(1261, "vi"), number(1261, "en"), pct(-18.0, "vi", sign=True), date("2021-12-31", "vi")
('1.261', '1,261', '-18,0%', '31/12/2021')
"""

from __future__ import annotations

import math
import unicodedata

from .dates import parse_date

LANGS = ("vi", "en")


def check_lang(lang: str) -> str:
    """Return ``lang`` when it is ``"vi"`` or ``"en"``; otherwise raise a clear ``ValueError``."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}")
    return lang


def nfc(text) -> str:
    """``text`` as a string in Unicode NFC (composed) form; ``None`` becomes ``""``."""
    return "" if text is None else unicodedata.normalize("NFC", str(text))


def number(value, lang: str = "vi", decimals: int = 0, sign: bool = False, group: bool = True) -> str:
    """A number with the thousands and decimal separators of ``lang``.

    ``sign=True`` writes ``+`` before positive numbers (``-`` is always written); ``group=False``
    leaves out the thousands separator (years, codes). NaN and None become an empty string.
    """
    check_lang(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{abs(value):{',' if group else ''}.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    negative = value < 0 and text.strip("0.,") != ""
    prefix = "-" if negative else ("+" if sign and value > 0 and text.strip("0.,") else "")
    return prefix + text


def pct(value, lang: str = "vi", decimals: int = 1, sign: bool = False) -> str:
    """A percentage: ``18,0%`` (vi) or ``18.0%`` (en); ``sign=True`` adds ``+`` to gains."""
    text = number(value, lang, decimals, sign)
    return text + "%" if text else ""


def change(value, lang: str = "vi") -> str:
    """A signed change in units: ``-227`` or ``+5`` (``0`` stays ``0``)."""
    return number(value, lang, 0, sign=True)


def date(value, lang: str = "vi") -> str:
    """A date: ``31/12/2021`` (vi) or ``2021-12-31`` (en, unambiguous everywhere)."""
    check_lang(lang)
    d = parse_date(value)
    return f"{d.day:02d}/{d.month:02d}/{d.year}" if lang == "vi" else d.isoformat()


def year_end(value) -> bool:
    """True when the date is a 31 December (a year-end figure, named by its year in texts)."""
    d = parse_date(value)
    return d.month == 12 and d.day == 31


def since(value, lang: str = "vi") -> str:
    """How a text names a baseline: ``năm 2015`` for 31/12/2015, else ``ngày 01/07/2015``."""
    d = parse_date(value)
    if year_end(d):
        return f"năm {d.year}" if lang == "vi" else str(d.year)
    return f"ngày {date(d, lang)}" if lang == "vi" else date(d, lang)


# ---------------------------------------------------------------- labels

KIND = {
    "vi": {"agency": "Cơ quan, tổ chức hành chính", "psu": "Đơn vị sự nghiệp công lập", "all": "Tổng số đầu mối",
           "government": "Ủy ban nhân dân"},
    "en": {"agency": "Administrative agencies", "psu": "Public service units", "all": "All counted units",
           "government": "People's committees"},
}

KIND_SHORT = {
    "vi": {"agency": "Hành chính", "psu": "Sự nghiệp", "all": "Tổng số", "government": "UBND"},
    "en": {"agency": "Agencies", "psu": "PSUs", "all": "All", "government": "Governments"},
}

#: How a sentence names a kind in the plural (Vietnamese needs no plural mark).
KIND_TEXT = {
    "vi": {"agency": "cơ quan, tổ chức hành chính", "psu": "đơn vị sự nghiệp công lập", "all": "đầu mối"},
    "en": {"agency": "administrative agencies", "psu": "public service units", "all": "counted units"},
}

SECTOR = {
    "vi": {
        "education": "Giáo dục", "health": "Y tế", "agriculture": "Nông nghiệp", "culture": "Văn hóa",
        "home-affairs": "Nội vụ", "general": "Tổng hợp", "government": "Chính quyền",
        "finance": "Tài chính", "planning": "Kế hoạch, đầu tư", "planning-investment": "Kế hoạch, đầu tư",
        "justice": "Tư pháp", "labour": "Lao động", "labour-social": "Lao động, xã hội",
        "transport": "Giao thông", "construction": "Xây dựng", "industry-trade": "Công thương",
        "trade": "Công thương", "natural-resources": "Tài nguyên, môi trường", "environment": "Môi trường",
        "science": "Khoa học, công nghệ", "science-technology": "Khoa học, công nghệ",
        "information": "Thông tin, truyền thông", "communications": "Thông tin, truyền thông",
        "tourism": "Du lịch", "sport": "Thể thao", "ethnic-affairs": "Dân tộc", "inspection": "Thanh tra",
        "foreign-affairs": "Ngoại vụ", "office": "Văn phòng", "economic-zone": "Khu kinh tế",
        "investment": "Đầu tư", "economy": "Kinh tế", "broadcasting": "Phát thanh, truyền hình", "media": "Báo chí, truyền thông",
        "project-management": "Quản lý dự án", "vocational": "Giáo dục nghề nghiệp", "other": "Khác",
    },
    "en": {},
}

LOCALITY = {"vi": {"province": "Cấp tỉnh"}, "en": {"province": "Province-wide"}}

EVENT = {
    "vi": {"establish": "Thành lập", "merge": "Sáp nhập", "consolidate": "Hợp nhất", "split": "Chia",
           "separate": "Tách", "dissolve": "Giải thể", "transfer": "Chuyển trực thuộc", "opened": "Đầu mối mới"},
    "en": {"establish": "Established", "merge": "Merged", "consolidate": "Consolidated", "split": "Split",
           "separate": "Separated", "dissolve": "Dissolved", "transfer": "Transferred", "opened": "Opened"},
}

FATE = {
    "vi": {"unchanged": "giữ nguyên", "merged into": "sáp nhập vào", "part of": "một phần của", "dissolved": "giải thể"},
    "en": {"unchanged": "unchanged", "merged into": "merged into", "part of": "part of", "dissolved": "dissolved"},
}


def kind(value: str, lang: str = "vi", short: bool = False) -> str:
    """The name of a kind (``agency``, ``psu``, ``all``) in ``lang``."""
    table = (KIND_SHORT if short else KIND)[check_lang(lang)]
    return nfc(table.get(value, value))


def sector(value: str, lang: str = "vi") -> str:
    """A sector code as a label: ``health`` -> ``Y tế``; unknown codes are capitalised as given."""
    value = nfc(value)
    label = SECTOR[check_lang(lang)].get(value)
    if label:
        return nfc(label)
    text = value.replace("-", " ").replace("_", " ")
    return text[:1].upper() + text[1:]


def locality(value: str, lang: str = "vi") -> str:
    """A locality as a label (``province`` -> ``Cấp tỉnh``); place names are kept as written."""
    value = nfc(value)
    return nfc(LOCALITY[check_lang(lang)].get(value, value))


def event(value: str, lang: str = "vi") -> str:
    """An event type as a label (``merge`` -> ``Sáp nhập``)."""
    return nfc(EVENT[check_lang(lang)].get(value, value))


def fate(value: str, lang: str = "vi") -> str:
    """A crosswalk fate as a label (``merged into`` -> ``sáp nhập vào``)."""
    return nfc(FATE[check_lang(lang)].get(value, value))


def label(column: str, value: str, lang: str = "vi") -> str:
    """A unit attribute value as a label, by column (sector, locality, kind; others unchanged)."""
    if column == "sector":
        return sector(value, lang)
    if column == "locality":
        return locality(value, lang)
    if column == "kind":
        return kind(value, lang)
    return nfc(value)
