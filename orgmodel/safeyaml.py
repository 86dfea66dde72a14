"""Bounded YAML: scenarios and ``registry.yaml`` arrive by email, so a small hostile file must be
refused at once, with ``file:line``, instead of hanging or exhausting memory.

Before any node is built, the event stream (libyaml's C parser when available, else PyYAML's) is
scanned once, and the first of these stops the read (:class:`~orgmodel.errors.InputError`, exit 2):

* a file over :data:`MAX_BYTES` (checked before reading the rest of it);
* an alias ``*name`` (the "billion laughs" bomb is built from aliases; plain files never need one);
* nesting deeper than :data:`MAX_DEPTH` (a scenario is 4 levels deep; PyYAML's composer recurses);
* a tag other than the core ones (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``);
* a merge key ``<<`` (it only makes sense with aliases, and silently rewrites mappings);
* a plain number with more than :data:`MAX_NUMBER_DIGITS` digits (Python refuses to convert
  integers of more than 4,300 digits, which would otherwise surface as an internal error).

Syntax errors are left to PyYAML (:class:`yaml.YAMLError`, with its mark) so that callers keep
their own wording for them. Nothing here writes.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from . import fmt as F
from .errors import InputError
from .i18n import _

MAX_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_NUMBER_DIGITS = 100
CORE_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))

_PARSER = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
_NUMBER = re.compile(r"^[-+]?[0-9_.,eExXoObB]+$")


def read_bytes(path: str | os.PathLike, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; refused (exit 2) otherwise.

    Never blocks on a named pipe or reads a device such as ``/dev/zero`` without end."""
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputError(_("Cannot read {file}: {reason}.", file=str(path), reason=exc.strerror or str(exc))) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(_("{file} is not a regular file (a folder, device or pipe); give a text file.", file=str(path)))
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(_("Cannot read {file}: {reason}.", file=str(path), reason=exc.strerror or str(exc))) from None
    if len(data) > limit:
        raise InputError(_("{file} is larger than {limit} bytes; a scenario or registry.yaml is a few kilobytes. "
                           "Check that this is the right file.", file=str(path), limit=F.number(limit)))
    return data


def check(text: str, file: str) -> None:
    """Scan ``text`` once and refuse what :mod:`orgmodel.safeyaml` does not accept (see above)."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_BYTES:
        raise InputError(_("{file} is larger than {limit} bytes; a scenario or registry.yaml is a few kilobytes. "
                           "Check that this is the right file.", file=file, limit=F.number(MAX_BYTES)))
    try:
        _scan(text, file)
    except yaml.YAMLError as exc:  # libyaml stops at 1,000 levels itself: say it as we do
        if "nesting depth" not in str(exc):
            raise
        mark = getattr(exc, "problem_mark", None)
        raise InputError(_("{file}:{line}: the YAML is nested more than {limit} levels deep; a scenario "
                           "needs 4. Check the indentation and brackets.", file=file,
                           line=mark.line + 1 if mark is not None else "?", limit=MAX_DEPTH)) from None


def _scan(text: str, file: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_PARSER):
        line = event.start_mark.line + 1 if event.start_mark is not None else "?"
        if isinstance(event, yaml.AliasEvent):
            raise InputError(_("{file}:{line}: YAML aliases (*{name}) are not accepted; write the value out in full "
                               "where it is needed.", file=file, line=line, name=event.anchor))
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in CORE_TAGS:
            raise InputError(_("{file}:{line}: the YAML tag {tag} is not accepted; remove it (plain values are read "
                               "as text, numbers, true/false or dates).", file=file, line=line, tag=tag.replace("tag:yaml.org,2002:", "!!")))
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(_("{file}:{line}: the YAML is nested more than {limit} levels deep; a scenario "
                                   "needs 4. Check the indentation and brackets.", file=file, line=line, limit=MAX_DEPTH))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent) and event.implicit[0]:  # a plain (unquoted) scalar
            value = event.value
            if value == "<<":
                raise InputError(_("{file}:{line}: YAML merge keys (<<) are not accepted; write the keys out.",
                                   file=file, line=line))
            if len(value) > MAX_NUMBER_DIGITS and _NUMBER.match(value):
                raise InputError(_("{file}:{line}: a number with {n} characters; no value here needs more than "
                                   "{limit}.", file=file, line=line, n=len(value), limit=MAX_NUMBER_DIGITS))


def compose(text: str, file: str, Loader=yaml.SafeLoader) -> yaml.Node | None:
    """:func:`check`, then the node tree (with line marks) of the one document in ``text``."""
    check(text, file)
    return yaml.compose(text, Loader=Loader)


def safe_load(text: str, file: str, Loader=yaml.SafeLoader) -> Any:
    """:func:`check`, then the plain Python value of the one document in ``text``."""
    check(text, file)
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass, after the checks
    except (ValueError, OverflowError) as exc:  # e.g. a date 0000-01-01, which YAML reads as a timestamp
        raise InputError(_("{file}: a value could not be read ({reason}); write dates as YYYY-MM-DD between "
                           "0001-01-01 and 9999-12-31.", file=file, reason=str(exc))) from None
