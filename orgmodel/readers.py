"""Reading the raw tables of a registry: bytes to text (encodings), text to rows (delimiters,
quoting), workbook sheets to rows, ``registry.yaml`` to a mapping. Nothing here validates the
contract's rules (that is :mod:`orgmodel.registry`); nothing here writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import stat
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import fmt as F
from . import safeyaml
from . import schema as S
from .errors import InputError, ValidationError
from .i18n import _

META_FILE = "registry.yaml"


def _decode(data: bytes, file: str, problems: S.Problems) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict") if _is_utf8(data[3:]) else _decode(data[3:], file, problems)
    if _is_utf8(data):
        return data.decode("utf-8")
    damaged = _damaged_utf8(data, file)
    if damaged is not None:
        problems.add(S.RANK_FILE, file, damaged[0], None, None, None, damaged[1])
        return data.decode("utf-8", errors="replace")
    for enc, label in (("cp1258", _("Windows-1258 (Vietnamese)")), ("latin-1", "Latin-1")):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        problems.warn(file, None, None, None, None,
                      _("{file} is not UTF-8; it was read as {encoding}. Check the accents, then save it as 'CSV UTF-8' to "
                        "silence this warning", file=file, encoding=label))
        return text
    raise InputError(_("{file} could not be decoded; save it as 'CSV UTF-8 (comma delimited)' from Excel.", file=file))


def _damaged_utf8(data: bytes, file: str) -> tuple[int, str] | None:
    """``(line, message)`` when ``data`` is UTF-8 with a few bytes that are not (a damaged copy, or
    text pasted from another encoding): read as Windows-1258 it would garble every accent."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad  # well-formed non-ASCII letters
    if good < 3 or good < 2 * bad:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return line, _("{file} is UTF-8 text, but line {line} holds bytes that are not UTF-8 ({n} in the file: a damaged "
                       "copy, or text pasted from another encoding); retype the accented letters on that line, or save "
                       "the file again as 'CSV UTF-8 (Comma delimited)'", file=file, line=line, n=bad)
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# ---------------------------------------------------------------- bounded reading, sniffing

MAX_CSV_BYTES = 256 * 1024 * 1024  # the bundled province is 0.3 MB; pandas needs several times this in memory
MAX_XLSX_BYTES = 256 * 1024 * 1024  # the workbook file itself (compressed)
MAX_XLSX_MEMBERS = 1_000  # files inside the workbook's zip (a registry workbook has ~12)
MAX_XLSX_MEMBER = 128 * 1024 * 1024  # one member uncompressed (a sheet's XML, the shared strings): ~2M cells
MAX_XLSX_TOTAL = 256 * 1024 * 1024  # all members uncompressed
ZIP_BOMB_RATIO = 500  # uncompressed/compressed; real sheets compress about 10x
MAX_COLUMNS = 1_000  # columns with values in a sheet (a registry has 11 plus a few extra)
MAX_CELLS = 20_000_000  # cells looked at in a sheet, empty ones included (~1M rows x 20 columns)


def _utf16(file: str) -> str:
    return _("{file} is UTF-16 text (Excel's 'Unicode Text'), not UTF-8 CSV; open it in Excel and save it as "
             "'CSV UTF-8 (Comma delimited) (*.csv)'", file=file)


def _size(n: int) -> str:
    return _("{n} MB", n=F.number(round(n / 2**20))) if n >= 2**20 else _("{n} bytes", n=F.number(n))


def read_limited(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. A folder, device, pipe or socket
    is refused (never blocks, never reads without end); so is a larger file."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(_("{path} is not a regular file (a folder, device or pipe); a registry needs {what} "
                               "files.", path=str(path), what=what))
        if st.st_size > limit:
            raise InputError(_("{path} is {size}; orgmodel reads {what} files of up to {limit}. Check that this "
                               "is the right file, or split the registry.", path=str(path), what=what,
                               size=_size(st.st_size), limit=_size(limit)))
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(_("Cannot read {path}: {reason}.", path=str(path), reason=exc.strerror)) from None
    if len(data) > limit:  # grew while we read it
        raise InputError(_("{path} is {size}; orgmodel reads {what} files of up to {limit}. Check that this "
                           "is the right file, or split the registry.", path=str(path), what=what,
                           size=_size(len(data)), limit=_size(limit)))
    return data


def sniff_not_text(data: bytes, file: str) -> tuple[int | None, str] | None:
    """``(line, message)`` when ``data`` is not 8-bit text a CSV reader can use: UTF-16/32 (with or
    without a byte-order mark), a workbook saved under a .csv name, or bytes holding NUL."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return 1, _("{file} is UTF-32 text, not UTF-8 CSV; open it in Excel and save it as "
                    "'CSV UTF-8 (Comma delimited) (*.csv)'", file=file)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return 1, _utf16(file)
    if data.startswith(b"PK\x03\x04"):
        return 1, _("{file} is an Excel workbook (.xlsx) with a .csv name; save it from Excel as "
                    "'CSV UTF-8 (Comma delimited) (*.csv)', or give the .xlsx file itself as the registry", file=file)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return 1, _("{file} is an old Excel 97-2003 workbook (.xls); open it in Excel and save it as "
                    "'CSV UTF-8 (Comma delimited) (*.csv)'", file=file)
    nul = data.find(b"\x00")
    if nul < 0:
        return None
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 4 and (odd.count(0) >= 0.3 * len(odd) and even.count(0) <= 0.05 * len(even)
                             or even.count(0) >= 0.3 * len(even) and odd.count(0) <= 0.05 * len(odd)):
        return 1, _utf16(file)
    line = data.count(b"\n", 0, nul) + 1
    return line, _("{file} holds NUL bytes (the first on line {line}): it is not a text CSV but a binary or damaged "
                   "file; open the original in Excel and save it as 'CSV UTF-8 (Comma delimited) (*.csv)'",
                   file=file, line=line)


def _read_csv(path: Path, problems: S.Problems) -> pd.DataFrame:
    file = path.name
    data = read_limited(path, MAX_CSV_BYTES, "CSV")
    wrong = sniff_not_text(data, file)
    if wrong is not None:
        problems.add(S.RANK_FILE, file, wrong[0], None, None, None, wrong[1])
        return pd.DataFrame({"line": pd.array([], dtype="int64")})
    text = _decode(data, file, problems)
    first = text.split("\n", 1)[0]
    delimiter = ","
    if first.count(";") > first.count(",") and first.count(";") >= 2 and first.count(";") >= first.count("\t"):
        delimiter = ";"
        problems.warn(file, 1, None, None, None,
                      _("{file} uses ';' between columns (Vietnamese-locale Excel); read as such. Save as 'CSV UTF-8 (comma "
                        "delimited)' to silence this warning", file=file))
    elif first.count("\t") > first.count(",") and first.count("\t") >= 2:
        delimiter = "\t"
        problems.warn(file, 1, None, None, None,
                      _("{file} uses tabs between columns (Excel's 'Text (Tab delimited)' or 'Unicode Text'); read as such. "
                        "Save it as 'CSV UTF-8 (Comma delimited)' to silence this warning", file=file))
    if first.count(delimiter) >= MAX_COLUMNS:
        problems.add(S.RANK_FILE, file, 1, None, None, None,
                     _("{file}: the header has {n} columns; orgmodel reads at most {limit} (a registry has about a "
                       "dozen). Delete the columns you do not need.", file=file, n=first.count(delimiter) + 1,
                       limit=MAX_COLUMNS))
        return pd.DataFrame({"line": pd.array([], dtype="int64")})
    fast = _read_clean_text(text, delimiter, file, problems)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, lines = [], []
    header = None
    start_line = 1
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))  # a long value is read, not refused: the file is bounded
    try:
        for record in reader:
            end_line = reader.line_num
            if header is None:
                header = record
            else:
                rows.append(record)
                lines.append(start_line)
            start_line = end_line + 1
    except csv.Error as exc:
        problems.add(S.RANK_FILE, file, start_line, None, None, None,
                     _("{file} cannot be read as CSV from line {line} ({reason}); open it in Excel and save it as "
                       "'CSV UTF-8 (Comma delimited)'", file=file, line=start_line, reason=str(exc)))
        return pd.DataFrame({"line": pd.array([], dtype="int64")})
    finally:
        csv.field_size_limit(limit)
    if header is None:
        problems.add(S.RANK_FILE, file, 1, None, None, None,
                     _("{file} is empty; it needs a header row (see registry-format.md)", file=file))
        return pd.DataFrame({"line": pd.array([], dtype="int64")})
    last = lines[-1] if lines else 1
    if text.count('"') % 2 and end_line > last:  # quotes always pair up in a valid CSV
        problems.add(S.RANK_FILE, file, last, None, None, None,
                     _("{file}: a double quote on line {line} is never closed, so lines {line}-{end} were read as one "
                       "row; delete that quote or close it (a quote inside a value is written twice: \"\")",
                       file=file, line=last, end=end_line))
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
        problems.warn(file, 1, None, None, None, _("{file}: {n} empty trailing column(s) ignored", file=file, n=full - len(header)))
    header = [S.nfc(h.strip().lstrip("\ufeff")).lower() for h in header]
    seen = set()
    for i, h in enumerate(header):
        if h == "":
            problems.add(S.RANK_FILE, file, 1, None, f"column {i + 1}", "",
                         _("column {n} of the header has no name; name it or delete the column", n=i + 1))
            header[i] = f"column {i + 1}"
        if h in seen:
            problems.add(S.RANK_FILE, file, 1, None, h, h, _("column {col} appears twice in the header; keep one", col=repr(h)))
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
                         _("row has {n} fields but the header has {width}: a value probably contains the delimiter (e.g. a "
                           "comma in a name); put that value in double quotes. The row was not read", n=len(rec), width=width))
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
                              _("{col} {value} had stray spaces or non-NFC characters; read as {clean}", col=col, value=repr(raw[i]),
                                clean=repr(clean[i])))
        out[col] = clean
    return pd.DataFrame(out, index=df.index, dtype=object)


def _read_excel(path: Path, problems: S.Problems) -> tuple[pd.DataFrame, pd.DataFrame]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - installed with the package
        raise InputError(_("Reading Excel needs openpyxl: pip install openpyxl")) from None
    check_workbook(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InputError(_("Cannot open {path} as an Excel workbook ({reason}); save it as .xlsx.", path=str(path),
                           reason=str(exc))) from None
    tables = []
    for sheet in ("units", "events"):
        file = f"{path.name}[{sheet}]"
        rows = _sheet_rows(wb[sheet], path, sheet, file) if sheet in wb.sheetnames else None
        if rows is None:
            problems.add(S.RANK_FILE, file, None, None, None, None,
                         _("{file} has no sheet {sheet} (sheets: {sheets}); a registry workbook needs sheets 'units' and 'events'",
                           file=path.name, sheet=repr(sheet), sheets=", ".join(wb.sheetnames)))
        elif not rows:
            problems.add(S.RANK_FILE, file, 1, None, None, None,
                         _("sheet {sheet} of {file} is empty; it needs a header row", sheet=repr(sheet), file=path.name))
        else:
            tables.append(_frame(rows[0], rows[1:], list(range(2, len(rows) + 1)), file, problems))
    wb.close()
    _raise_if_errors(problems, path)
    return tables[0], tables[1]


def check_workbook(path: Path) -> None:
    """Refuse, before openpyxl opens it, a workbook that is not a zip, or whose members would take
    unbounded time or memory to unpack (a zip bomb, huge shared strings): sizes come from the zip's
    directory, which Python's zipfile also enforces while unpacking."""
    read_limited_size = os.stat(path).st_size if path.is_file() else 0
    if read_limited_size > MAX_XLSX_BYTES:
        raise InputError(_("{path} is {size}; orgmodel reads workbooks of up to {limit}. Check that this is "
                           "the right file.", path=str(path), size=_size(read_limited_size), limit=_size(MAX_XLSX_BYTES)))
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InputError(_("{path} is not an .xlsx workbook (an .xlsx file is a zip archive). If it is an old .xls "
                           "workbook or a CSV file renamed, open it in Excel and save it as 'Excel Workbook (*.xlsx)'.",
                           path=str(path))) from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise InputError(_("{path} holds {n} parts; a registry workbook has a few dozen at most (limit {limit}). "
                           "Save the sheets 'units' and 'events' into a new workbook.", path=str(path),
                           n=len(members), limit=MAX_XLSX_MEMBERS))
    total = 0
    for m in members:
        total += m.file_size
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > 2**20 and ratio > ZIP_BOMB_RATIO:
            raise InputError(_("{path}: its part {member} unpacks {ratio}-fold to {size} MB, as a zip bomb does; a "
                               "real sheet compresses about 10-fold. The file was not opened.", path=str(path),
                               member=m.filename, ratio=int(ratio), size=m.file_size // 2**20))
        if m.file_size > MAX_XLSX_MEMBER or total > MAX_XLSX_TOTAL:
            raise InputError(_("{path}: its part {member} unpacks to {size} MB (limit {limit} MB per part, {total} MB "
                               "in all); a registry workbook is far smaller. Remove unused sheets, formatting and "
                               "columns, or save the registry as CSV.", path=str(path), member=m.filename,
                               size=m.file_size // 2**20, limit=MAX_XLSX_MEMBER // 2**20, total=MAX_XLSX_TOTAL // 2**20))


def _sheet_rows(ws, path: Path, sheet: str, file: str) -> list[list[str]]:
    """The rows of a sheet as text, without trailing empty cells and rows. The sheet's recorded
    used range is ignored (it may claim A1:XFD1048576); at most MAX_COLUMNS columns hold values,
    and at most MAX_CELLS cells (empty ones included) are looked at."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # read-only mode would otherwise pad every row to the recorded range
    rows: list[list[str]] = []
    pending = 0  # empty rows seen since the last row with a value
    cells_seen = 0
    try:
        for r in ws.iter_rows(values_only=True):
            line = len(rows) + pending + 1
            cells_seen += len(r) + 1
            if cells_seen > MAX_CELLS:
                raise InputError(_("{file}: the sheet has more than {limit} cells up to row {line} (counting empty cells "
                                   "Excel keeps, e.g. formatting down to row 1,048,576 or out to column XFD); a registry "
                                   "is far smaller. Copy the table into a new sheet, or save it as CSV.",
                                   file=file, limit=F.number(MAX_CELLS), line=line))
            n = len(r)
            while n and (r[n - 1] is None or r[n - 1] == ""):
                n -= 1
            if n > MAX_COLUMNS:
                raise InputError(_("{file}: row {line} has a value in column {col}; orgmodel reads at most {limit} "
                                   "columns (a registry has about a dozen). Delete the columns you do not need.",
                                   file=file, line=line, col=n, limit=MAX_COLUMNS))
            if not n:
                pending += 1
                continue
            rows.extend([] for _ in range(pending))
            pending = 0
            rows.append([_cell(c) for c in r[:n]])
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged sheet
        raise InputError(_("Cannot read sheet {sheet} of {path} ({reason}); open the workbook in Excel and save it "
                           "again as .xlsx.", sheet=repr(sheet), path=str(path), reason=f"{type(exc).__name__}: {exc}")) from None
    return rows


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
        raise InputError(_("{where}: registry.yaml is not valid YAML ({what}); fix it or remove the file.", where=where,
                           what=what)) from None
    if not isinstance(meta, dict):
        raise InputError(_("{path} must hold a mapping (name: ..., start: ...), not {type}.", path=str(p),
                           type=type(meta).__name__))
    return meta


def _raise_if_errors(problems: S.Problems, path: Path) -> None:
    if problems.errors:
        n = len(problems.errors)
        raise ValidationError(problems.frame("error"), header=_(
            "Registry {path} is invalid: {n} problem(s) (file:line: message), most important first:", path=str(path), n=n))
