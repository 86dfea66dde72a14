"""Safe output: every file is written atomically, and an output folder is never mixed.

* :func:`atomic_write_text` / :func:`atomic_write_bytes` write to a temporary file in the same
  folder and ``os.replace`` it into place, so an interrupted run leaves the old file or the new
  one, never half of one.
* :func:`output_dir` builds a whole output folder in a temporary sibling and swaps it in at the
  end. A folder that orgmodel wrote before (it holds the marker ``.orgmodel-output``) is replaced;
  a non-empty folder without the marker is refused, so user files are never overwritten or mixed
  with new results.
* :func:`refuse_overlap` stops a command, before it writes anything, from writing over, into or
  around any file it reads, whatever the path: symbolic links, hard links and bind mounts are seen
  through (device and inode numbers). Every writing command calls it.
* A run killed with ``kill -9`` leaves the previous output intact (the folder swap is one atomic
  ``renameat2(RENAME_EXCHANGE)`` where the system has it); what it leaves beside the output
  (``.<name>.orgmodel-<pid>-*.tmp`` / ``.old``) is removed by the next run writing there, once
  process ``<pid>`` no longer runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

from .errors import OutputError
from .i18n import N_, _

MARKER = ".orgmodel-output"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cannot_write(path, exc: OSError) -> OutputError:
    return OutputError(_("Cannot write {path}: {reason}. Choose another output path (--out).", path=str(path),
                         reason=exc.strerror or str(exc)))


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    path = Path(path)
    if path.is_dir():
        raise OutputError(_("Cannot write {path}: it is a folder. Give a file name, e.g. --out {example}.", path=str(path),
                            example=str(path / "out.csv")))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(path.parent, path.name)
        fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path.name), suffix=".tmp", dir=path.parent)
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
REGISTRY_FILES = frozenset({"units.csv", "events.csv", "indicators.csv", "unit_types.csv"})


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


MAX_WALK = 100_000  # entries of an existing output folder looked at for links to inputs


def refuse_overlap(out: str | os.PathLike, inputs: Iterable, *, folder: bool = True) -> None:
    """Refuse (:class:`OutputError`, exit 3) writing ``out`` when it would write, replace or delete
    anything the run reads. ``inputs``: paths, or ``(path, label)`` pairs such as
    ``(registry, "the registry")``; a folder stands for itself and every file in it.

    Refused, naming the input: ``out`` is an input, lies inside an input folder or holds an input
    (the output folder is replaced as a whole), all after following symbolic links; ``out`` or
    one of its folders is an input folder by device and inode (a bind mount, another spelling on a
    case-insensitive disk); and an existing ``out`` holding a file that is an input (a hard link or
    symbolic link) or a link to a folder holding one. With ``folder`` (an output folder, replaced as
    a whole) also :func:`check_output_folder`. Call it before computing anything long."""
    out = Path(out)
    if folder:
        check_output_folder(out)
    pairs = []
    for item in inputs:
        p, label = item if isinstance(item, tuple) else (item, "an input file")
        if p is not None:
            pairs.append((Path(p), label))
    if not pairs:
        return
    checked: list[tuple[Path, Path, str]] = []  # (given path, resolved path, label), folders expanded
    for p, label in pairs:
        checked.append((p, _resolve(p), label))
        if p.is_dir():
            try:
                entries = sorted(os.scandir(p), key=lambda e: e.name)[:MAX_WALK]
            except OSError:
                entries = []
            checked.extend((Path(e.path), _resolve(Path(e.path)), label) for e in entries)
    out_r = _resolve(out)
    for p, p_r, label in checked:
        if out_r == p_r or out_r.is_relative_to(p_r) and p_r.is_dir() or p_r.is_relative_to(out_r):
            raise _overlap(out, p, label)
    idents = {}
    for p, _r, label in checked:
        key = _ident(p)
        if key is not None:
            idents.setdefault(key, (p, label))
    key = _ident(out)
    if key in idents:  # out is an input by another name (a hard link)
        raise _overlap(out, *idents[key])
    for a in (out_r, *out_r.parents):
        key = _ident(a)
        if key in idents and Path(idents[key][0]).is_dir():
            raise _overlap(out, idents[key][0], idents[key][1])
    if not out.is_dir() or out.is_symlink():
        return
    seen = 0
    for root, dirs, files in os.walk(out, followlinks=False):
        for name in dirs + files:
            seen += 1
            if seen > MAX_WALK:
                return
            entry = Path(root) / name
            key = _ident(entry)
            if key in idents:
                p, label = idents[key]
                raise _overlap(out, p, label, via=entry)
            if entry.is_symlink() and entry.is_dir():
                target = _resolve(entry)
                for p, p_r, label in checked:
                    if p_r.is_relative_to(target):
                        raise _overlap(out, p, label, via=entry)


def _resolve(p: Path) -> Path:
    try:
        return p.resolve()
    except (OSError, RuntimeError):  # a symbolic-link loop: compare as given
        return Path(os.path.abspath(p))


def _ident(p: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(p)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


#: How a refusal names what it protects (callers pass these English labels; the catalogue translates).
INPUT_LABELS = (N_("the registry"), N_("the scenario file"), N_("an input file"), N_("an input file of the scenario"))


def _overlap(out: Path, p: Path, label: str, via: Path | None = None) -> OutputError:
    label = _(label)  # "the registry", "the scenario file", "an input file", "an input file of the scenario"
    if via is not None:
        return OutputError(_("Refusing to write to {out}: {via} in it is the same file as {what} ({path}) (a link), and "
                             "orgmodel never changes its input. Remove the link, or choose another output folder, e.g. "
                             "--out reports/<name>.", out=str(out), via=str(via), what=label, path=str(p)))
    return OutputError(_("Refusing to write to {out}: it would change {what} ({path}), and orgmodel never changes its "
                         "input. Choose an output path outside it, e.g. --out reports/<name>.",
                         out=str(out), what=label, path=str(p)))


# ---------------------------------------------------------------- what a killed run leaves behind

_STALE = re.compile(r"^\.(?P<name>.+)\.orgmodel-(?P<pid>[0-9]+)-[A-Za-z0-9_]+\.(?P<kind>tmp|old)$")


def _tmp_prefix(name: str) -> str:
    return f".{name}.orgmodel-{os.getpid()}-"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def clean_stale(folder: str | os.PathLike, name: str) -> list[Path]:
    """Remove the temporary files and folders that a killed run left beside ``folder/name`` (only
    those named by :func:`_tmp_prefix` whose process no longer runs). If ``name`` itself is
    missing because the run was killed between the two renames of a swap (systems without an
    atomic exchange), the previous output is put back first. Returns what was removed."""
    folder = Path(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    stale = [e for e in entries if (m := _STALE.match(e.name)) and m["name"] == name and not _alive(int(m["pid"]))]
    target = folder / name
    if not os.path.lexists(target):
        olds = [e for e in stale if e.name.endswith(".old") and e.is_dir(follow_symlinks=False)]
        if olds:
            newest = max(olds, key=lambda e: e.stat(follow_symlinks=False).st_mtime)
            with contextlib.suppress(OSError):
                os.rename(newest.path, target)
                stale.remove(newest)
    removed = []
    for e in stale:
        with contextlib.suppress(OSError):
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path)
            else:
                os.unlink(e.path)
            removed.append(Path(e.path))
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where the system
    or file system cannot, so that the caller falls back to two renames."""
    fn = getattr(_libc(), "renameat2", None)
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to ask
        return None


def check_output_folder(out: str | os.PathLike) -> None:
    """Refuse an output folder that cannot be replaced as a whole: the current folder (``--out .``)
    or one that holds it, and a symbolic link (replacing it would replace the link, not the folder)."""
    out = Path(out)
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    out_r = _resolve(out)
    if cwd is not None and (out_r == cwd or out_r in cwd.parents):
        raise OutputError(_("Refusing to write to {out}: it is the current folder or holds it, and an output folder "
                            "is replaced as a whole. Give a new folder, e.g. --out reports/<name>.", out=str(out)))
    if out.is_symlink():
        raise OutputError(_("Output folder {out} is a symbolic link (to {target}); orgmodel replaces an output folder "
                            "as a whole, so give the real folder or a new one with --out.", out=str(out),
                            target=os.readlink(out)))


@contextlib.contextmanager
def output_dir(out: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a fresh temporary folder; on success it replaces ``out`` as a whole.

    ``out`` may not exist, may be empty, or may be a folder orgmodel wrote (marker file present).
    Anything else is refused unless ``force``. On an exception nothing at ``out`` changes.
    """
    out = Path(out)
    check_output_folder(out)
    if out.exists():
        if not out.is_dir():
            raise OutputError(_("Output path {out} exists and is not a folder; choose another --out.", out=str(out)))
        has_files = any(out.iterdir())
        if has_files and not (out / MARKER).exists() and not force:
            raise OutputError(_("Output folder {out} already holds files that orgmodel did not write; refusing to mix new "
                                "results with them. Choose an empty or new folder (or pass --force to replace it).",
                                out=str(out)))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(out.parent, out.name)
        tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(out.name), suffix=".tmp", dir=out.parent))
        os.chmod(tmp, 0o777 & ~_umask())
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    try:
        yield tmp
        (tmp / MARKER).write_text("written by orgmodel; this folder is replaced as a whole on the next run\n", encoding="utf-8")
        if out.exists() and _exchange(tmp, out):
            shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous output
        elif out.exists():
            old = Path(tempfile.mkdtemp(prefix=_tmp_prefix(out.name), suffix=".old", dir=out.parent))
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
