"""Merge rules as plain predicates over the candidate-moves table (scenario-format 1.1):
compatibility of unit types and the planner's pins.

Interface (used by the model builder, right after candidate moves are generated):

    moves, blocking = apply_rules(moves, units, scn)

``moves`` keeps the columns it had and gains a boolean column ``pinned`` (a ``pins.merge`` pair:
the model fixes that move to 1); ``blocking`` is a list of dicts, one per pin that contradicts the
rules (``{"pin": "merge", "unit_id": ..., "into_id": ..., "reason": ...}``): a non-empty list makes
the scenario infeasible and the summary lists it under ``"blocking"``.

What is dropped, in this order: moves whose (unit_type, into_type) pair is not in the
compatibility table (when compatibility is in force, see :func:`compatibility_in_force`), moves
whose ``requires`` columns differ (e.g. a primary school joins a lower-secondary school only in the
same locality), ``pins.forbid`` pairs and every move out of a ``pins.keep`` unit. A unit without a
unit_type takes part in no move while compatibility is in force.

The compatibility table (``orgmodel/data/compatibility.csv``, or the scenario's own CSV) lists
allowed pairs with columns ``unit_type, into_type`` and optionally ``requires`` (``;``-separated
columns both units must share), ``basis`` and ``source``. Pair rules are directional: a
kindergarten never absorbs a primary school because no row says so.

``moves`` must be pair rows (``into_id`` set): :func:`needs_pairs` tells the model builder when the
aggregated formulation (which decides only *which* units go) would ignore these rules.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema as S
from .errors import InputError, ValidationError
from .i18n import _

DATA = Path(__file__).with_name("data")
DEFAULT_TABLE = DATA / "compatibility.csv"
VOCABULARY = DATA / "unit_types.csv"
COMPAT_COLUMNS = ("unit_type", "into_type")
COMPAT_OPTIONAL = ("requires", "basis", "source", "note")
BASES = ("law", "decree", "circular", "plan", "practice")


# ---------------------------------------------------------------- vocabulary and table


@lru_cache(maxsize=None)
def _vocabulary_file(path: str) -> tuple[str, ...]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return tuple(r["unit_type"].strip() for r in csv.DictReader(fh) if (r.get("unit_type") or "").strip())


def vocabulary(registry_path=None) -> tuple[str, ...]:
    """Known unit_type slugs: orgmodel's vocabulary plus, when the registry folder ships its own
    ``unit_types.csv`` (registry-format 1.1), that table's slugs."""
    slugs = set(_vocabulary_file(str(VOCABULARY)))
    if registry_path is not None:
        own = Path(registry_path) / "unit_types.csv"
        if own.is_file():
            try:
                slugs |= set(_vocabulary_file(str(own)))
            except (OSError, UnicodeDecodeError, KeyError, csv.Error):
                pass  # a registry's vocabulary that cannot be read adds nothing
    return tuple(sorted(slugs))


def vocabulary_table() -> pd.DataFrame:
    """orgmodel's unit-type vocabulary (slug, Vietnamese and English names, kind, sector)."""
    return pd.read_csv(VOCABULARY, dtype=str, keep_default_na=False, encoding="utf-8")


def load_compatibility(path=None, known: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The allowed (unit_type -> into_type) pairs of ``path`` (default: the shipped table).

    Columns unit_type, into_type, requires (tuple of column names), basis, source, note, line.
    Raises ValidationError naming file:line and value for an unknown type, a missing column, an
    empty cell or a duplicate pair; InputError when the file cannot be read."""
    path = Path(path) if path is not None else DEFAULT_TABLE
    known = tuple(known) if known is not None else vocabulary()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError:
        raise InputError(_("Compatibility table {path} cannot be read; give a CSV with columns unit_type, into_type (and "
                           "source), or write rules.compatible: default.", path=str(path))) from None
    except UnicodeDecodeError:
        raise InputError(_("Compatibility table {path} is not UTF-8 text; save it as UTF-8.", path=str(path))) from None
    return _parse_compatibility(text, str(path), known)


@lru_cache(maxsize=8)
def _shipped(known: tuple[str, ...]) -> pd.DataFrame:
    return load_compatibility(DEFAULT_TABLE, known)


def _parse_compatibility(text: str, file: str, known: tuple[str, ...]) -> pd.DataFrame:
    import difflib

    problems = S.Problems()
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]] if rows else []
    missing = [c for c in COMPAT_COLUMNS if c not in header]
    if missing:
        problems.add(S.RANK_FILE, file, 1, None, ",".join(missing), None,
                     _("the compatibility table needs the columns {columns} (missing: {missing}); add a header row such as "
                       "unit_type,into_type,source", columns=", ".join(COMPAT_COLUMNS), missing=", ".join(missing)))
        raise ValidationError(problems.frame("error"), header=_("Compatibility table {file} is invalid:", file=file))
    known_set = set(known)
    out, seen = [], {}
    for i, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        rec = {h: (raw[j].strip() if j < len(raw) else "") for j, h in enumerate(header)}
        bad = False
        for col in COMPAT_COLUMNS:
            v = rec.get(col, "")
            if not v:
                problems.add(S.RANK_VALUE, file, i, None, col, v, _("{col} is empty; every row names two unit types", col=col))
                bad = True
            elif v not in known_set:
                close = difflib.get_close_matches(v, sorted(known_set), n=1, cutoff=0.6)
                hint = _("; did you mean {name}?", name=repr(close[0])) if close else " " + _("(see orgmodel/data/unit_types.csv)")
                problems.add(S.RANK_VALUE, file, i, None, col, v, _("{col}: unknown unit type {value}{hint}", col=col,
                                                                    value=repr(v), hint=hint))
                bad = True
        basis = rec.get("basis", "")
        if basis and basis not in BASES:
            problems.add(S.RANK_VALUE, file, i, None, "basis", basis, _("basis {value} is not one of {choices}", value=repr(basis),
                                                                                       choices=", ".join(BASES)))
        if bad:
            continue
        key = (rec["unit_type"], rec["into_type"])
        if key in seen:
            problems.add(S.RANK_KEY, file, i, None, "unit_type", f"{key[0]}->{key[1]}",
                         _("the pair {a} -> {b} is listed twice (first on line {line}); keep one", a=key[0], b=key[1], line=seen[key]))
            continue
        seen[key] = i
        req = tuple(sorted({c.strip() for c in rec.get("requires", "").split(";") if c.strip()}))
        out.append({"unit_type": key[0], "into_type": key[1], "requires": req, "basis": basis,
                    "source": rec.get("source", ""), "note": rec.get("note", ""), "line": i})
    if problems.errors:
        n = len(problems.errors)
        raise ValidationError(problems.frame("error"), header=_("Compatibility table {file} is invalid: {n} problem(s):",
                                                                  file=file, n=n))
    return pd.DataFrame(out, columns=["unit_type", "into_type", "requires", "basis", "source", "note", "line"])


def compatibility_in_force(scn, units: pd.DataFrame | None = None) -> bool:
    """True when moves are filtered by unit type: ``rules.compatible`` is ``default`` (implicitly
    when unset) or a CSV path, and the units carry a ``unit_type`` column."""
    mode = getattr(scn.rules, "compatible", None)
    if mode == "off":
        return False
    cols = units.columns if units is not None else scn.registry.units.columns
    return "unit_type" in cols


def compatibility_table(scn) -> pd.DataFrame:
    """The table in force for ``scn`` (the shipped one for ``default``/unset, else its CSV)."""
    mode = getattr(scn.rules, "compatible", None)
    known = vocabulary(getattr(scn, "registry_path", None))
    if mode in (None, "default", "off"):
        return _shipped(known)
    return load_compatibility(mode, known)


def needs_pairs(scn, units: pd.DataFrame | None = None) -> bool:
    """True when the rules depend on the absorbing unit (compatibility or pins), so the model
    must use pair decisions (the aggregated formulation would ignore them)."""
    pins = getattr(scn, "pins", None)
    has_pins = pins is not None and bool(pins.merge or pins.forbid)
    return has_pins or compatibility_in_force(scn, units)


# ---------------------------------------------------------------- applying the rules


def _pair_keys(a, b) -> np.ndarray:
    return np.asarray([f"{x}\x1f{y}" for x, y in zip(a, b)], dtype=object)


def allowed_mask(moves: pd.DataFrame, units: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the moves whose (unit_type, into_type) pair the table allows, with its
    ``requires`` columns equal at both ends. Vectorised over integer codes: each unit's type is
    looked up once, each pair is a number, and the allowed pairs are a sorted array."""
    if moves.empty:
        return np.zeros(0, dtype=bool)
    pos_u = units.index.get_indexer(moves["unit_id"])
    pos_v = units.index.get_indexer(moves["into_id"])
    known = (pos_u >= 0) & (pos_v >= 0)

    def ends(column: str) -> tuple[np.ndarray, np.ndarray, pd.Index]:
        """Codes of ``column`` at both ends of every move (-1: empty or unknown), and the values."""
        vals = units[column].astype("string").fillna("").str.strip()
        codes, uniques = pd.factorize(vals)
        codes = np.where(vals.to_numpy(dtype=object) == "", -1, codes)
        return (np.where(known, codes[np.maximum(pos_u, 0)], -1), np.where(known, codes[np.maximum(pos_v, 0)], -1),
                pd.Index(uniques))

    t_u, t_v, types = ends("unit_type")
    k = len(types) + 1

    def pair_codes(frame: pd.DataFrame) -> np.ndarray:
        a, b = types.get_indexer(frame["unit_type"]), types.get_indexer(frame["into_type"])
        return np.unique((a * k + b)[(a >= 0) & (b >= 0)])

    keys = t_u.astype(np.int64) * k + t_v
    has = (t_u >= 0) & (t_v >= 0)
    ok = has & np.isin(keys, pair_codes(table), assume_unique=False)
    for req, sub in table.loc[table["requires"].map(len) > 0].groupby("requires", sort=True):
        rows = ok & np.isin(keys, pair_codes(sub))
        if not rows.any():
            continue
        same = np.ones(len(moves), dtype=bool)
        for col in req:
            if col not in units.columns:
                same[:] = False
                break
            a, b, _vals = ends(col)
            same &= (a == b) & (a >= 0)
        ok &= ~rows | same
    return ok


def why_not(u: str, v: str, units: pd.DataFrame, scn, table: pd.DataFrame | None) -> str:
    """A short reason, in the language in force, why (u, v) is not an allowed move (for ``blocking``)."""
    from . import fmt as F

    if u == v:
        return _("a unit cannot be absorbed into itself")
    if u not in units.index or v not in units.index:
        gone = [x for x in (u, v) if x not in units.index]
        return _("{units} is not a movable unit open at plan_from (kind in movable and matching scope)", units=", ".join(gone))
    if u in set(getattr(scn.rules, "protected", ()) or ()):
        return _("{unit} is protected (rules.protected)", unit=u)
    pins = getattr(scn, "pins", None)
    if pins is not None and u in set(pins.keep):
        return _("{unit} is also pinned to stay (pins.keep)", unit=u)
    if pins is not None and (u, v) in set(pins.forbid):
        return _("the pair is also forbidden (pins.forbid)")
    for col in scn.rules.merge_within:
        a, b = units.at[u, col] if col in units.columns else None, units.at[v, col] if col in units.columns else None
        if pd.isna(a) or pd.isna(b) or str(a) != str(b):
            return _("they do not share {col} ({a} / {b}; rules.merge_within)", col=col, a=a, b=b)
    if table is not None and "unit_type" in units.columns:
        tu, tv = units.at[u, "unit_type"], units.at[v, "unit_type"]
        rows = table.loc[(table["unit_type"] == tu) & (table["into_type"] == tv)]
        if pd.isna(tu) or pd.isna(tv) or rows.empty:
            return _("type {a} may not be absorbed into type {b} (rules.compatible)", a=tu, b=tv)
        for col in rows.iloc[0]["requires"]:
            if col not in units.columns or str(units.at[u, col]) != str(units.at[v, col]):
                return _("type {a} joins type {b} only with the same {col} (rules.compatible)", a=tu, b=tv, col=col)
    r = scn.rules
    if r.max_distance_km is not None and {"lat", "lon"} <= set(units.columns):
        from .moves import haversine_km

        d = float(haversine_km(units.at[u, "lat"], units.at[u, "lon"], units.at[v, "lat"], units.at[v, "lon"]))
        if d > r.max_distance_km:
            return _("they are {km} km apart, more than rules.max_distance_km {limit}", km=F.number(d, decimals=1),
                      limit=F.number(r.max_distance_km, decimals=0 if float(r.max_distance_km).is_integer() else 1))
    if r.max_staff is not None and int(units.at[u, "staff"]) + int(units.at[v, "staff"]) > r.max_staff:
        return _("combined staff {n} exceeds rules.max_staff {limit}", n=int(units.at[u, "staff"]) + int(units.at[v, "staff"]),
                  limit=r.max_staff)
    return _("the move is not among the candidate moves of the rules")


def apply_rules(moves: pd.DataFrame, units: pd.DataFrame, scn) -> tuple[pd.DataFrame, list[dict]]:
    """Filter candidate moves by compatibility and pins; mark ``pins.merge`` moves ``pinned``;
    list the merge pins no allowed move carries out (see the module docstring)."""
    out = moves.copy()
    table = compatibility_table(scn) if compatibility_in_force(scn, units) else None
    keep = np.ones(len(out), dtype=bool)
    if table is not None and len(out):
        keep &= allowed_mask(out, units, table)
    pins = getattr(scn, "pins", None)
    blocking: list[dict] = []
    if pins is not None and len(out):
        if pins.keep:
            keep &= ~out["unit_id"].isin(list(pins.keep)).to_numpy()
        if pins.forbid:
            keep &= ~np.isin(_pair_keys(out["unit_id"], out["into_id"]), _pair_keys(*zip(*pins.forbid)))
    out = out.loc[keep].reset_index(drop=True)
    pinned = np.zeros(len(out), dtype=bool)
    if pins is not None and pins.merge:
        keys = _pair_keys(out["unit_id"], out["into_id"]) if len(out) else np.empty(0, dtype=object)
        wanted = _pair_keys(*zip(*pins.merge))
        pinned = np.isin(keys, wanted)
        have = set(keys[pinned].tolist())
        for i, (u, v) in enumerate(pins.merge):
            if f"{u}\x1f{v}" not in have:
                blocking.append({"pin": "merge", "index": i, "unit_id": u, "into_id": v,
                                 "reason": why_not(u, v, units, scn, table)})
    out["pinned"] = pinned
    return out, blocking
