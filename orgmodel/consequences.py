"""What a plan means in people, posts, kilometres and VND (summary.json ``consequences``).

    consequences(plan, units, scn) -> dict

``plan`` is the plan table (one row per move: unit_id, into_id, staff, distance_km ...), ``units``
the units open at plan_from (attributes in force then; index or column unit_id), ``scn`` the
scenario (used for the managing units of the units, the plan date and the registry's columns).

The figures (every one computed from the plan and two sourced tables in ``orgmodel/data``):

* ``units_closed`` (absorbed units), ``staff_moved`` (their staff), ``max_distance_km``,
  ``median_distance_km`` and ``staff_km`` (sum of staff x km) over the moves;
* ``headquarters_vacated``: absorbed units that do not share their absorbing unit's seat (more
  than 50 m apart, or without coordinates at either end);
* leadership posts, over the units the plan touches (absorbed and absorbing): ``leader_posts_before``
  the posts held today (registry columns ``heads``/``deputies`` where known; else one head and the
  unit's deputy cap, an upper bound, see ``leader_posts_basis``), ``leader_posts_after`` the posts
  the continuing units may hold under the caps of ``leader_caps.csv`` (Decree 120/2020/NĐ-CP
  Art. 6(2) and the rules it points to; each cap row has its source), ``leader_posts_surplus``
  the people who hold a post today and have none after (per merged group: held - allowed, if > 0);
* ``policy_cost_estimate_vnd``: an ESTIMATE of the allowances if every surplus leader takes the
  policy of ``policy_costs.yaml`` (Decree 178/2024/NĐ-CP as amended by Decree 67/2025/NĐ-CP),
  with ``policy_cost_basis`` giving the formula, the parameters and their sources.

Note: Decree 283/2025/NĐ-CP (amending Art. 27 of Decree 120/2020) lets a reorganised unit keep
more deputies than the cap for up to five years; the surplus is the position once that ends.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

DATA = Path(__file__).with_name("data")
CAPS_FILE = DATA / "leader_caps.csv"
POLICY_FILE = DATA / "policy_costs.yaml"
SEAT_KM = 0.05  # two units closer than 50 m share a seat
KEYS = ("units_closed", "staff_moved", "max_distance_km", "median_distance_km", "staff_km",
        "leader_posts_before", "leader_posts_after", "leader_posts_surplus", "headquarters_vacated",
        "policy_cost_estimate_vnd")

def N_(message: str) -> str:
    """Marks a message for the catalogue; translated where it is shown (``_(LABELS[key])``)."""
    return message


#: a label per key of KEYS (English msgids, Vietnamese in the catalogue), for tables and annexes
LABELS = {
    "units_closed": N_("Units closed"),
    "staff_moved": N_("Staff moved (people)"),
    "max_distance_km": N_("Longest distance moved (km)"),
    "median_distance_km": N_("Median distance moved (km)"),
    "staff_km": N_("Staff-km moved"),
    "leader_posts_before": N_("Leadership posts before"),
    "leader_posts_after": N_("Leadership posts allowed after (caps)"),
    "leader_posts_surplus": N_("Leaders without a post after"),
    "headquarters_vacated": N_("Headquarters vacated"),
    "policy_cost_estimate_vnd": N_("Policy costs, estimate (VND)"),
}


# ---------------------------------------------------------------- the sourced tables


@lru_cache(maxsize=None)
def leader_caps() -> pd.DataFrame:
    """The caps table: first matching row wins (kind, unit_type list or *, parent, autonomy,
    staff range) -> heads, deputies, basis, source."""
    t = pd.read_csv(CAPS_FILE, dtype=str, keep_default_na=False, encoding="utf-8")
    for c in ("heads", "deputies"):
        t[c] = t[c].astype(int)
    return t


@lru_cache(maxsize=None)
def policy_parameters() -> dict:
    with POLICY_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=None)
def _cap_rows() -> tuple:
    return tuple(leader_caps().itertuples(index=False))


@lru_cache(maxsize=4096)
def _match_cap(kind: str, utype: str, parent: str, autonomy: str, staff: int) -> dict:
    for r in _cap_rows():
        if r.kind not in ("*", kind):
            continue
        if r.unit_type != "*" and utype not in r.unit_type.split(";"):
            continue
        if r.parent not in ("*", parent):
            continue
        if r.autonomy != "*" and autonomy not in r.autonomy.split(";"):
            continue
        if r.staff_min and staff < int(r.staff_min):
            continue
        if r.staff_max and staff > int(r.staff_max):
            continue
        return {"heads": int(r.heads), "deputies": int(r.deputies), "source": r.source, "basis": r.basis}
    return {"heads": 1, "deputies": 2, "source": "orgmodel default (no cap row matched)", "basis": "practice"}


def base_salary(on: dt.date) -> tuple[int, str, str]:
    """(VND a month, date in force, source) of the base salary in force on ``on`` (the earliest
    listed when ``on`` precedes them all)."""
    rows = sorted(policy_parameters()["base_salary"], key=lambda r: str(r["from"]))
    pick = rows[0]
    for r in rows:
        if dt.date.fromisoformat(str(r["from"])) <= on:
            pick = r
    return int(pick["vnd"]), str(pick["from"]), str(pick["source"])


def cost_per_leader(on: dt.date) -> tuple[float, dict]:
    """Estimated allowance (VND) for one leader who leaves under the policy of policy_costs.yaml,
    and the basis (formula, parameters, sources)."""
    p = policy_parameters()
    er = p["early_retirement"]
    vnd, since, src = base_salary(on)
    ms = p["monthly_salary"]
    monthly = (float(ms["salary_coefficient"]) + float(ms["leadership_allowance"])) * vnd
    months_early = min(int(er["months_early"]), int(er["max_months_early"]))
    per_month = float(er["per_month_early_first_12"] if er["within_first_12_months"] else er["per_month_early_later"])
    a = per_month * months_early
    b = float(er["per_year_early"]) * (months_early // 12)
    years = int(er["years_of_service"])
    c = float(er["first_years_months"]) + float(er["per_year_after"]) * max(0, years - int(er["first_years"]))
    months = a + b + c
    basis = {
        "estimate": True,
        "policy": p.get("policy", "early_retirement"),
        "formula": "monthly salary x (per_month x months early + per_year_early x whole years early "
                   "+ first_years_months + per_year_after x years of service beyond first_years)",
        "months_of_salary_per_leader": round(months, 3),
        "monthly_salary_vnd": round(monthly),
        "salary_coefficient": float(ms["salary_coefficient"]),
        "leadership_allowance": float(ms["leadership_allowance"]),
        "base_salary_vnd": vnd,
        "base_salary_from": since,
        "base_salary_source": src,
        "months_early": months_early,
        "years_of_service": years,
        "source": er["source"],
        "assumptions": ms["source"],
    }
    return months * monthly, basis


# ---------------------------------------------------------------- the consequences


def _units_table(units: pd.DataFrame) -> pd.DataFrame:
    if units.index.name != "unit_id" and "unit_id" in units.columns:
        units = units.set_index("unit_id", drop=False)
    return units


def _parents(units: pd.DataFrame, scn) -> tuple[pd.DataFrame, dt.date | None]:
    """Units to look managing bodies up in: all units open at plan_from when the scenario is
    known (the movable units alone may not include their departments)."""
    if scn is not None and getattr(scn, "registry", None) is not None:
        try:
            return scn.timeline.units_as_of(scn.plan_from), scn.plan_from
        except Exception:
            pass
    return units, getattr(scn, "plan_from", None)


def _text(units: pd.DataFrame, col: str, ids) -> np.ndarray:
    if col not in units.columns:
        return np.array([""] * len(ids), dtype=object)
    return units[col].astype("string").fillna("").reindex(list(ids)).fillna("").to_numpy(dtype=object)


def unit_caps(ids, units: pd.DataFrame, everyone: pd.DataFrame, staff_after: dict | None = None) -> pd.DataFrame:
    """Per unit: the cap (heads, deputies, source) under leader_caps.csv, with its staff
    (``staff_after`` overrides it for the continuing units of a plan)."""
    ids = list(ids)
    kinds = _text(units, "kind", ids)
    types = _text(units, "unit_type", ids)
    parents = _text(units, "parent_id", ids)
    pk = _text(everyone, "kind", parents)
    pl = _text(everyone, "level", parents)
    autonomy = [a.split(".")[0] for a in _text(units, "autonomy", ids)]
    staff = units["staff"].reindex(ids).fillna(0).astype(int).to_numpy()
    rows = []
    for i, uid in enumerate(ids):
        parent = f"government-{pl[i]}" if pk[i] == "government" else (pk[i] or "*")
        s = int(staff_after.get(uid, staff[i])) if staff_after else int(staff[i])
        rows.append({"unit_id": uid, **_match_cap(str(kinds[i]), str(types[i]), parent, str(autonomy[i]), s)})
    return pd.DataFrame(rows, columns=["unit_id", "heads", "deputies", "source", "basis"]).set_index("unit_id")


def held_posts(ids, units: pd.DataFrame, caps: pd.DataFrame) -> tuple[pd.Series, str]:
    """Leadership posts held per unit: registry heads + deputies where known, else one head and
    the unit's deputy cap. Returns (posts, basis: registry | caps | mixed)."""
    ids = list(ids)
    default = (caps["heads"] + caps["deputies"]).reindex(ids)
    known = pd.Series(False, index=ids)
    held = default.copy()
    if {"heads", "deputies"} & set(units.columns):
        h = pd.to_numeric(units["heads"], errors="coerce").reindex(ids) if "heads" in units.columns else pd.Series(np.nan, index=ids)
        d = pd.to_numeric(units["deputies"], errors="coerce").reindex(ids) if "deputies" in units.columns else pd.Series(np.nan, index=ids)
        both = h.notna() & d.notna()
        held = held.where(~both, h.fillna(0) + d.fillna(0))
        known = both
    basis = "registry" if len(ids) and known.all() else ("caps" if not known.any() else "mixed")
    return held.astype(int), basis


def consequences(plan: pd.DataFrame, units: pd.DataFrame, scn) -> dict:
    """The consequences of ``plan`` (see the module docstring); every key of KEYS is present."""
    units = _units_table(units)
    everyone, on = _parents(units, scn)
    everyone = _units_table(everyone)
    n = int(len(plan))
    staff = plan["staff"].astype(int).to_numpy() if n else np.zeros(0, dtype=int)
    km = plan["distance_km"].astype(float).to_numpy() if n else np.zeros(0)
    out: dict = {
        "units_closed": n,
        "staff_moved": int(staff.sum()),
        "max_distance_km": round(float(km.max()), 3) if n else 0.0,
        "median_distance_km": round(float(np.median(km)), 3) if n else 0.0,
        "staff_km": round(float((staff * km).sum()), 3),
    }
    absorbed_ids = [str(u) for u in plan["unit_id"]] if n else []
    into_ids = sorted({str(v) for v in plan["into_id"]}) if n else []
    lookup = units if not n or set(absorbed_ids + into_ids) <= set(units.index) else everyone
    # leadership posts
    involved = sorted(set(absorbed_ids) | set(into_ids))
    before_caps = unit_caps(involved, lookup, everyone)
    held, held_basis = held_posts(involved, lookup, before_caps)
    after_staff = {}
    if n:
        base = lookup["staff"].reindex(into_ids).fillna(0).astype(int)
        extra = pd.Series(staff, index=plan["into_id"].astype(str)).groupby(level=0).sum()
        after_staff = {v: int(base[v]) + int(extra.get(v, 0)) for v in into_ids}
    after_caps = unit_caps(into_ids, lookup, everyone, after_staff)
    allowed = (after_caps["heads"] + after_caps["deputies"]).astype(int)
    group_of = {u: str(v) for u, v in zip(absorbed_ids, plan["into_id"].astype(str))} if n else {}
    group_of.update({v: v for v in into_ids})
    held_by_group = pd.Series({u: int(held[u]) for u in involved}, dtype="int64").groupby(lambda u: group_of[u]).sum() if involved else pd.Series(dtype="int64")
    surplus = int(sum(max(0, int(held_by_group.get(v, 0)) - int(allowed[v])) for v in into_ids))
    out["leader_posts_before"] = int(held.sum()) if involved else 0
    out["leader_posts_after"] = int(allowed.sum()) if into_ids else 0
    out["leader_posts_surplus"] = surplus
    # seats
    vacated = 0
    if n:
        xy_u = _coords(lookup, absorbed_ids)
        xy_v = _coords(lookup, [str(v) for v in plan["into_id"]])
        vacated = int(np.sum(~(xy_u & xy_v) | (km > SEAT_KM)))
    out["headquarters_vacated"] = vacated
    # money
    day = (on + dt.timedelta(days=1)) if on is not None else dt.date(2025, 1, 1)
    per, basis = cost_per_leader(day)
    out["policy_cost_estimate_vnd"] = int(round(per * surplus, -3)) if surplus else 0
    out["policy_cost_basis"] = dict(basis, per_leader_vnd=int(round(per, -3)), leaders=surplus)
    sources = sorted(set(before_caps["source"]) | set(after_caps["source"]))
    out["leader_posts_basis"] = {
        "held": held_basis,
        "held_default": "one head and the unit's deputy cap where the registry has no heads/deputies (an upper bound)",
        "scope": "units the plan touches (absorbed and absorbing)",
        "cap_sources": sources,
        "transition": "Decree 283/2025/NĐ-CP (amending Art. 27 of Decree 120/2020/NĐ-CP): surplus deputies may stay up to 5 years",
    }
    return out


def _coords(units: pd.DataFrame, ids) -> np.ndarray:
    if not {"lat", "lon"} <= set(units.columns):
        return np.zeros(len(ids), dtype=bool)
    sub = units.reindex(list(ids))[["lat", "lon"]]
    return (sub["lat"].notna() & sub["lon"].notna()).to_numpy()


def format_consequences(c: dict, lang: str | None = None) -> str:
    """The consequences as a few lines a reader sees first (language in force by default)."""
    from .fmt import number
    from .i18n import _, get_lang

    lang = lang or get_lang()
    if not c:
        return ""
    lines = [
        _("Consequences of the plan", lang=lang),
        "  " + _("units closed: {n}; staff moved: {staff}", lang=lang, n=number(c["units_closed"], lang),
                 staff=number(c["staff_moved"], lang)),
        "  " + _("distance: at most {max} km, median {median} km; {staff_km} staff-km", lang=lang,
                 max=number(c["max_distance_km"], lang, 1), median=number(c["median_distance_km"], lang, 1),
                 staff_km=number(c["staff_km"], lang, 0)),
        "  " + _("leadership posts: {before} held before, {after} allowed after, {surplus} surplus", lang=lang,
                 before=number(c["leader_posts_before"], lang), after=number(c["leader_posts_after"], lang),
                 surplus=number(c["leader_posts_surplus"], lang)),
        "  " + _("headquarters vacated: {n}", lang=lang, n=number(c["headquarters_vacated"], lang)),
        "  " + _("policy costs (estimate): {vnd} VND", lang=lang, vnd=number(c["policy_cost_estimate_vnd"], lang)),
    ]
    return "\n".join(lines)
