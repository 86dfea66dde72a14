"""Reading the raw tables of a registry: bytes to text (encodings), text to rows (delimiters,
quoting), workbook sheets to rows, ``registry.yaml`` to a mapping. Nothing here validates the
contract's rules (that is :mod:`orgmodel.registry`); nothing here writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import safeyaml
from . import schema as S
from .errors import InputError, ValidationError

META_FILE = "registry.yaml"


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
    if not p.exists() and not p.is_symlink():
        return {}
    try:
        meta = safeyaml.safe_load(safeyaml.read_bytes(p).decode("utf-8-sig"), str(p)) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark is not None else str(p)
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise InputError(f"{where}: registry.yaml is not valid YAML ({what}); fix it or remove the file.") from None
    if not isinstance(meta, dict):
        raise InputError(f"{p} must hold a mapping (name: ..., start: ...), not {type(meta).__name__}.")
    return meta


def _raise_if_errors(problems: S.Problems, path: Path) -> None:
    if problems.errors:
        n = len(problems.errors)
        raise ValidationError(problems.frame("error"), header=f"Registry {path} is invalid: {n} problem{'s' if n != 1 else ''} (file:line: message), most important first:")
