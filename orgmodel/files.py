"""Safe output: every file is written atomically, and an output folder is never mixed.

* :func:`atomic_write_text` / :func:`atomic_write_bytes` write to a temporary file in the same
  folder and ``os.replace`` it into place, so an interrupted run leaves the old file or the new
  one, never half of one.
* :func:`output_dir` builds a whole output folder in a temporary sibling and swaps it in at the
  end. A folder that orgmodel wrote before (it holds the marker ``.orgmodel-output``) is replaced;
  a non-empty folder without the marker is refused, so user files are never overwritten or mixed
  with new results.
* :func:`refuse_inside` stops a command from writing into the registry it reads.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pandas as pd

from .errors import OutputError

MARKER = ".orgmodel-output"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cannot_write(path, exc: OSError) -> OutputError:
    return OutputError(f"Cannot write {path}: {exc.strerror or exc}. Choose another output path (--out).")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"Cannot write {path}: it is a folder. Give a file name, e.g. --out {path / 'out.csv'}.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text with ``\\n`` line ends, atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


#: Text a spreadsheet would run as a formula when it starts with one of these (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """``value`` made inert for a spreadsheet (OWASP "CSV injection"): text that starts with
    = + - @, a tab or a carriage return gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str):
        if value.startswith(FORMULA_START):
            value = "'" + value
        if "\r" in value:  # a bare CR would end the row for many readers; as LF the field is quoted
            value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


#: Files of the registry format (registry-format.md): plain UTF-8 data that must read back exactly.
REGISTRY_FILES = frozenset({"units.csv", "events.csv", "indicators.csv"})


def atomic_write_csv(df: pd.DataFrame, path: str | os.PathLike, *, bom: bool | None = None, escape: bool | None = None,
                     **kwargs) -> Path:
    """Write a DataFrame as CSV, atomically and byte-reproducibly: UTF-8 with a byte-order mark
    (``bom``; Excel then shows Vietnamese letters right; orgmodel's readers skip it), no index
    unless asked, ``\n`` line ends, and text cells escaped per OWASP (``escape``). Both default
    to on for every output a person opens (plan.csv, frontier.csv, crosswalks …) and to off for
    the files of a registry (:data:`REGISTRY_FILES`: plain UTF-8 data that orgmodel reads back
    and must get back exactly, as registry-format.md defines them). Escaping: a value that
    starts with = + - @, a tab or a carriage return is written with a leading apostrophe, so
    a spreadsheet shows it as text and never runs it; a carriage return inside text becomes a line
    feed (so the field is quoted and the row stays whole). Numbers are never touched."""
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    data_file = Path(path).name in REGISTRY_FILES
    bom = not data_file if bom is None else bom
    escape = not data_file if escape is None else escape
    if escape:
        df = df.copy()
        for col in df.columns[[dt == object or str(dt) in ("string", "str") for dt in df.dtypes]]:
            df[col] = df[col].map(escape_formula)
    text = df.to_csv(**kwargs)
    return atomic_write_bytes(path, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def refuse_inside(out: str | os.PathLike, protected: str | os.PathLike, what: str = "the registry") -> None:
    """Refuse an output path that would touch ``protected`` (an input we must not change): the
    same path, a path inside it (when it is a folder), or a folder that contains it (an output
    folder is replaced as a whole, which would delete the input)."""
    out_r, prot_r = Path(out).resolve(), Path(protected).resolve()
    inside = prot_r.is_dir() and prot_r in out_r.parents
    if out_r == prot_r or inside or out_r in prot_r.parents:
        raise OutputError(
            f"Refusing to write to {out}: it would change {what} ({protected}), and orgmodel never changes "
            f"its input. Choose an output path outside it, e.g. --out reports/<name>."
        )


@contextlib.contextmanager
def output_dir(out: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces ``out`` as a whole.

    ``out`` may not exist, may be empty, or may be a folder orgmodel wrote (marker file present).
    Anything else is refused unless ``force``. On an exception nothing at ``out`` changes.
    """
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"Output path {out} exists and is not a folder; choose another --out.")
        has_files = any(out.iterdir())
        if has_files and not (out / MARKER).exists() and not force:
            raise OutputError(
                f"Output folder {out} already holds files that orgmodel did not write; "
                f"refusing to mix new results with them. Choose an empty or new folder "
                f"(or pass --force to replace it)."
            )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
        os.chmod(tmp, 0o777 & ~_umask())
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    try:
        yield tmp
        (tmp / MARKER).write_text("written by orgmodel; this folder is replaced as a whole on the next run\n", encoding="utf-8")
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.rmdir(old)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _cannot_write(out, exc) from None
        raise
