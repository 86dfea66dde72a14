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
from . import schema as S
from .dates import parse_date
from .errors import InputError, ValidationError
from .vocab import PACKAGE_UNIT_TYPES, UNIT_TYPES_FILE

UNITS_FILE = "units.csv"
EVENTS_FILE = "events.csv"
META_FILE = "registry.yaml"


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


def _decode(data: bytes, file: str, problems: S.Problems) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict") if _is_utf8(data[3:]) else _decode(data[3:], file, problems)
    if _is_utf8(data):
        return data.decode("utf-8")
    for enc, label in (("cp1258", "Windows-1258 (Vietnamese)"), ("latin-1", "Latin-1")):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        problems.warn(file, None, None, None, None,
                      f"{file} is not UTF-8; it was read as {label}. Check the accents, then save it as 'CSV UTF-8' to silence this warning")
        return text
    raise InputError(f"{file} could not be decoded; save it as 'CSV UTF-8 (comma delimited)' from Excel.")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _read_csv(path: Path, problems: S.Problems) -> pd.DataFrame:
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
    text = _decode(data, file, problems)
    first = text.split("\n", 1)[0]
    delimiter = ","
    if first.count(";") > first.count(",") and first.count(";") >= 2:
        delimiter = ";"
        problems.warn(file, 1, None, None, None,
                      f"{file} uses ';' between columns (Vietnamese-locale Excel); read as such. Save as 'CSV UTF-8 (comma delimited)' to silence this warning")
    fast = _read_clean_text(text, delimiter, file, problems)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, lines = [], []
    header = None
    start_line = 1
    for record in reader:
        end_line = reader.line_num
        if header is None:
            header = record
        else:
            rows.append(record)
            lines.append(start_line)
        start_line = end_line + 1
    if header is None:
        problems.add(S.RANK_FILE, file, 1, None, None, None, f"{file} is empty; it needs a header row (see registry-format.md)")
        return pd.DataFrame({"line": pd.array([], dtype="int64")})
    return _frame(header, rows, lines, file, problems)


def _read_clean_text(text: str, delimiter: str, file: str, problems: S.Problems) -> pd.DataFrame | None:
    """Fast path for a clean file (NFC, no stray spaces, one physical line per record): pandas'
    C parser. Returns None when the file needs the careful path (which reports and repairs)."""
    if "\u00a0" in text or not unicodedata.is_normalized("NFC", text):
        return None
    unquoted = re.sub(r'"(?:[^"]|"")*"', '""', text) if '"' in text else text  # spaces inside quotes are content
    d = delimiter
    edges = [f"{d} ", f" {d}", "\n ", " \n", " \r", f'{d}" ', f' "{d}', '\n" ', ' "\n', "\t"]
    if unquoted.startswith((" ", '" ')) or unquoted.endswith(" ") or any(e in unquoted for e in edges[:5]) \
            or any(e in text for e in edges[5:]):
        return None  # a value with stray spaces: the careful path strips it and says so
    try:
        raw = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
                          na_filter=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, ValueError):
        return None
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(raw) != physical or len(raw) == 0:
        return None  # a quoted value spans lines: line numbers need the careful path
    raw = raw.astype(object)
    header = [str(h) for h in raw.iloc[0]]
    data = raw.iloc[1:].reset_index(drop=True)
    lines = np.arange(2, len(raw) + 1)
    filled = data.ne("")
    keep = filled.any(axis=1).to_numpy()
    width = _header_width(header, filled.any(axis=0).tolist())
    header = _check_header(header[:width], len(header), file, problems)
    df = data.iloc[keep, :width].copy()
    df.columns = pd.Index(header, dtype=object)
    df = df.reset_index(drop=True)
    df.insert(0, "line", lines[keep].astype("int64"))
    return df


def _header_width(header: list[str], column_has_values: list[bool]) -> int:
    """Width once trailing empty columns (no name, no values: Excel leaves them) are dropped."""
    width = len(header)
    while width and header[width - 1].strip() == "" and not column_has_values[width - 1]:
        width -= 1
    return width


def _check_header(header: list[str], full: int, file: str, problems: S.Problems) -> list[str]:
    if len(header) < full:
        problems.warn(file, 1, None, None, None, f"{file}: {full - len(header)} empty trailing column(s) ignored")
    header = [S.nfc(h.strip().lstrip("\ufeff")).lower() for h in header]
    seen = set()
    for i, h in enumerate(header):
        if h == "":
            problems.add(S.RANK_FILE, file, 1, None, f"column {i + 1}", "", f"column {i + 1} of the header has no name; name it or delete the column")
            header[i] = f"column {i + 1}"
        if h in seen:
            problems.add(S.RANK_FILE, file, 1, None, h, h, f"column {h!r} appears twice in the header; keep one")
        seen.add(h)
    return header


def _frame(header: list[str], rows: list[list[str]], lines: list[int], file: str, problems: S.Problems) -> pd.DataFrame:
    full = len(header)
    has_values = [any(len(r) > i and r[i].strip() for r in rows) for i in range(full)]
    width = _header_width([h.strip() for h in header], has_values)
    header = _check_header(header[:width], full, file, problems)
    fixed, kept_lines = [], []
    for rec, line in zip(rows, lines):
        if all(c.strip() == "" for c in rec):
            continue  # empty rows (Excel leaves them) are skipped
        if len(rec) > full or (len(rec) > width and any(c.strip() for c in rec[width:])):
            problems.add(S.RANK_KEY, file, line, rec[0].strip(), None, "",
                         f"row has {len(rec)} fields but the header has {width}: a value probably contains the delimiter "
                         f"(e.g. a comma in a name); put that value in double quotes. The row was not read")
            continue
        if len(rec) > width:
            rec = rec[:width]
        elif len(rec) < width:
            rec = rec + [""] * (width - len(rec))
        fixed.append(rec)
        kept_lines.append(line)
    df = pd.DataFrame(fixed, columns=pd.Index(header, dtype=object), dtype=object)
    df = _clean_cells(df, file, kept_lines, problems)
    df.insert(0, "line", pd.array(kept_lines, dtype="int64"))
    return df


def _clean_cells(df: pd.DataFrame, file: str, lines: list[int], problems: S.Problems) -> pd.DataFrame:
    """Strip spaces and NFC-normalise every cell; warn where an id changed because of it."""
    id_cols = [c for c in ("unit_id", "parent_id", "event_id", "sources", "targets", "new_parent_id") if c in df.columns]
    out = {}
    for col in df.columns:
        raw = df[col].astype(object)
        clean = raw.str.replace("\u00a0", " ", regex=False).str.strip()
        wide = ~clean.str.isascii()
        if wide.any():  # only non-ASCII cells can be in another Unicode normal form
            clean[wide] = [unicodedata.normalize("NFC", v) for v in clean[wide]]
        if col in id_cols:
            changed = raw != clean
            for i in changed[changed].index[:50]:
                problems.warn(file, lines[i], clean[i], col, raw[i],
                              f"{col} {raw[i]!r} had stray spaces or non-NFC characters; read as {clean[i]!r}")
        out[col] = clean
    return pd.DataFrame(out, index=df.index, dtype=object)


def _read_excel(path: Path, problems: S.Problems) -> tuple[pd.DataFrame, pd.DataFrame]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - installed with the package
        raise InputError("Reading Excel needs openpyxl: pip install openpyxl") from None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InputError(f"Cannot open {path} as an Excel workbook ({exc}); save it as .xlsx.") from None
    tables = []
    for sheet in ("units", "events"):
        file = f"{path.name}[{sheet}]"
        rows = [[_cell(c) for c in r] for r in wb[sheet].iter_rows(values_only=True)] if sheet in wb.sheetnames else None
        if rows is None:
            problems.add(S.RANK_FILE, file, None, None, None, None,
                         f"{path.name} has no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)}); a registry workbook needs sheets 'units' and 'events'")
        elif not rows:
            problems.add(S.RANK_FILE, file, 1, None, None, None, f"sheet {sheet!r} of {path.name} is empty; it needs a header row")
        else:
            tables.append(_frame(rows[0], rows[1:], list(range(2, len(rows) + 1)), file, problems))
    wb.close()
    _raise_if_errors(problems, path)
    return tables[0], tables[1]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_meta(folder: Path, problems: S.Problems) -> dict:
    p = folder / META_FILE
    if not p.exists():
        return {}
    try:
        meta = yaml.safe_load(p.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark is not None else str(p)
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise InputError(f"{where}: registry.yaml is not valid YAML ({what}); fix it or remove the file.") from None
    if not isinstance(meta, dict):
        raise InputError(f"{p} must hold a mapping (name: ..., start: ...), not {type(meta).__name__}.")
    return meta


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
                         f"duplicate {key} {kid!r}: this row repeats line {orig} exactly; delete one of the two lines")
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
            problems.add(S.RANK_KEY, file, line, v, key, v, f"duplicate {key} {v!r} (first defined on line {first[v]}); each {key} must be unique")


def _check_units(units: pd.DataFrame, file: str, problems: S.Problems) -> None:
    if {"lat", "lon"} <= set(units.columns):
        bad_coord = {r["line"] for r in problems.errors if r["file"] == file and r["column"] in ("lat", "lon")}
        half = (units["lat"].isna() != units["lon"].isna()) & ~units["line"].isin(bad_coord)
        problems.add_mask(S.RANK_VALUE, file, units, half, "lat", lambda i, v: f"{i!r} has only one of lat/lon; give both or neither", "unit_id")
    if {"kind", "parent_id"} <= set(units.columns):
        counted = units["kind"].isin(S.COUNTED_KINDS)
        problems.add_mask(S.RANK_HIERARCHY, file, units, counted & units["parent_id"].eq(""), "parent_id",
                          lambda i, v: f"{i!r} is a counted unit (agency/psu) with no parent_id; give the managing unit", "unit_id")
        kinds = units.set_index("unit_id")["kind"] if "unit_id" in units else pd.Series(dtype=object)
        kinds = kinds[~kinds.index.duplicated()]
        gov = units["kind"].eq("government") & units["parent_id"].ne("")
        parent_kind = units["parent_id"].map(kinds)
        bad = gov & parent_kind.notna() & parent_kind.ne("government")
        problems.add_mask(S.RANK_HIERARCHY, file, units, bad, "parent_id",
                          lambda i, v: f"government unit {i!r} has parent {v!r}, which is not a government unit", "unit_id")
    if {"kind", "autonomy"} <= set(units.columns):
        odd = units["autonomy"].notna() & units["kind"].ne("psu")
        for line, i in zip(units.loc[odd, "line"], units.loc[odd, "unit_id"]):
            problems.warn(file, line, i, "autonomy", None, f"autonomy is given for {i!r}, which is not a psu; it is kept but means nothing")


def _check_references(units: pd.DataFrame, events: pd.DataFrame, ufile: str, efile: str, problems: S.Problems) -> set[int]:
    """Report ids that units.csv does not define; return the lines of events that use one."""
    known = set(units["unit_id"]) if "unit_id" in units else set()
    if "parent_id" in units:
        unknown = units["parent_id"].ne("") & ~units["parent_id"].isin(known)
        problems.add_mask(S.RANK_REFERENCE, ufile, units, unknown, "parent_id",
                          lambda i, v: f"parent_id {v!r} of {i!r} is not a unit_id in {ufile}; add that unit or fix the id", "unit_id")
    bad_lines: set[int] = set()
    for col in ("sources", "targets"):
        if col not in events:
            continue
        for line, eid, ids in zip(events["line"], events["event_id"], events[col]):
            for uid in ids:
                if uid not in known:
                    bad_lines.add(line)
                    problems.add(S.RANK_REFERENCE, efile, line, eid, col, uid,
                                 f"event {eid!r}: {col} names {uid!r}, which is not a unit_id in {ufile}; add the unit or fix the id")
    if "new_parent_id" in events:
        unknown = events["new_parent_id"].ne("") & ~events["new_parent_id"].isin(known)
        problems.add_mask(S.RANK_REFERENCE, efile, events, unknown, "new_parent_id",
                          lambda i, v: f"event {i!r}: new_parent_id {v!r} is not a unit_id in {ufile}", "event_id")
        bad_lines.update(events.loc[unknown, "line"])
    return bad_lines


# ---------------------------------------------------------------- entry point


def read_tables(path: str | Path) -> tuple[Path, pd.DataFrame, pd.DataFrame, dict, tuple[str, str], S.Problems]:
    """Read the raw (string) tables of a registry folder or workbook, without validating them."""
    path = Path(path)
    problems = S.Problems()
    if not path.exists():
        raise InputError(f"Registry {path} does not exist; give a folder with {UNITS_FILE} and {EVENTS_FILE} (e.g. data/quang-ninh) or an .xlsx workbook.")
    if path.is_file():
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise InputError(f"{path} is a file; a registry is a folder with {UNITS_FILE} and {EVENTS_FILE}, or an .xlsx workbook with sheets 'units' and 'events'.")
        units, events = _read_excel(path, problems)
        meta = {}
        files = (f"{path.name}[units]", f"{path.name}[events]")
        return path, units, events, meta, files, problems
    for name in (UNITS_FILE, EVENTS_FILE):
        if not (path / name).is_file():
            problems.add(S.RANK_FILE, name, None, None, None, None,
                         f"{name} is missing from {path}; a registry folder needs {UNITS_FILE} and {EVENTS_FILE} "
                         f"({EVENTS_FILE} may hold a header row only)")
    _raise_if_errors(problems, path)
    units = _read_csv(path / UNITS_FILE, problems)
    events = _read_csv(path / EVENTS_FILE, problems)
    _raise_if_errors(problems, path)
    return path, units, events, _read_meta(path, problems), (UNITS_FILE, EVENTS_FILE), problems


def _raise_if_errors(problems: S.Problems, path: Path) -> None:
    if problems.errors:
        n = len(problems.errors)
        raise ValidationError(problems.frame("error"), header=f"Registry {path} is invalid: {n} problem{'s' if n != 1 else ''} (file:line: message), most important first:")


def load_unit_types(folder: Path | None, problems: S.Problems) -> tuple[pd.DataFrame, str]:
    """The unit-type vocabulary: the registry's own ``unit_types.csv`` when its folder has one,
    else the package's (orgmodel/data/unit_types.csv). Returns the table and the file it came from."""
    own = folder / UNIT_TYPES_FILE if folder is not None and folder.is_dir() else None
    path = own if own is not None and own.is_file() else PACKAGE_UNIT_TYPES
    table = _read_csv(path, problems)
    file = path.name if path == own else f"orgmodel/data/{UNIT_TYPES_FILE}"
    if "unit_type" not in table.columns:
        problems.add(S.RANK_FILE, file, 1, None, "unit_type", None,
                     f"{file} has no column 'unit_type'; the header must name unit_type,name_vi,name_en,kind,sector")
        return table, file
    dup = table["unit_type"].duplicated(keep="first") & table["unit_type"].ne("")
    problems.add_mask(S.RANK_KEY, file, table, dup, "unit_type",
                      lambda i, v: f"unit type {v!r} is listed twice; list each slug once", "unit_type")
    bad = ~table["unit_type"].str.fullmatch(S.SLUG.pattern)
    problems.add_mask(S.RANK_VALUE, file, table, bad, "unit_type",
                      lambda i, v: f"unit type {v!r} is not a slug (lower-case letters, digits and single '-')", "unit_type")
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
                      lambda i, v: f"unit_type {v!r} of {i!r} is a type of {kind_of.get(v)} units, not of its kind; fix unit_type or kind", "unit_id")
    for level, allowed in TERRITORIAL_TYPES.items():
        bad = units["kind"].eq("government") & units["level"].eq(level) & ut.ne("") & ~ut.isin(allowed) & ~wrong_kind
        problems.add_mask(S.RANK_VALUE, file, units, bad, "unit_type",
                          lambda i, v, lv=level, a=allowed: f"unit_type {v!r} of government unit {i!r} does not fit level {lv} (use {', '.join(a)})", "unit_id")


def load_registry(path: str | Path, *, check_events: bool = True) -> Registry:
    """Read and validate a registry; raise :class:`ValidationError` listing every problem.

    The returned registry carries typed tables: ``units`` (staff ``Int64``, lat/lon float,
    autonomy ``Int64``) and ``events`` (``date`` as ``datetime.date``, ``sources``/``targets`` as
    tuples of ids), both in file order with their ``line`` numbers.
    """
    path, units_raw, events_raw, meta, (ufile, efile), problems = read_tables(path)
    types, _ = load_unit_types(path if path.is_dir() else None, problems)
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
            start = parse_date(meta["start"], f"start in {META_FILE}")
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
