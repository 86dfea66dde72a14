"""Declarative table schemas for the registry files, checked lazily: every failure of every row is
collected as one row of a problems table (in the spirit of pandera's lazy validation).

A :class:`Column` says what a column holds; :func:`check_table` parses a table of raw strings
into typed columns and reports each bad cell with file, line, id, column and value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import fmt as F
from .dates import parse_date_cell
from .i18n import N_, _
from .vocab import COUNTED_KINDS, EVENT_TYPES, KINDS, LEVELS, SLUG, nfc  # noqa: F401  (re-exported: S.KINDS, S.nfc ...)

# How important a problem is: lower comes first in reports.
RANK_FILE = 0  # a file or column is missing: nothing else can be trusted
RANK_KEY = 1  # duplicate ids
RANK_VALUE = 2  # a bad value in a cell
RANK_REFERENCE = 3  # an id that units.csv does not define
RANK_EVENT = 4  # an event that breaks the life-of-a-unit rules
RANK_HIERARCHY = 5  # orphans, cycles, roots
RANK_WARNING = 9

PROBLEM_COLUMNS = ["severity", "rank", "file", "line", "id", "column", "value", "message"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"  # text | id | ids | enum | int | float | date | slug | code
    required: bool = True  # the column must be present
    nullable: bool = False  # an empty cell is allowed
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    hint: str = ""
    number_hint: str = N_("decimal degrees, e.g. 21.0064")  # float columns: how to write the number
    vocabulary: str = ""  # slug columns: the name of the vocabulary the value must be in
    fill: bool = True  # an absent optional column is added empty (False: left absent, version 1.1 columns)


@dataclass(frozen=True)
class Schema:
    file: str
    key: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._/-]{0,31}$")  # an official code: letters, digits, . _ / -

UNITS = Schema(
    "units.csv",
    "unit_id",
    (
        Column("unit_id", "id", hint=N_("give every unit a stable code without ';'")),
        Column("name", "text"),
        Column("kind", "enum", choices=KINDS),
        Column("level", "enum", choices=LEVELS),
        Column("sector", "text", hint=N_("e.g. education, health, agriculture")),
        Column("parent_id", "id", nullable=True),
        Column("locality", "text"),
        Column("staff", "int", min=0, hint=N_("a whole number of salaried positions, 0 or more")),
        Column("autonomy", "int", required=False, nullable=True, min=1, max=4, hint=N_("financial autonomy group 1-4 (Decree 60/2021), or empty")),
        Column("lat", "float", required=False, nullable=True, min=-90, max=90),
        Column("lon", "float", required=False, nullable=True, min=-180, max=180),
        # version 1.1
        Column("unit_type", "slug", required=False, nullable=True, fill=False, vocabulary="unit_types",
               hint=N_("a lower-case slug listed in the registry's unit_types.csv, e.g. thcs, xa, so")),
        Column("code", "code", required=False, nullable=True, fill=False,
               hint=N_("letters, digits, '.', '_', '/' or '-', at most 32; a territorial unit's statistics code is digits only")),
        Column("population", "int", required=False, nullable=True, fill=False, min=0, hint=N_("a whole number of residents, 0 or more, or empty")),
        Column("area_km2", "float", required=False, nullable=True, fill=False, min=0, number_hint=N_("square kilometres, e.g. 12.5"),
               hint=N_("square kilometres, 0 or more, or empty")),
        Column("heads", "int", required=False, nullable=True, fill=False, min=0, hint=N_("a whole number of head posts (cấp trưởng), or empty")),
        Column("deputies", "int", required=False, nullable=True, fill=False, min=0, hint=N_("a whole number of deputy posts (cấp phó), or empty")),
    ),
)
UNIT_COLUMNS = {c.name: c for c in UNITS.columns}

EVENTS = Schema(
    "events.csv",
    "event_id",
    (
        Column("event_id", "id"),
        Column("date", "date"),
        Column("type", "enum", choices=EVENT_TYPES),
        Column("sources", "ids", nullable=True),
        Column("targets", "ids", nullable=True),
        Column("new_parent_id", "id", nullable=True),
        Column("legal_basis", "text", required=False, nullable=True),
        Column("note", "text", required=False, nullable=True),
        Column("changes", "text", required=False, nullable=True, fill=False),  # version 1.1: reclassify only
    ),
)

MAX_STAFF = 1_000_000  # a single unit larger than this is a typo, not a unit


@dataclass
class Problems:
    """Collects problems as rows; :meth:`frame` sorts them most important first."""

    rows: list[dict] = field(default_factory=list)

    def add(self, rank, file, line, id_, column, value, message, severity="error"):
        self.rows.append(
            {
                "severity": severity,
                "rank": rank,
                "file": file,
                "line": None if line is None else int(line),
                "id": "" if id_ is None else str(id_),
                "column": column or "",
                "value": "" if value is None else str(value),
                "message": message,
            }
        )

    def warn(self, file, line, id_, column, value, message):
        self.add(RANK_WARNING, file, line, id_, column, value, message, severity="warning")

    def add_mask(self, rank, file, table: pd.DataFrame, mask, column, message_fn, id_col):
        """Add one problem per row where ``mask`` is true; ``message_fn(id, value)`` says what."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        sub = table.loc[mask]
        ids = sub[id_col] if id_col in sub else pd.Series([""] * len(sub), index=sub.index)
        vals = sub[column] if column in sub else ids
        for line, id_, val in zip(sub["line"], ids, vals):
            self.add(rank, file, line, id_, column, val, message_fn(id_, val))

    @property
    def errors(self) -> list[dict]:
        return [r for r in self.rows if r["severity"] == "error"]

    def frame(self, severity: str | None = None) -> pd.DataFrame:
        rows = self.rows if severity is None else [r for r in self.rows if r["severity"] == severity]
        df = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
        if df.empty:
            return df
        df["line"] = df["line"].astype("Int64")
        return df.sort_values(["rank", "file", "line", "id", "column", "message"], kind="stable", na_position="first").reset_index(drop=True)


def _row_id(table: pd.DataFrame, schema: Schema) -> pd.Series:
    return table[schema.key] if schema.key in table else pd.Series([""] * len(table), index=table.index)


def check_table(raw: pd.DataFrame, schema: Schema, file: str, problems: Problems,
                vocabularies: dict[str, "pd.DataFrame | set"] | None = None) -> pd.DataFrame:
    """Parse a table of raw (already stripped, NFC) strings by ``schema``; report every bad cell.

    ``raw`` must have a ``line`` column (1-based line in the file). Returns a typed copy: ints as
    nullable ``Int64``, floats, dates as ``datetime.date`` objects, id lists as tuples; bad cells
    become missing values so later checks can go on. ``vocabularies`` maps a vocabulary name to the
    allowed values of ``slug`` columns (a column with no vocabulary given is checked as a slug only).
    """
    out = raw.copy()
    ids = _row_id(raw, schema)
    for col in schema.columns:
        if col.name not in raw.columns:
            if col.required:
                problems.add(RANK_FILE, file, 1, None, col.name, None,
                             _("missing required column {col}; the header must name {names} …", col=repr(col.name),
                               names=", ".join(schema.names[:8])))
            elif col.fill:
                out[col.name] = pd.NA if col.type != "float" else np.nan
            continue
        values = raw[col.name]
        empty = values.eq("")
        if not col.nullable:
            _report(problems, RANK_VALUE, file, raw, empty, col, ids, lambda i, v, c=col: _("{col} is empty for {unit}; every row needs a {col}", col=c.name, unit=_label(i)))
        if col.type == "enum":
            bad = ~values.isin(col.choices) & ~empty
            _report(problems, RANK_VALUE, file, raw, bad, col, ids,
                    lambda i, v, c=col: _("{col} {value} of {unit} is not one of {choices}", col=c.name, value=repr(v),
                                            unit=_label(i), choices=", ".join(c.choices)))
        elif col.type in ("id", "ids"):
            bad = values.str.contains(";", regex=False) & ~empty if col.type == "id" else pd.Series(False, index=values.index)
            _report(problems, RANK_VALUE, file, raw, bad, col, ids, lambda i, v, c=col: _("{col} {value} contains ';'; ids may not contain ';'", col=c.name, value=repr(v)))
            if col.type == "ids":
                out[col.name] = [tuple(p.strip() for p in v.split(";") if p.strip()) if v else () for v in values]
        elif col.type == "int":
            out[col.name] = _parse_int(problems, file, raw, values, empty, col, ids)
        elif col.type == "float":
            num = pd.to_numeric(values.str.replace(",", ".", regex=False).where(~empty), errors="coerce")
            bad = (num.isna() | ~np.isfinite(num.fillna(0.0))) & ~empty
            _report(problems, RANK_VALUE, file, raw, bad, col, ids, lambda i, v, c=col: _("{col} {value} of {unit} is not a number ({hint})", col=c.name, value=repr(v),
                                                             unit=_label(i), hint=_(c.number_hint)), hint=False)
            rng = _out_of_range(num, col) & ~bad
            _report(problems, RANK_VALUE, file, raw, rng, col, ids,
                    lambda i, v, c=col: _("{col} {value} of {unit} is outside {low}..{high}", col=c.name, value=repr(v), unit=_label(i),
                                            low=F.number(c.min, group=False), high=F.number(c.max, group=False))
                    if c.max is not None else _("{col} {value} of {unit} is below {low}", col=c.name, value=repr(v),
                                                unit=_label(i), low=F.number(c.min, group=False)), hint=False)
            out[col.name] = num.where(~bad & ~rng).astype(float)
        elif col.type == "slug":
            bad = ~fullmatch(values, SLUG.pattern) & ~empty
            _report(problems, RANK_VALUE, file, raw, bad, col, ids,
                    lambda i, v, c=col: _("{col} {value} of {unit} is not a slug (lower-case letters, digits and single '-')",
                                            col=c.name, value=repr(v), unit=_label(i)))
            vocab = (vocabularies or {}).get(col.vocabulary)
            if vocab is not None:
                unknown = ~values.isin(list(vocab)) & ~empty & ~bad
                shown = ", ".join(sorted(vocab)[:12]) + (" …" if len(vocab) > 12 else "")
                _report(problems, RANK_VALUE, file, raw, unknown, col, ids,
                        lambda i, v, c=col: _("{col} {value} of {unit} is not in the registry's {file} ({shown}); add it there "
                                                "or fix the value", col=c.name, value=repr(v), unit=_label(i),
                                                file=f"{c.vocabulary}.csv", shown=shown), hint=False)
        elif col.type == "code":
            bad = ~fullmatch(values, CODE.pattern) & ~empty
            _report(problems, RANK_VALUE, file, raw, bad, col, ids, lambda i, v, c=col: _("{col} {value} of {unit} is not a valid code", col=c.name, value=repr(v), unit=_label(i)))
        elif col.type == "date":
            out[col.name] = _parse_dates(problems, file, raw, values, empty, col, ids)
    return out


def fullmatch(values: pd.Series, pattern: str) -> pd.Series:
    """``values.str.fullmatch(pattern)`` as a boolean Series (missing values False), with the
    pattern tried once per distinct value: a column of 87,000 staff counts holds a few hundred."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    ok = np.fromiter((isinstance(u, str) and re.fullmatch(pattern, u) is not None for u in uniques), dtype=bool,
                     count=len(uniques))
    return pd.Series(np.where(codes >= 0, ok[np.maximum(codes, 0)] if len(ok) else False, False), index=values.index)


def _label(id_) -> str:
    return f"{id_!r}" if id_ else _("this row")


def _report(problems, rank, file, raw, mask, col, ids, fn, hint: bool = True):
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    for line, id_, val in zip(raw["line"][mask], ids[mask], raw[col.name][mask]):
        msg = fn(id_, val)
        if hint and col.hint and rank == RANK_VALUE:
            msg = f"{msg} ({_(col.hint)})"
        problems.add(rank, file, line, id_, col.name, val, msg)


def _out_of_range(num: pd.Series, col: Column) -> pd.Series:
    bad = pd.Series(False, index=num.index)
    if col.min is not None:
        bad |= num < col.min
    if col.max is not None:
        bad |= num > col.max
    return bad.fillna(False)


def _parse_int(problems, file, raw, values, empty, col, ids) -> pd.Series:
    digits = fullmatch(values, r"-?\d+")  # plain whole numbers only: not 12.0, 1e2, +5 or "1 200"
    num = pd.to_numeric(values.where(digits & ~empty), errors="coerce")
    whole = num.notna()
    bad = ~empty & ~whole
    _report(problems, RANK_VALUE, file, raw, bad, col, ids,
            lambda i, v, c=col: _("{col} {value} of {unit} is not a whole number written with digits only", col=c.name,
                                            value=repr(v), unit=_label(i)))
    rng = _out_of_range(num, col) & whole
    _report(problems, RANK_VALUE, file, raw, rng, col, ids,
            lambda i, v, c=col: _("{col} {value} of {unit} is outside the allowed range ({low}..{high})", col=c.name, value=v,
                                            unit=_label(i), low=F.number(c.min, group=False), high=F.number(c.max, group=False))
            if c.max is not None else _("{col} {value} of {unit} is outside the allowed range (at least {low})", col=c.name,
                                         value=v, unit=_label(i), low=F.number(c.min, group=False)))
    if col.name == "staff":
        huge = whole & (num > MAX_STAFF)
        _report(problems, RANK_VALUE, file, raw, huge, col, ids,
                lambda i, v: _("staff {value} of {unit} is implausibly large (over {limit}); check for a typo", value=v,
                                      unit=_label(i), limit=F.number(MAX_STAFF)))
        rng = rng | huge
    ok = whole & ~rng
    return num.where(ok).round().astype("Int64")


def _parse_dates(problems, file, raw, values, empty, col, ids) -> pd.Series:
    iso = pd.to_datetime(values.where(values.str.len() == 10), format="%Y-%m-%d", errors="coerce")
    parsed = [None if pd.isna(t) else t.date() for t in iso]
    slow = np.flatnonzero(iso.isna().to_numpy() & ~empty.to_numpy())
    for k in slow:  # not plain ISO: the careful reading, with warnings and errors
        line, id_, v = raw["line"].iat[k], ids.iat[k], values.iat[k]
        d, warning = parse_date_cell(v)
        if d is None:
            why = f" ({warning})" if warning else ""
            problems.add(RANK_VALUE, file, line, id_, col.name, v,
                         _("{col} {value} of {unit} is not a valid date{why}; write it as YYYY-MM-DD, e.g. 2021-12-31",
                           col=col.name, value=repr(v), unit=_label(id_), why=why))
        elif warning:
            problems.warn(file, line, id_, col.name, v, warning)
        parsed[k] = d
    return pd.Series(parsed, index=values.index, dtype=object)
