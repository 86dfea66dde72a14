"""Scenario files (scenario-format.md, version 1): read a YAML question and check it thoroughly.

:func:`load_scenario` parses the YAML, refuses unknown keys (naming the nearest valid key),
malformed values, unknown kinds, units and columns and bad dates — all problems of one file
together, each with its line — loads the registry the scenario names, and returns a
:class:`Scenario`. The dataclasses are plain and mutable so a notebook can load a scenario,
change a number (``scn.rules.max_staff = 500``) and solve again.

Values given in ``scope`` and ``where`` are compared as text with the unit table (``15`` matches a
staff of 15); a list matches any of its items.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import fmt as F
from . import safeyaml
from . import schema as S
from .dates import parse_date_cell
from .errors import InputError, ValidationError
from .i18n import _
from .vocab import Target  # noqa: F401  (the one Target; scenarios build it)
from .timeline import text_values

TARGET_KINDS = ("agency", "psu", "all")
MOVABLE_KINDS = ("agency", "psu")
SOLVERS = ("highs", "cbc")

TOP_KEYS = ("name", "description", "registry", "plan_from", "baseline", "targets", "movable",
            "scope", "rules", "objective", "solver", "pins")
TARGET_KEYS = ("kind", "reduce_pct", "reduce_count", "baseline", "where")
RULE_KEYS = ("merge_within", "max_distance_km", "max_staff", "min_staff", "keep_per", "protected", "compatible")
PIN_KEYS = ("merge", "forbid", "keep")
OBJECTIVE_KEYS = ("per_merge", "staff_moved", "staff_km")
SOLVER_KEYS = ("name", "time_limit_s", "threads")
SECTIONS = {"rules": RULE_KEYS, "objective": OBJECTIVE_KEYS, "solver": SOLVER_KEYS, "targets[]": TARGET_KEYS,
            "pins": PIN_KEYS}
REQUIRED_TOP = ("name", "registry", "plan_from", "targets")

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# ---------------------------------------------------------------- the scenario


@dataclass
class Rules:
    merge_within: tuple[str, ...] = ("parent_id", "sector")
    max_distance_km: float | None = None
    max_staff: int | None = None
    min_staff: int | None = None
    keep_per: tuple[str, ...] | None = None
    protected: tuple[str, ...] = ()
    #: merge compatibility by unit_type (scenario-format 1.1): None (unset: the shipped table
    #: whenever the registry has unit_type), "default", "off", or the path of a CSV of pairs
    compatible: str | None = None


@dataclass
class Pins:
    """The planner's own decisions (scenario-format 1.1): ``merge`` pairs (u, v) made in every
    plan, ``forbid`` pairs never made, ``keep`` units never absorbed."""

    merge: tuple[tuple[str, str], ...] = ()
    forbid: tuple[tuple[str, str], ...] = ()
    keep: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.merge or self.forbid or self.keep)


@dataclass
class Objective:
    per_merge: float = 10.0
    staff_moved: float = 1.0
    staff_km: float = 0.1


@dataclass
class SolverOptions:
    name: str = "highs"
    time_limit_s: float = 60.0
    threads: int | None = None


@dataclass
class Scenario:
    """A validated scenario with its registry loaded (``scn.registry``, ``scn.timeline``)."""

    name: str
    registry_path: Path
    plan_from: dt.date
    baseline: dt.date
    targets: list[Target]
    description: str = ""
    movable: tuple[str, ...] = MOVABLE_KINDS
    scope: dict[str, tuple[str, ...]] | None = None
    rules: Rules = field(default_factory=Rules)
    objective: Objective = field(default_factory=Objective)
    solver: SolverOptions = field(default_factory=SolverOptions)
    pins: Pins = field(default_factory=Pins)
    path: Path | None = None
    registry: Any = field(default=None, repr=False)

    @cached_property
    def timeline(self):
        from .timeline import Timeline

        return Timeline(self.registry)

    @property
    def input_files(self) -> tuple[str, ...]:
        """Files besides the registry and the scenario that a run reads (a compatibility CSV)."""
        c = self.rules.compatible
        return (c,) if c and c not in ("default", "off") else ()

    @property
    def source(self) -> str:
        """How messages name this scenario: its file, or its name when built in code."""
        return str(self.path) if self.path is not None else f"scenario {self.name!r}"


# ---------------------------------------------------------------- YAML with line numbers


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text (we parse them ourselves, with a clear message)."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class _Node:
    """A YAML value with the line it starts on (mappings keep each key's line)."""

    value: Any
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)


class _Reader:
    """Turns YAML nodes into :class:`_Node` trees and collects problems with their lines."""

    def __init__(self, file: str):
        self.file = file
        self.problems = S.Problems()
        self._scalar = _Loader("")

    def error(self, line: int | None, key: str, message: str, value: Any = None) -> None:
        self.problems.add(S.RANK_VALUE, self.file, line, None, key, value, message)

    def tree(self, node: yaml.Node, path: str) -> _Node:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out, lines = {}, {}
            for k_node, v_node in node.value:
                key = self._scalar.construct_object(k_node) if isinstance(k_node, yaml.ScalarNode) else None
                if not isinstance(key, str):
                    self.error(k_node.start_mark.line + 1, path or "(top)", _("{where}: keys must be plain names, not {tag}", where=_where(path),
                                                                            tag=k_node.tag.rsplit(":", 1)[-1]))
                    continue
                if key in out:
                    self.error(k_node.start_mark.line + 1, _join(path, key), _("{key} is given twice (first on line {line}); keep one",
                                                                                     key=_join(path, key), line=lines[key]))
                    continue
                lines[key] = k_node.start_mark.line + 1
                out[key] = self.tree(v_node, _join(path, key))
            return _Node(out, line, lines)
        if isinstance(node, yaml.SequenceNode):
            return _Node([self.tree(item, f"{path}[{i}]") for i, item in enumerate(node.value)], line)
        return _Node(self._scalar.construct_object(node), line)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _where(path: str) -> str:
    return path if path else _("the top level")


def _plain(node: _Node | None) -> Any:
    """A node tree back to plain Python values (for error messages)."""
    if node is None:
        return None
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


# ---------------------------------------------------------------- the checks


def load_scenario(path: str | Path) -> Scenario:
    """Read, check and return a scenario; its registry (relative to the file) is loaded too.

    Raises :class:`InputError` for a missing file or registry, :class:`ValidationError` listing
    every problem in the scenario (``file:line: message``), or the registry's own
    ``ValidationError`` when the registry is invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(_("Scenario {path} does not exist; give a YAML file such as scenarios/psu-10pct-2025.yaml.",
                           path=str(path)))
    try:
        text = unicodedata.normalize("NFC", safeyaml.read_bytes(path).decode("utf-8-sig"))  # ids typed in any Unicode form
    except UnicodeDecodeError:
        raise InputError(_("Scenario {path} is not UTF-8 text; save it as UTF-8.", path=str(path))) from None
    reader = _Reader(str(path))
    try:
        root = safeyaml.compose(text, str(path), Loader=_Loader)  # bounded: aliases, depth, tags, size
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(_("{where}: not valid YAML ({problem}); check the indentation and quoting near that line.",
                           where=f"{path}{line}", problem=problem)) from None
    if root is None or not isinstance(root, yaml.MappingNode):
        raise InputError(_("{path}: a scenario is a YAML mapping with at least {keys} (see docs/scenario-format.md).",
                           path=str(path), keys=", ".join(REQUIRED_TOP)))
    tree = reader.tree(root, "")
    scn = _build(tree, path, reader)
    if reader.problems.errors:
        _raise(reader, path)
    scn.registry = _load_registry(scn, path)
    _check_against_registry(scn, tree, reader)
    if reader.problems.errors:
        _raise(reader, path)
    return scn


def _raise(reader: _Reader, path: Path) -> None:
    n = len(reader.problems.errors)
    raise ValidationError(reader.problems.frame("error"),
                          header=_("Scenario {path} is invalid: {n} problem(s) (file:line: message):", path=str(path), n=n))


def _load_registry(scn: Scenario, path: Path):
    from .registry import load_registry

    reg_path = scn.registry_path
    if not reg_path.exists():
        raise InputError(_("{path}: registry {registry} (key 'registry', relative to the scenario file) does not exist; "
                           "give the registry folder, e.g. registry: ../data/quang-ninh.", path=str(path), registry=str(reg_path)))
    return load_registry(reg_path)


def _unknown_keys(reader: _Reader, node: _Node, valid: tuple[str, ...], path: str) -> None:
    here = path.split("[")[0] if path else ""
    for key, line in node.key_lines.items():
        if key in valid:
            continue
        msg = _("unknown key {key}", key=repr(_join(path, key)))
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        elsewhere = [f"{sec}.{k}" if sec else k
                     for sec, keys in {"": TOP_KEYS, **SECTIONS}.items() if sec.replace("[]", "") != here
                     for k in difflib.get_close_matches(key, keys, n=1, cutoff=0.75)]
        if close:
            msg += _("; did you mean {name}?", name=repr(close[0]))
        elif elsewhere:
            where = elsewhere[0].replace("[]", "[i]")
            msg += (_("; it belongs under {section} ({where})", section=repr(where.rsplit(".", 1)[0]), where=where)
                    if elsewhere[0].endswith("." + key) or elsewhere[0] == key else _("; did you mean {name}?", name=repr(where)))
        msg += " " + (_("(valid keys in {path}: {keys})", path=path, keys=", ".join(valid)) if path
                      else _("(valid keys at the top level: {keys})", keys=", ".join(valid)))
        reader.error(line, _join(path, key), msg, key)


def _mapping(reader: _Reader, node: _Node | None, path: str, valid: tuple[str, ...]) -> _Node | None:
    if node is None or node.value is None:
        return None
    if not isinstance(node.value, dict):
        reader.error(node.line, path, _("{path} must be a mapping of {keys}, not {value}", path=path, keys=", ".join(valid),
                                          value=repr(_plain(node))))
        return None
    _unknown_keys(reader, node, valid, path)
    return node


def _get(node: _Node | None, key: str) -> _Node | None:
    if node is None or not isinstance(node.value, dict):
        return None
    return node.value.get(key)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _number(reader, node, path, *, minimum=None, positive=False, integer=False):
    if node is None or node.value is None:
        return None
    v = node.value
    if not _is_number(v) or (integer and float(v) != int(v)):
        what = _("{path} must be a whole number, not {value}") if integer else _("{path} must be a number, not {value}")
        reader.error(node.line, path, what.format(path=path, value=repr(v)), v)
        return None
    if positive and v <= 0:
        reader.error(node.line, path, _("{path} must be more than 0, not {value}", path=path, value=repr(v)), v)
        return None
    if minimum is not None and v < minimum:
        reader.error(node.line, path, _("{path} must be at least {minimum}, not {value}", path=path, minimum=minimum,
                                          value=repr(v)), v)
        return None
    return int(v) if integer else float(v)


def _date(reader, node, path) -> dt.date | None:
    if node is None or node.value is None:
        return None
    d, _warning = parse_date_cell(str(node.value)) if isinstance(node.value, str) else (None, None)
    if d is None or not re.match(r"^\d{4}-\d{2}-\d{2}$", str(node.value).strip()):
        reader.error(node.line, path, _("{path} {value} is not a valid date; write it as YYYY-MM-DD, e.g. 2021-12-31",
                                          path=path, value=repr(node.value)), node.value)
        return None
    return d


def _text_list(reader, node, path, *, allow_empty=False) -> tuple[str, ...] | None:
    if node is None or node.value is None:
        return None
    items = node.value if isinstance(node.value, list) else None
    if items is None:
        reader.error(node.line, path, _("{path} must be a list, e.g. [parent_id, sector], not {value}", path=path,
                                          value=repr(_plain(node))))
        return None
    out = []
    for i, item in enumerate(items):
        if not isinstance(item.value, (str, int)) or isinstance(item.value, bool) or str(item.value).strip() == "":
            reader.error(item.line, f"{path}[{i}]", _("{path} must be a name or id, not {value}", path=f"{path}[{i}]",
                                                       value=repr(item.value)), item.value)
            continue
        out.append(str(item.value).strip())
    if not out and not allow_empty:
        reader.error(node.line, path, _("{path} must not be empty", path=path))
        return None
    if len(set(out)) != len(out):
        dup = sorted({x for x in out if out.count(x) > 1})
        reader.error(node.line, path, _("{path} lists {items} more than once", path=path, items=", ".join(dup)))
    return tuple(out)


def _filter(reader, node, path) -> dict[str, tuple[str, ...]] | None:
    """``scope`` / ``where``: {column: value or list of values} -> {column: tuple of text}."""
    if node is None or node.value is None:
        return None
    if not isinstance(node.value, dict) or not node.value:
        reader.error(node.line, path, _("{path} must be a mapping of column: value (or list of values), e.g. {example}, not "
                                          "{value}", path=path, example="{sector: health}", value=repr(_plain(node))))
        return None
    out = {}
    for col, vnode in node.value.items():
        raw = vnode.value
        items = [n.value for n in raw] if isinstance(raw, list) else [raw]
        bad = [v for v in items if not isinstance(v, (str, int, float)) or isinstance(v, bool) or str(v).strip() == ""]
        if not items or bad:
            reader.error(vnode.line, f"{path}.{col}", _("{path} must be a value or a non-empty list of values, not {value}",
                                                         path=f"{path}.{col}", value=repr(_plain(vnode))))
            continue
        out[col] = tuple(sorted({str(v).strip() for v in items}))
    return out


def _build(tree: _Node, path: Path, r: _Reader) -> Scenario:
    _unknown_keys(r, tree, TOP_KEYS, "")
    for key in REQUIRED_TOP:
        if key not in tree.value:
            r.error(1, key, _("required key {key} is missing (see docs/scenario-format.md)", key=repr(key)))
    name_node = _get(tree, "name")
    name = None if name_node is None else name_node.value
    if name_node is not None and (not isinstance(name, str) or not _SLUG.match(name)):
        r.error(name_node.line, "name", _("name must be a slug (letters, digits, '-', '_', '.'), used for output folders; "
                                           "not {value}", value=repr(name)), name)
    desc_node = _get(tree, "description")
    description = "" if desc_node is None or desc_node.value is None else desc_node.value
    if not isinstance(description, str):
        r.error(desc_node.line, "description", _("description must be text"))
        description = str(description)
    reg_node = _get(tree, "registry")
    registry_path = path.parent
    if reg_node is not None:
        if not isinstance(reg_node.value, str) or not reg_node.value.strip():
            r.error(reg_node.line, "registry", _("registry must be a path to a registry folder, not {value}",
                                                  value=repr(reg_node.value)))
        else:
            registry_path = (path.parent / reg_node.value.strip())
    plan_from = _date(r, _get(tree, "plan_from"), "plan_from")
    baseline = _date(r, _get(tree, "baseline"), "baseline") or plan_from
    targets = _targets(r, _get(tree, "targets"), baseline)
    movable = MOVABLE_KINDS
    mov_node = _get(tree, "movable")
    if mov_node is not None:
        kinds = _text_list(r, mov_node, "movable")
        if kinds is not None:
            for i, k in enumerate(kinds):
                if k not in MOVABLE_KINDS:
                    hint = (" " + _("(governments are structural roots and are never merged)") if k == "government"
                            else _suggest(k, MOVABLE_KINDS))
                    r.error(mov_node.line, f"movable[{i}]", _("movable: unknown kind {kind}; use agency and/or psu{hint}",
                                                              kind=repr(k), hint=hint), k)
            movable = tuple(k for k in MOVABLE_KINDS if k in kinds)
    scope = _filter(r, _get(tree, "scope"), "scope")
    rules = _rules(r, _mapping(r, _get(tree, "rules"), "rules", RULE_KEYS), path)
    pins = _pins(r, _mapping(r, _get(tree, "pins"), "pins", PIN_KEYS))
    objective = _objective(r, _mapping(r, _get(tree, "objective"), "objective", OBJECTIVE_KEYS))
    solver = _solver(r, _mapping(r, _get(tree, "solver"), "solver", SOLVER_KEYS))
    return Scenario(name=name if isinstance(name, str) else "", registry_path=registry_path,
                    plan_from=plan_from, baseline=baseline, targets=targets, description=description,
                    movable=movable, scope=scope, rules=rules, objective=objective, solver=solver, pins=pins, path=path)


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return _("; did you mean {name}?", name=repr(close[0])) if close else ""


def _targets(r: _Reader, node: _Node | None, baseline: dt.date | None) -> list[Target]:
    if node is None:
        return []
    if not isinstance(node.value, list) or not node.value:
        r.error(node.line, "targets", _("targets must be a non-empty list, e.g. {example}",
                                         example="- {kind: psu, reduce_pct: 10}"))
        return []
    out = []
    for i, tnode in enumerate(node.value):
        p = f"targets[{i}]"
        if _mapping(r, tnode, p, TARGET_KEYS) is None:
            if tnode.value is None:
                r.error(tnode.line, p, _("{path} is empty; give kind and reduce_pct or reduce_count", path=p))
            continue
        kind_node = _get(tnode, "kind")
        kind = None if kind_node is None else kind_node.value
        if kind_node is None:
            r.error(tnode.line, f"{p}.kind", _("{path} is missing; use agency, psu or all", path=f"{p}.kind"))
        elif kind not in TARGET_KINDS:
            r.error(kind_node.line, f"{p}.kind", _("{path}: unknown kind {kind}; use agency, psu or all{hint}", path=f"{p}.kind",
                                                  kind=repr(kind), hint=_suggest(str(kind), TARGET_KINDS)), kind)
        pct_node, cnt_node = _get(tnode, "reduce_pct"), _get(tnode, "reduce_count")
        pct = cnt = None
        if (pct_node is None) == (cnt_node is None):
            r.error(tnode.line, p, _("{path} needs exactly one of reduce_pct or reduce_count", path=p))
        elif pct_node is not None:
            v = pct_node.value
            if not _is_number(v) or not 0 <= v <= 100:
                r.error(pct_node.line, f"{p}.reduce_pct", _("{path} must be a percentage between 0 and 100, not {value}",
                                                           path=f"{p}.reduce_pct", value=repr(v)), v)
            else:
                pct = Fraction(str(v))  # exact: 13.5 -> 27/2
        else:
            cnt = _number(r, cnt_node, f"{p}.reduce_count", minimum=0, integer=True)
        t_base = _date(r, _get(tnode, "baseline"), f"{p}.baseline") or baseline
        where = _filter(r, _get(tnode, "where"), f"{p}.where")
        if kind in TARGET_KINDS and (pct is not None or cnt is not None) and t_base is not None:
            out.append(Target(kind=kind, baseline=t_base, reduce_pct=pct, reduce_count=cnt, where=where))
    return out


def _rules(r: _Reader, node: _Node | None, path: Path | None = None) -> Rules:
    rules = Rules()
    if node is None:
        return rules
    cp = _get(node, "compatible")
    if cp is not None and cp.value is not None:
        v = cp.value
        if isinstance(v, bool):  # YAML reads a bare off/no/false as False
            v = "default" if v else "off"
        if not isinstance(v, str) or not v.strip():
            r.error(cp.line, "rules.compatible", _("rules.compatible must be default, off or the path of a CSV of allowed "
                                                  "(unit_type, into_type) pairs, not {value}", value=repr(v)), v)
        elif v.strip() in ("default", "off"):
            rules.compatible = v.strip()
        elif not v.strip().lower().endswith(".csv"):
            r.error(cp.line, "rules.compatible", _("rules.compatible: {value} is neither default, off nor a .csv file{hint}",
                                                  value=repr(v), hint=_suggest(v.strip().lower(), ("default", "off"))), v)
        else:
            target = (path.parent / v.strip()) if path is not None else Path(v.strip())
            if not target.is_file():
                r.error(cp.line, "rules.compatible", _("rules.compatible: the file {file} (relative to the scenario) does not "
                                                      "exist; give a CSV of allowed pairs or write default", file=str(target)), v)
            else:
                rules.compatible = str(target)
    mw = _get(node, "merge_within")
    if mw is not None:
        cols = _text_list(r, mw, "rules.merge_within", allow_empty=True)
        if cols is not None:
            rules.merge_within = cols
    rules.max_distance_km = _number(r, _get(node, "max_distance_km"), "rules.max_distance_km", positive=True)
    rules.max_staff = _number(r, _get(node, "max_staff"), "rules.max_staff", minimum=0, integer=True)
    rules.min_staff = _number(r, _get(node, "min_staff"), "rules.min_staff", minimum=0, integer=True)
    kp = _get(node, "keep_per")
    if kp is not None and kp.value is not None:
        rules.keep_per = _text_list(r, kp, "rules.keep_per")
    pr = _get(node, "protected")
    if pr is not None and pr.value is not None:
        rules.protected = tuple(sorted(_text_list(r, pr, "rules.protected", allow_empty=True) or ()))
    return rules


def _pins(r: _Reader, node: _Node | None) -> Pins:
    pins = Pins()
    if node is None:
        return pins
    pins.merge = _pin_pairs(r, _get(node, "merge"), "pins.merge")
    pins.forbid = _pin_pairs(r, _get(node, "forbid"), "pins.forbid")
    kp = _get(node, "keep")
    if kp is not None and kp.value is not None:
        pins.keep = tuple(sorted(_text_list(r, kp, "pins.keep", allow_empty=True) or ()))
    seen: dict[str, tuple[str, int]] = {}
    for i, (u, v) in enumerate(pins.merge):
        if u in seen and seen[u][0] != v:
            r.error(_item_line(node, "merge", i), f"pins.merge[{i}]", _(
                "{path}: {unit} is pinned to merge into both {first} ({first_path}) and {second}; a unit is absorbed at "
                "most once, keep one", path=f"pins.merge[{i}]", unit=u, first=seen[u][0],
                first_path=f"pins.merge[{seen[u][1]}]", second=v), u)
        seen.setdefault(u, (v, i))
    for i, (u, v) in enumerate(pins.merge):
        if v in seen:
            r.error(_item_line(node, "merge", i), f"pins.merge[{i}]", _(
                "{path}: {into} absorbs {unit} but is itself pinned to merge into {other} ({other_path}); a unit that "
                "absorbs others is not absorbed (merge {unit} into {other} instead)", path=f"pins.merge[{i}]", into=v,
                unit=u, other=seen[v][0], other_path=f"pins.merge[{seen[v][1]}]"), v)
    forbid = {p: i for i, p in enumerate(pins.forbid)}
    for i, p in enumerate(pins.merge):
        if p in forbid:
            r.error(_item_line(node, "merge", i), f"pins.merge[{i}]", _(
                "{path} {pair} is also forbidden by {other}; keep one of the two", path=f"pins.merge[{i}]", pair=list(p),
                other=f"pins.forbid[{forbid[p]}]"), f"{p[0]}->{p[1]}")
    return pins


def _item_line(node: _Node, key: str, i: int) -> int:
    sub = _get(node, key)
    if sub is not None and isinstance(sub.value, list) and i < len(sub.value):
        return sub.value[i].line
    return node.line


def _pin_pairs(r: _Reader, node: _Node | None, path: str) -> tuple[tuple[str, str], ...]:
    if node is None or node.value is None:
        return ()
    if not isinstance(node.value, list):
        r.error(node.line, path, _("{path} must be a list of [unit, into] pairs, e.g. [[QN-A, QN-B]], not {value}", path=path,
                                    value=repr(_plain(node))))
        return ()
    out = []
    for i, item in enumerate(node.value):
        vals = item.value if isinstance(item.value, list) else None
        ok = (vals is not None and len(vals) == 2
              and all(isinstance(x.value, (str, int)) and not isinstance(x.value, bool) and str(x.value).strip() for x in vals))
        if not ok:
            r.error(item.line, f"{path}[{i}]", _("{path} must be a pair [unit, into] of two unit ids, not {value}",
                                                  path=f"{path}[{i}]", value=repr(_plain(item))), _plain(item))
            continue
        u, v = (str(x.value).strip() for x in vals)
        if u == v:
            r.error(item.line, f"{path}[{i}]", _("{path}: {unit} cannot be merged into itself; give two different units",
                                                  path=f"{path}[{i}]", unit=u), u)
            continue
        if (u, v) in out:
            r.error(item.line, f"{path}[{i}]", _("{path} {pair} is given twice; keep one", path=f"{path}[{i}]", pair=f"[{u}, {v}]"),
                    f"{u}->{v}")
            continue
        out.append((u, v))
    return tuple(out)


def _objective(r: _Reader, node: _Node | None) -> Objective:
    obj = Objective()
    for key in OBJECTIVE_KEYS:
        v = _number(r, _get(node, key), f"objective.{key}", minimum=0)
        if v is not None:
            setattr(obj, key, v)
    return obj


def _solver(r: _Reader, node: _Node | None) -> SolverOptions:
    opts = SolverOptions()
    name_node = _get(node, "name")
    if name_node is not None:
        name = name_node.value
        if name not in SOLVERS:
            r.error(name_node.line, "solver.name", _("solver.name: unknown solver {name}; use highs or cbc{hint}", name=repr(name),
                                                    hint=_suggest(str(name).lower(), SOLVERS)), name)
        else:
            opts.name = name
    tl = _number(r, _get(node, "time_limit_s"), "solver.time_limit_s", positive=True)
    if tl is not None:
        opts.time_limit_s = tl
    opts.threads = None if (t := _number(r, _get(node, "threads"), "solver.threads", minimum=1, integer=True)) is None else min(t, os.cpu_count() or 1)  # capped to the machine
    return opts


# ---------------------------------------------------------------- checks against the registry


def _check_against_registry(scn: Scenario, tree: _Node, r: _Reader) -> None:
    units = scn.registry.units
    columns = [c for c in units.columns if c != "line"]
    ids = set(units["unit_id"])
    rules_node = _get(tree, "rules")

    def line_of(node: _Node | None, key: str | None = None) -> int:
        if node is None:
            return 1
        return node.key_lines.get(key, node.line) if key else node.line

    def check_columns(cols, node, path):
        for i, col in enumerate(cols or ()):
            if col not in columns:
                r.error(line_of(node), f"{path}[{i}]", _("{path}: unknown column {col}; units.csv has {columns}{hint}", path=path,
                                                        col=repr(col), columns=", ".join(columns), hint=_suggest(col, columns)), col)

    check_columns(scn.rules.merge_within, _get(rules_node, "merge_within"), "rules.merge_within")
    check_columns(scn.rules.keep_per, _get(rules_node, "keep_per"), "rules.keep_per")
    for i, uid in enumerate(scn.rules.protected):
        if uid not in ids:
            r.error(line_of(_get(rules_node, "protected")), "rules.protected",
                    _("{path}: unknown unit {unit}; it is not in {file}{hint}", path="rules.protected", unit=repr(uid),
                      file=scn.registry.files[0], hint=_suggest(uid, sorted(ids))), uid)
    _check_filter(scn.scope, _get(tree, "scope"), "scope", units, columns, ids, r)
    tnodes = _get(tree, "targets")
    for i, t in enumerate(scn.targets):
        tnode = tnodes.value[i] if tnodes is not None and isinstance(tnodes.value, list) and i < len(tnodes.value) else None
        _check_filter(t.where, _get(tnode, "where"), f"targets[{i}].where", units, columns, ids, r)
    _check_compatible(scn, rules_node, units, r)
    if not r.problems.errors:
        _check_pins(scn, _get(tree, "pins"), ids, r)


def _check_compatible(scn: Scenario, rules_node, units, r: _Reader) -> None:
    """rules.compatible against the registry: a table that reads (the registry itself refuses a
    unit_type outside its vocabulary, registry-format 1.1)."""
    from .rules import compatibility_in_force, compatibility_table

    node = _get(rules_node, "compatible")
    line = node.line if node is not None else 1
    mode = scn.rules.compatible
    if mode not in (None, "off") and "unit_type" not in units.columns:
        r.error(line, "rules.compatible", _("rules.compatible: {mode} needs a unit_type column in {file} (registry-format "
                                             "1.1); add it or write rules.compatible: off", mode=mode, file=scn.registry.files[0]), mode)
        return
    if not compatibility_in_force(scn, units):
        return
    try:
        compatibility_table(scn)
    except ValidationError as exc:
        for row in exc.problems.itertuples(index=False):
            r.problems.add(S.RANK_VALUE, row.file, None if pd.isna(row.line) else row.line, None, row.column, row.value, row.message)


def _check_pins(scn: Scenario, node: _Node | None, ids: set, r: _Reader) -> None:
    """Every pinned unit exists and takes part in moves (open at plan_from, movable, in scope)."""
    pins = scn.pins
    if not pins:
        return
    from .timeline import match

    try:
        at = scn.timeline.units_as_of(scn.plan_from)
    except Exception:  # a bad plan_from is reported elsewhere
        return
    in_u = set(at.index[at["kind"].isin(scn.movable).to_numpy() & match(at, scn.scope)])
    open_ids = set(at.index)

    def check(uid: str, line: int, path: str) -> None:
        if uid not in ids:
            r.error(line, path, _("{path}: unknown unit {unit}; it is not in {file}{hint}", path=path, unit=repr(uid),
                                   file=scn.registry.files[0], hint=_suggest(uid, sorted(ids))), uid)
        elif uid not in open_ids:
            r.error(line, path, _("{path}: unit {unit} is not open at plan_from {date}; pin units open then", path=path,
                                   unit=uid, date=F.date(scn.plan_from)), uid)
        elif uid not in in_u:
            r.error(line, path, _("{path}: unit {unit} is outside the scenario (its kind is not in movable {movable} or it does "
                                   "not match scope); widen scope/movable or drop the pin", path=path, unit=uid,
                                   movable=list(scn.movable)), uid)

    for key in ("merge", "forbid"):
        for i, (u, v) in enumerate(getattr(pins, key)):
            line = _item_line(node, key, i) if node is not None else 1
            check(u, line, f"pins.{key}[{i}]")
            check(v, line, f"pins.{key}[{i}]")
    kp = _get(node, "keep")
    for uid in pins.keep:
        check(uid, kp.line if kp is not None else 1, "pins.keep")


def _check_filter(flt, node, path, units, columns, ids, r) -> None:
    if not flt:
        return
    for col, values in flt.items():
        vnode = _get(node, col)
        line = vnode.line if vnode is not None else (node.line if node is not None else 1)
        if col not in columns:
            r.error(line, f"{path}.{col}", _("{path}: unknown column {col}; units.csv has {columns}{hint}", path=path,
                                              col=repr(col), columns=", ".join(columns), hint=_suggest(col, columns)), col)
            continue
        if col in ("parent_id", "unit_id"):
            known, what = ids, _("unknown unit")
        elif col == "kind":
            known, what = set(S.KINDS), _("unknown kind")
        else:
            known, what = set(text_values(units[col]).dropna()), _("unknown {col} value", col=col)
        for v in values:
            if v not in known:
                r.error(line, f"{path}.{col}", _("{path}: {what} {value}; no unit in units.csv has it{hint}", path=f"{path}.{col}",
                                                 what=what, value=repr(v), hint=_suggest(v, sorted(known))), v)


# ---------------------------------------------------------------- make dependencies


def make_dependencies(paths, reports: str = "reports") -> str:
    """Makefile rules tying each scenario's answer to its registry's files, so that ``make
    scenarios`` re-solves a scenario when its own registry changes (``name`` = file stem).
    Scenarios whose registry cannot be read are left to ``orgmodel solve`` to report."""
    lines = []
    for p in map(Path, paths):
        try:
            reg = safeyaml.safe_load(safeyaml.read_bytes(p).decode("utf-8-sig"), str(p)).get("registry")
        except (OSError, yaml.YAMLError, AttributeError, UnicodeDecodeError, InputError):
            continue
        if not isinstance(reg, str):
            continue
        folder = Path(os.path.relpath(p.parent / reg.strip()))
        files = [folder] if folder.is_file() else sorted(f for f in folder.glob("*") if f.suffix in (".csv", ".yaml", ".xlsx"))
        if files:
            lines.append(f"{reports}/{p.stem}/summary.json: " + " ".join(str(f) for f in files))
    return "\n".join(lines) + ("\n" if lines else "")


if __name__ == "__main__":  # python -m orgmodel.scenario deps scenarios/*.yaml > reports/.scenario-deps.mk
    import sys

    if len(sys.argv) < 2 or sys.argv[1] != "deps":
        sys.exit("usage: python -m orgmodel.scenario deps SCENARIO.yaml...")
    sys.stdout.write(make_dependencies(sys.argv[2:]))
