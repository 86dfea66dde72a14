"""Dates as the registry uses them: ISO ``YYYY-MM-DD`` strings in files, ``datetime.date`` in the
API, and whole day numbers (days since 1970-01-01) inside the timeline for vectorised look-ups."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from .errors import InputError
from .i18n import N_, _

NEVER = np.iinfo(np.int64).max  # a unit that never closes
ALWAYS = np.iinfo(np.int64).min  # a unit that exists from the registry's start

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T]00:00(:00)?(\.0+)?$")
_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")

#: What parse_date's callers name the date they parse (catalogue msgids, translated in its message).
DATE_NAMES = (N_("date"), N_("as-of date"), N_("baseline"), N_("target baseline"), N_("from date"), N_("to date"),
              N_("start in registry.yaml"))


def parse_date_cell(text: str) -> tuple[dt.date | None, str | None]:
    """Read a date cell: returns (date, warning), or (None, reason) when it is not a date.

    ``YYYY-MM-DD`` is the contract. Two spellings whose meaning is certain are read with a
    warning: ``YYYY-MM-DD 00:00:00`` (a date cell saved from Excel) and ``DD/MM/YYYY`` (the
    Vietnamese convention) when the day is over 12 or equals the month, so that day and month
    cannot be swapped. ``01/02/2020`` is refused as ambiguous.
    """
    text = text.strip()
    m = _ISO.match(text)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3])), None
    m = _ISO_TIME.match(text)
    if m:
        d = _make(int(m[1]), int(m[2]), int(m[3]))
        return (d, _("date {text} read as {iso}; write it as {iso}", text=repr(text), iso=d.isoformat())) if d else (None, None)
    m = _DMY.match(text)
    if m:
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        d = _make(year, month, day)
        if d is not None and (day > 12 or day == month):
            return d, _("date {text} read as {iso} (day/month/year); write it as {iso}", text=repr(text), iso=d.isoformat())
        if d is not None:
            return None, _("ambiguous: day/month or month/day? Write {iso} (or {other}) in YYYY-MM-DD",
                           iso=d.isoformat(), other=str(_make(year, day, month)))
    return None, None


def _make(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_date(value: str | dt.date | dt.datetime, what: str = "date") -> dt.date:
    """Parse a date given by a user (CLI option, scenario key, API argument); ``what`` names it
    (a catalogue msgid, marked ``N_()`` where it is written: it is translated in the message)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date") and callable(value.date):  # pandas Timestamp
        return value.date()
    m = _ISO.match(str(value).strip())
    d = _make(int(m[1]), int(m[2]), int(m[3])) if m else None
    if d is None:
        raise InputError(_("Bad {what} {value}: write it as YYYY-MM-DD, e.g. 2021-12-31.", what=_(what), value=repr(value)))
    return d


def day_number(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def from_day_number(n: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(n))
