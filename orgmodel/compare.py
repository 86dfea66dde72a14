"""Two answers side by side: targets, consequences and merges (only in A, only in B, in both).

>>> from orgmodel.compare import compare_scenarios
>>> cmp = compare_scenarios("scenarios/psu-10pct-2025.yaml", "scenarios/psu-10pct-without-schools.yaml")
>>> cmp.targets; cmp.consequences; cmp.merges      # DataFrames, ready for a notebook
>>> print(cmp.text())                               # what ``orgmodel compare A.yaml B.yaml`` prints

``compare(sol_a, sol_b)`` does the same with two solutions already at hand (e.g. a scenario solved
before and after a notebook changed a rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .i18n import _, get_lang, labels
from .tables import render_table

MERGE_COLUMNS = ["unit_id", "name", "into_a", "into_b", "where"]
CONSEQUENCE_ROWS = ("units_closed", "staff_moved", "max_distance_km", "median_distance_km", "staff_km",
                    "leader_posts_before", "leader_posts_after", "leader_posts_surplus", "headquarters_vacated",
                    "policy_cost_estimate_vnd")


@dataclass
class Comparison:
    """Two answers side by side (each table sorted, so the comparison is reproducible)."""

    name_a: str
    name_b: str
    status: pd.DataFrame
    targets: pd.DataFrame
    consequences: pd.DataFrame
    merges: pd.DataFrame

    def counts(self) -> dict:
        w = self.merges["where"] if len(self.merges) else pd.Series(dtype=object)
        return {k: int((w == k).sum()) for k in ("only_a", "only_b", "both_same", "both_different")}

    def text(self, lang: str | None = None, max_rows: int = 40) -> str:
        lang = lang or get_lang()
        from .optim.answers import STATUS_WORDS

        status = self.status.copy()
        status[""] = [_(STATUS_ROWS.get(k, k), lang=lang) for k in status[""]]
        for col in ("A", "B"):
            status[col] = [_(STATUS_WORDS[v], lang=lang) if k == "status" and v in STATUS_WORDS else _show(v, lang)
                           for k, v in zip(self.status[""], status[col])]
        parts = [render_table(status, title=_("Scenarios compared: A = {a}, B = {b}", lang=lang, a=self.name_a, b=self.name_b))]
        targets = self.targets.copy()
        for col in targets.columns:
            if col.startswith("met "):
                targets[col] = [_("yes", lang=lang) if v else _("no", lang=lang) if v is not None else "" for v in targets[col]]
        heads = {c: _(TARGET_HEADS[c.split(" ")[0]], lang=lang) + c[len(c.split(" ")[0]):] for c in targets.columns
                 if c.split(" ")[0] in TARGET_HEADS}
        parts.append(render_table(targets.rename(columns=heads), title="\n" + _("Targets", lang=lang)))
        from .consequences import LABELS

        shown = self.consequences.copy()
        shown["consequence"] = [_(LABELS[k], lang=lang) if k in LABELS else k for k in shown["consequence"]]
        for col in ("A", "B", "B - A"):
            shown[col] = [_show(v, lang) for v in shown[col]]
        shown = shown.rename(columns={"consequence": _("Consequence", lang=lang)})
        parts.append(render_table(shown, title="\n" + _("Consequences (policy costs are an estimate)", lang=lang)))
        c = self.counts()
        parts.append("\n" + _("Merges: {a} only in A, {b} only in B, {same} in both (same absorbing unit), "
                              "{diff} in both (different absorbing unit)", lang=lang,
                              a=c["only_a"], b=c["only_b"], same=c["both_same"], diff=c["both_different"]))
        differ = self.merges.loc[self.merges["where"] != "both_same"] if len(self.merges) else self.merges
        if len(differ):
            shown = differ.head(max_rows).copy()
            shown["where"] = [_(WHERE.get(w, w), lang=lang) for w in shown["where"]]
            shown = shown.rename(columns={c: _(h, lang=lang) for c, h in MERGE_HEADS.items()})
            parts.append(render_table(shown, max_rows=max_rows))
            if len(differ) > max_rows:
                parts.append(_("… {n} more rows", lang=lang, n=len(differ) - max_rows))
        return "\n".join(parts)


def _show(value, lang: str) -> str:
    from .fmt import number

    if value is None or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return number(value, lang, 0 if float(value).is_integer() else 1)


def _names(sol) -> dict:
    units = sol.instance.units if getattr(sol, "instance", None) is not None else None
    if units is None or "name" not in units.columns:
        return {}
    return {str(k): str(v) for k, v in units["name"].items()}


#: Row labels of the status table and heads of the targets table of :meth:`Comparison.text`.
STATUS_ROWS = labels("compare_row")
MERGE_HEADS = labels("compare_merge")
WHERE = labels("compare_where")
TARGET_HEADS = labels("compare_target")


def _target_label(t: dict, target) -> str:
    """How the comparison names a target, in the language in force: ``Sự nghiệp -10% so với 31/12/2015``."""
    from . import fmt as F

    if target is None:
        return _("{kind} against {date}", kind=F.kind(t["kind"], short=True), date=F.date(t["baseline_date"]))
    share = None if target.reduce_pct is None else float(target.reduce_pct)
    amount = ("-" + F.pct(share, decimals=0 if share.is_integer() else 1) if share is not None
              else "-" + F.number(target.reduce_count))
    label = _("{kind} {amount} against {date}", kind=F.kind(target.kind, short=True), amount=amount,
              date=F.date(target.baseline))
    if target.where:
        label += " (" + ", ".join(f"{k}={'|'.join(v)}" for k, v in target.where.items()) + ")"
    return label


def compare(sol_a, sol_b, name_a: str | None = None, name_b: str | None = None) -> Comparison:
    """Compare two solutions (``orgmodel.optimise.Solution``)."""
    sa, sb = sol_a.summary, sol_b.summary
    name_a = name_a or sa.get("scenario", "A")
    name_b = name_b or sb.get("scenario", "B")
    status = pd.DataFrame({"": ["scenario", "status", "merges", "objective"],
                           "A": [name_a, sa.get("status"), sa.get("merges"), sa.get("objective")],
                           "B": [name_b, sb.get("status"), sb.get("merges"), sb.get("objective")]})
    rows: list[dict] = []  # targets side by side by position (the i-th target of A beside B's)
    for side, sol in (("A", sol_a), ("B", sol_b)):
        tgts = list(getattr(getattr(sol, "scenario", None), "targets", []) or [])
        for i, t in enumerate(sol.summary.get("targets", [])):
            while len(rows) <= i:
                rows.append({"target": ""})
            r = rows[i]
            label = _target_label(t, tgts[i] if i < len(tgts) else None)
            r["target"] = label if not r["target"] or r["target"] == label else f"{r['target']} | {label}"
            r[f"required {side}"] = t.get("required_reduction")
            r[f"achieved {side}"] = t.get("achieved_reduction")
            r[f"max {side}"] = t.get("max_reduction")
            r[f"met {side}"] = t.get("met")
    tcols = ["target"] + [f"{k} {s}" for k in ("required", "achieved", "max", "met") for s in ("A", "B")]
    targets = pd.DataFrame(rows, columns=tcols)
    ca, cb = sa.get("consequences") or {}, sb.get("consequences") or {}
    keys = [k for k in CONSEQUENCE_ROWS if k in ca or k in cb]
    cons = pd.DataFrame({"consequence": keys, "A": [ca.get(k) for k in keys], "B": [cb.get(k) for k in keys]})
    cons["B - A"] = [(b - a) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
                     for a, b in zip(cons["A"], cons["B"])]
    into_a = dict(zip(sol_a.plan["unit_id"].astype(str), sol_a.plan["into_id"].astype(str)))
    into_b = dict(zip(sol_b.plan["unit_id"].astype(str), sol_b.plan["into_id"].astype(str)))
    names = {**_names(sol_b), **_names(sol_a)}
    merged = []
    for u in sorted(set(into_a) | set(into_b)):
        a, b = into_a.get(u, ""), into_b.get(u, "")
        where = "only_a" if not b else "only_b" if not a else ("both_same" if a == b else "both_different")
        merged.append({"unit_id": u, "name": names.get(u, ""), "into_a": a, "into_b": b, "where": where})
    merges = pd.DataFrame(merged, columns=MERGE_COLUMNS)
    return Comparison(name_a=name_a, name_b=name_b, status=status, targets=targets, consequences=cons, merges=merges)


def compare_scenarios(path_a, path_b, *, log=None) -> Comparison:
    """Load, solve and compare two scenario files (the same as ``orgmodel compare A.yaml B.yaml``)."""
    from .optimise import solve_scenario
    from .scenario import load_scenario

    scn_a, scn_b = load_scenario(path_a), load_scenario(path_b)
    return compare(solve_scenario(scn_a, log=log), solve_scenario(scn_b, log=log))


def write_comparison(cmp: Comparison, out_dir) -> None:
    """status.csv, targets.csv, consequences.csv and merges.csv into ``out_dir`` (replaced whole)."""
    from .files import atomic_write_csv, output_dir

    with output_dir(out_dir) as tmp:
        atomic_write_csv(cmp.status, tmp / "status.csv", na_rep="")
        atomic_write_csv(cmp.targets, tmp / "targets.csv", na_rep="")
        atomic_write_csv(cmp.consequences, tmp / "consequences.csv", na_rep="")
        atomic_write_csv(cmp.merges, tmp / "merges.csv", na_rep="")
