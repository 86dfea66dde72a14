"""Reading and validating a registry (registry-format.md, version 1.1).

A registry is a folder with ``units.csv``, ``events.csv`` and optionally ``registry.yaml``, or one
Excel workbook with sheets ``units`` and ``events`` (same columns). :func:`load_registry` reads it,
checks every rule of the contract, and either returns a :class:`Registry` or raises
:class:`~orgmodel.errors.ValidationError` listing every problem (file, line, id), most important
first. Nothing is ever written.

Input that is slightly off but whose meaning is unambiguous is accepted with a warning
(``Registry.warnings``): a byte-order mark, a semicolon-delimited CSV from a Vietnamese-locale
Excel, a Windows-1258 or Latin-1 encoded file, trailing empty columns or rows, stray spaces or
non-NFC Unicode in cells, exact duplicate rows, and dates written ``DD/MM/YYYY``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import events as E
from . import fmt as F
from . import schema as S
from .dates import parse_date
from .errors import InputError, ValidationError
from .i18n import _
from .readers import META_FILE, _cell, _check_header, _clean_cells, _decode, _frame, _header_width, _is_utf8, _raise_if_errors, _read_clean_text, _read_csv, _read_excel, _read_meta  # noqa: F401
from .vocab import PACKAGE_UNIT_TYPES, UNIT_TYPES_FILE

UNITS_FILE = "units.csv"
EVENTS_FILE = "events.csv"


@dataclass(frozen=True)
class Registry:
    """A validated registry. ``units`` and ``events`` keep file order and a ``line`` column."""

    path: Path
    name: str
    units: pd.DataFrame
    events: pd.DataFrame
    meta: dict = field(default_factory=dict)
    start: dt.date | None = None
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=S.PROBLEM_COLUMNS))
    files: tuple[str, str] = (UNITS_FILE, EVENTS_FILE)
    unit_types: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    replayed: E.Replay | None = field(default=None, repr=False, compare=False)  # what validation replayed

    @property
    def extra_unit_columns(self) -> list[str]:
        known = set(S.UNITS.names) | {"line"}  # version 1.1 columns are known even when absent
        return [c for c in self.units.columns if c not in known]

    def __repr__(self) -> str:
        return f"Registry({self.name!r}: {len(self.units)} units, {len(self.events)} events)"


# ---------------------------------------------------------------- reading raw tables


# ---------------------------------------------------------------- checks beyond the schema


def _drop_exact_duplicates(df: pd.DataFrame, key: str, file: str, problems: S.Problems) -> pd.DataFrame:
    """A row that repeats another exactly is a duplicate id (the contract refuses it); it is
    reported once, as a copy to delete, and left out so that no follow-on error is reported."""
    data_cols = [c for c in df.columns if c != "line"]
    if not data_cols:
        return df
    dup = df.duplicated(subset=data_cols, keep="first")
    if dup.any():
        first = df.loc[~dup].set_index(data_cols)["line"]
        for idx in np.flatnonzero(dup.to_numpy()):
            row = df.iloc[idx]
            orig = first.get(tuple(row[c] for c in data_cols)) if len(data_cols) > 1 else first.get(row[data_cols[0]])
            kid = row[key] if key in df.columns else ""
            problems.add(S.RANK_KEY, file, row["line"], kid, key, kid,
                         _("duplicate {key} {value}: this row repeats line {line} exactly; delete one of the two lines",
                           key=key, value=repr(kid), line=orig))
    return df.loc[~dup].reset_index(drop=True)


def _check_keys(df: pd.DataFrame, key: str, file: str, problems: S.Problems) -> None:
    if key not in df:
        return
    filled = df[df[key] != ""]
    dup = filled.duplicated(subset=[key], keep=False)
    if not dup.any():
        return
    first = filled.loc[dup].groupby(key, sort=False)["line"].min()
    for line, v in zip(filled.loc[dup, "line"], filled.loc[dup, key]):
        if line != first[v]:
            problems.add(S.RANK_KEY, file, line, v, key, v, _("duplicate {key} {value} (first defined on line {line}); each {key} must be unique", key=key,
                                                         value=repr(v), line=first[v]))


def _check_units(units: pd.DataFrame, file: str, problems: S.Problems) -> None:
    if {"lat", "lon"} <= set(units.columns):
        bad_coord = {r["line"] for r in problems.errors if r["file"] == file and r["column"] in ("lat", "lon")}
        half = (units["lat"].isna() != units["lon"].isna()) & ~units["line"].isin(bad_coord)
        problems.add_mask(S.RANK_VALUE, file, units, half, "lat", lambda i, v: _("{unit} has only one of lat/lon; give both or neither", unit=repr(i)), "unit_id")
    if {"kind", "parent_id"} <= set(units.columns):
        counted = units["kind"].isin(S.COUNTED_KINDS)
        problems.add_mask(S.RANK_HIERARCHY, file, units, counted & units["parent_id"].eq(""), "parent_id",
                          lambda i, v: _("{unit} is a counted unit (agency/psu) with no parent_id; give the managing unit", unit=repr(i)),
                          "unit_id")
        kinds = units.set_index("unit_id")["kind"] if "unit_id" in units else pd.Series(dtype=object)
        kinds = kinds[~kinds.index.duplicated()]
        gov = units["kind"].eq("government") & units["parent_id"].ne("")
        parent_kind = units["parent_id"].map(kinds)
        bad = gov & parent_kind.notna() & parent_kind.ne("government")
        problems.add_mask(S.RANK_HIERARCHY, file, units, bad, "parent_id",
                          lambda i, v: _("government unit {unit} has parent {parent}, which is not a government unit", unit=repr(i),
                                            parent=repr(v)), "unit_id")
    if {"kind", "autonomy"} <= set(units.columns):
        odd = units["autonomy"].notna() & units["kind"].ne("psu")
        for line, i in zip(units.loc[odd, "line"], units.loc[odd, "unit_id"]):
            problems.warn(file, line, i, "autonomy", None, _("autonomy is given for {unit}, which is not a psu; it is kept but means nothing", unit=repr(i)))


def _check_references(units: pd.DataFrame, events: pd.DataFrame, ufile: str, efile: str, problems: S.Problems) -> set[int]:
    """Report ids that units.csv does not define; return the lines of events that use one."""
    known = set(units["unit_id"]) if "unit_id" in units else set()
    if "parent_id" in units:
        unknown = units["parent_id"].ne("") & ~units["parent_id"].isin(known)
        problems.add_mask(S.RANK_REFERENCE, ufile, units, unknown, "parent_id",
                          lambda i, v: _("parent_id {value} of {unit} is not a unit_id in {file}; add that unit or fix the id",
                                            value=repr(v), unit=repr(i), file=ufile), "unit_id")
    bad_lines: set[int] = set()
    for col in ("sources", "targets"):
        if col not in events:
            continue
        for line, eid, ids in zip(events["line"], events["event_id"], events[col]):
            for uid in ids:
                if uid not in known:
                    bad_lines.add(line)
                    problems.add(S.RANK_REFERENCE, efile, line, eid, col, uid,
                                 _("event {event}: {col} names {unit}, which is not a unit_id in {file}; add the unit or fix the id",
                                   event=repr(eid), col=col, unit=repr(uid), file=ufile))
    if "new_parent_id" in events:
        unknown = events["new_parent_id"].ne("") & ~events["new_parent_id"].isin(known)
        problems.add_mask(S.RANK_REFERENCE, efile, events, unknown, "new_parent_id",
                          lambda i, v: _("event {event}: new_parent_id {value} is not a unit_id in {file}", event=repr(i),
                                            value=repr(v), file=ufile), "event_id")
        bad_lines.update(events.loc[unknown, "line"])
    return bad_lines


# ---------------------------------------------------------------- entry point


def read_tables(path: str | Path) -> tuple[Path, pd.DataFrame, pd.DataFrame, dict, tuple[str, str], S.Problems]:
    """Read the raw (string) tables of a registry folder or workbook, without validating them."""
    path = Path(path)
    problems = S.Problems()
    if not path.exists():
        raise InputError(_("Registry {path} does not exist; give a folder with {units} and {events} (e.g. data/quang-ninh) "
                           "or an .xlsx workbook.", path=str(path), units=UNITS_FILE, events=EVENTS_FILE))
    if path.is_file():
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise InputError(_("{path} is a file; a registry is a folder with {units} and {events}, or an .xlsx workbook "
                               "with sheets 'units' and 'events'.", path=str(path), units=UNITS_FILE, events=EVENTS_FILE))
        units, events = _read_excel(path, problems)
        meta = {}
        files = (f"{path.name}[units]", f"{path.name}[events]")
        return path, units, events, meta, files, problems
    for name in (UNITS_FILE, EVENTS_FILE):
        if not (path / name).is_file():
            problems.add(S.RANK_FILE, name, None, None, None, None,
                         _("{file} is missing from {path}; a registry folder needs {units} and {events} ({events} may hold "
                           "a header row only)", file=name, path=str(path), units=UNITS_FILE, events=EVENTS_FILE))
    _raise_if_errors(problems, path)
    units = _read_csv(path / UNITS_FILE, problems)
    events = _read_csv(path / EVENTS_FILE, problems)
    _raise_if_errors(problems, path)
    return path, units, events, _read_meta(path, problems), (UNITS_FILE, EVENTS_FILE), problems


def load_unit_types(folder: Path | None, problems: S.Problems) -> tuple[pd.DataFrame, str]:
    """The unit-type vocabulary: the registry's own ``unit_types.csv`` when its folder has one,
    else the package's (orgmodel/data/unit_types.csv). Returns the table and the file it came from."""
    own = folder / UNIT_TYPES_FILE if folder is not None and folder.is_dir() else None
    path = own if own is not None and own.is_file() else PACKAGE_UNIT_TYPES
    table = _read_csv(path, problems)
    file = path.name if path == own else f"orgmodel/data/{UNIT_TYPES_FILE}"
    if "unit_type" not in table.columns:
        problems.add(S.RANK_FILE, file, 1, None, "unit_type", None,
                     _("{file} has no column 'unit_type'; the header must name unit_type,name_vi,name_en,kind,sector", file=file))
        return table, file
    dup = table["unit_type"].duplicated(keep="first") & table["unit_type"].ne("")
    problems.add_mask(S.RANK_KEY, file, table, dup, "unit_type",
                      lambda i, v: _("unit type {value} is listed twice; list each slug once", value=repr(v)), "unit_type")
    bad = ~S.fullmatch(table["unit_type"], S.SLUG.pattern)
    problems.add_mask(S.RANK_VALUE, file, table, bad, "unit_type",
                      lambda i, v: _("unit type {value} is not a slug (lower-case letters, digits and single '-')", value=repr(v)),
                      "unit_type")
    return table, file


def _check_unit_type_kinds(units: pd.DataFrame, types: pd.DataFrame, file: str, problems: S.Problems) -> None:
    """A unit's type must be listed for its kind; a government unit's type must fit its level."""
    if not {"unit_type", "kind", "level"} <= set(units.columns) or "kind" not in types.columns:
        return
    from .vocab import TERRITORIAL_TYPES

    kind_of = types.drop_duplicates("unit_type").set_index("unit_type")["kind"]
    ut = units["unit_type"].astype(object).where(units["unit_type"].notna(), "")
    listed = ut.map(kind_of)
    wrong_kind = ut.ne("") & listed.notna() & listed.ne("") & listed.ne(units["kind"])
    problems.add_mask(S.RANK_VALUE, file, units, wrong_kind, "unit_type",
                      lambda i, v: _("unit_type {value} of {unit} is a type of {kind} units, not of its kind; fix unit_type or kind",
                                        value=repr(v), unit=repr(i), kind=kind_of.get(v)), "unit_id")
    for level, allowed in TERRITORIAL_TYPES.items():
        bad = units["kind"].eq("government") & units["level"].eq(level) & ut.ne("") & ~ut.isin(allowed) & ~wrong_kind
        problems.add_mask(S.RANK_VALUE, file, units, bad, "unit_type",
                          lambda i, v, lv=level, a=allowed: _("unit_type {value} of government unit {unit} does not fit level {level} "
                                                                   "(use {allowed})", value=repr(v), unit=repr(i), level=F.level(lv),
                                                                   allowed=", ".join(a)), "unit_id")


def load_registry(path: str | Path, *, check_events: bool = True) -> Registry:
    """Read and validate a registry; raise :class:`ValidationError` listing every problem.

    The returned registry carries typed tables: ``units`` (staff ``Int64``, lat/lon float,
    autonomy ``Int64``) and ``events`` (``date`` as ``datetime.date``, ``sources``/``targets`` as
    tuples of ids), both in file order with their ``line`` numbers.
    """
    path, units_raw, events_raw, meta, (ufile, efile), problems = read_tables(path)
    types, _file = load_unit_types(path if path.is_dir() else None, problems)
    vocab = {"unit_types": set(types["unit_type"])} if "unit_type" in types.columns else None
    units_raw = _drop_exact_duplicates(units_raw, "unit_id", ufile, problems)
    events_raw = _drop_exact_duplicates(events_raw, "event_id", efile, problems)
    units = S.check_table(units_raw, S.UNITS, ufile, problems, vocab)
    events = S.check_table(events_raw, S.EVENTS, efile, problems)
    _check_keys(units, "unit_id", ufile, problems)
    _check_keys(events, "event_id", efile, problems)
    start = None
    if "start" in meta and meta["start"] not in (None, ""):
        try:
            start = parse_date(meta["start"], "start in registry.yaml")
        except InputError as exc:
            problems.add(S.RANK_VALUE, META_FILE, None, None, "start", meta["start"], str(exc))
    structural = any(r["rank"] == S.RANK_FILE for r in problems.errors)
    replayed = None
    if not structural:
        _check_units(units, ufile, problems)
        _check_unit_type_kinds(units, types, ufile, problems)
        E.check_territorial_codes(units, ufile, problems)
        bad_ref_lines = _check_references(units, events, ufile, efile, problems)
        changes, bad_change_lines = E.check_changes(events, efile, problems, vocab)
        if check_events:
            bad_value_lines = {r["line"] for r in problems.errors if r["file"] == efile}
            usable = ~events["line"].isin(bad_ref_lines | bad_value_lines | bad_change_lines)
            replayed = E.replay(units, events.loc[usable], start=start, files=(ufile, efile), problems=problems, changes=changes)
            E.check_codes(units, replayed, (ufile, efile), problems)
    _raise_if_errors(problems, path)
    name = str(meta.get("name") or (path.stem if path.is_file() else path.name))
    return Registry(
        path=path,
        name=name,
        units=units.reset_index(drop=True),
        events=events.reset_index(drop=True),
        meta=meta,
        start=start,
        warnings=problems.frame("warning"),
        files=(ufile, efile),
        unit_types=types,
        replayed=replayed,
    )
