"""Every sentence, header and title a person reads in the report, in one message catalogue.

Message ids are English (the tables of labels are rows of orgmodel/data/labels.csv, ``_`` translates them where they
are shown); the Vietnamese catalogue translates them (orgmodel/locale/vi/LC_MESSAGES/orgmodel.po).
There are no inline language branches here: a sentence that reads differently in the two languages is one
message with placeholders, and the catalogue orders the words. Numbers and dates go through
:mod:`orgmodel.fmt` (Babel). Every figure in a sentence is read from a computed state
(:class:`orgmodel.views.View`) or a solved scenario, never written by hand.
"""

from __future__ import annotations

from typing import Mapping

from .. import fmt
from .. import progress as P
from ..i18n import labels
from ..i18n import gettext as _

# ---------------------------------------------------------------- headers, titles, sheets
# The tables of msgids live in orgmodel/data/labels.csv (table,key,msgid); the catalogue translates.

H = labels("header")
TITLES = labels("title")
#: Sheet names of the workbook (at most 31 characters, as Excel requires).
SHEETS = labels("sheet")
STATUS = labels("status")
SCOPE = labels("scope")


def h(key: str, lang: str | None = None, **values) -> str:
    """A column header in ``lang``."""
    return fmt.nfc(_(H[key], fmt.check_lang(lang), **values))


def title(key: str, lang: str | None = None, **values) -> str:
    """A table title in ``lang``."""
    return fmt.nfc(_(TITLES[key], fmt.check_lang(lang), **values))


def sheet(key: str, lang: str | None = None) -> str:
    """A workbook sheet name in ``lang`` (at most 31 characters)."""
    return fmt.nfc(_(SHEETS[key], fmt.check_lang(lang)) if key in SHEETS else key)[:31]


def status(value: str, lang: str | None = None) -> str:
    """A solver status in plain words (``feasible`` is never called optimal)."""
    return fmt.nfc(_(STATUS[value], fmt.check_lang(lang)) if value in STATUS else value)


def yes(flag: bool, lang: str | None = None) -> str:
    return _("yes", fmt.check_lang(lang)) if flag else _("no", fmt.check_lang(lang))


# ---------------------------------------------------------------- naming things


def kinds_phrase(kinds, lang: str | None = None) -> str:
    """``đơn vị sự nghiệp công lập`` or ``cơ quan, tổ chức hành chính và đơn vị sự nghiệp công lập``."""
    lang = fmt.check_lang(lang)
    names = [fmt.kind_text(k, lang) for k in kinds]
    if len(names) <= 1:
        return names[0] if names else fmt.kind_text("all", lang)
    return _("{first} and {last}", lang, first=", ".join(names[:-1]), last=names[-1])


def plan_title(scn, lang: str | None = None) -> str:
    """How a planner names a scenario's plan: ``Phương án sắp xếp đơn vị sự nghiệp công lập``
    (never the scenario's file slug)."""
    lang = fmt.check_lang(lang)
    return fmt.nfc(_("Restructuring plan for {kinds}", lang, kinds=kinds_phrase(getattr(scn, "movable", ()) or ("all",), lang)))


def scope_phrase(view, lang: str | None = None) -> str:
    """How a text names the whole registry: ``toàn tỉnh`` when it has one provincial root."""
    lang = fmt.check_lang(lang)
    units = view.units
    roots = units[(units["kind"] == "government") & (units["parent_id"] == "")]
    if len(roots) == 1:
        level = str(roots["level"].iloc[0])
        if level in SCOPE:
            return _(SCOPE[level], lang)
    return _("the whole registry", lang)


def target_label(target: Mapping, lang: str | None = None, scn_target=None) -> str:
    """``Giảm 10% đơn vị sự nghiệp công lập so với năm 2015`` for a summary.json target."""
    lang = fmt.check_lang(lang)
    kind_text = fmt.kind_text(target["kind"], lang)
    if scn_target is not None and scn_target.reduce_pct is not None:
        amount = fmt.pct(float(scn_target.reduce_pct), lang, 0 if float(scn_target.reduce_pct).is_integer() else 1)
    else:
        amount = fmt.number(target["required_reduction"], lang)
    text = _("{kinds} down {amount} against {since}", lang, kinds=kind_text, amount=amount,
             since=fmt.since(target["baseline_date"], lang))
    if scn_target is not None and scn_target.where:
        cond = ", ".join(f"{k} = {' | '.join(v)}" for k, v in scn_target.where.items())
        text += " " + _("(only {condition})", lang, condition=cond)
    return fmt.nfc(text[:1].upper() + text[1:])


# ---------------------------------------------------------------- sentences about the state


def summary_sentence(view, lang: str | None = None) -> str:
    """``Đến 31/12/2021 toàn tỉnh giảm 227 đầu mối, đạt 18,0% so với năm 2015, trong đó giảm 140
    cơ quan, tổ chức hành chính và giảm 87 đơn vị sự nghiệp công lập.`` — read from ``view.progress``."""
    lang = fmt.check_lang(lang)
    p = view.progress.set_index("kind")
    a = p.loc["all"]
    values = dict(date=fmt.date(view.as_of, lang), since=fmt.since(view.baseline, lang),
                  scope=scope_phrase(view, lang), parts=_("{a} and {b}", lang, a=_kind_part(p.loc["agency"], "agency", lang),
                                                           b=_kind_part(p.loc["psu"], "psu", lang)))
    if a["reduced"] > 0:
        text = _("By {date}, {scope} had {n} fewer counted units, {pct} fewer than in {since}: {parts}.", lang,
                 n=fmt.number(a["reduced"], lang), pct=fmt.pct(a["reduced_pct"], lang), **values)
    elif a["reduced"] < 0:
        text = _("By {date}, {scope} had {n} more counted units ({pct}) than in {since}: {parts}.", lang,
                 n=fmt.number(-a["reduced"], lang), pct=fmt.pct(-a["reduced_pct"], lang), **values)
    else:
        text = _("By {date}, {scope} had as many counted units as in {since}: {parts}.", lang, **values)
    return fmt.nfc(text[:1].upper() + text[1:])


def _kind_part(row, kind: str, lang: str) -> str:
    """``140 cơ quan, tổ chức hành chính`` (a reduction), or ``… tăng 3`` / ``… không đổi``."""
    n, text = int(row["reduced"]), fmt.kind_text(kind, lang)
    if n > 0:
        return _("{n} fewer {kinds}", lang, n=fmt.number(n, lang), kinds=text)
    if n < 0:
        return _("{n} more {kinds}", lang, n=fmt.number(-n, lang), kinds=text)
    return _("{kinds} unchanged", lang, kinds=text)


def reconciliation_sentence(view, lang: str | None = None) -> str:
    """How the count moved: units closed (by how) and opened, and the check that adds up."""
    lang = fmt.check_lang(lang)
    p = view.progress.set_index("kind").loc["all"]
    n = lambda v: fmt.number(int(v), lang)  # noqa: E731
    how = [(t, int(p[f"closed_{t}"])) for t in P.CLOSED_BY if int(p[f"closed_{t}"])]
    detail = ", ".join(_("{n} by {event}", lang, n=n(v), event=fmt.event(t, lang).lower()) for t, v in how)
    closed = _("{n} counted units closed", lang, n=n(p["closed"])) + (f" ({detail})" if detail else "")
    check = f"{n(p['baseline'])} - {n(p['closed'])} + {n(p['opened'])} = {n(p['current'])}"
    return fmt.nfc(_("From {base} to {date}, {closed} and {opened} new units opened: {check}.", lang,
                     base=fmt.date(view.baseline, lang), date=fmt.date(view.as_of, lang), closed=closed,
                     opened=n(p["opened"]), check=check))


def target_sentence(view, kind: str, pct: float, lang: str | None = None) -> str:
    """Whether "reduce ``kind`` by at least ``pct`` % against the baseline" holds at ``as_of``,
    and since when (or how far it still is)."""
    lang = fmt.check_lang(lang)
    res = view.check(f"reduce {kind} by >= {pct:g}% against {view.baseline.isoformat()}")
    head = _("The target of {kinds} down at least {amount} against {since}", lang, kinds=fmt.kind_text(kind, lang),
             amount=fmt.pct(pct, lang, 0 if float(pct).is_integer() else 1), since=fmt.since(view.baseline, lang))
    if res.met:
        return fmt.nfc(_("{head} has been met since {date}.", lang, head=head, date=fmt.date(res.first_met, lang)))
    return fmt.nfc(_("{head} is not met: by {date} the reduction is {n}, {short} short.", lang, head=head,
                     date=fmt.date(view.as_of, lang), n=fmt.number(res.reduced, lang),
                     short=fmt.number(res.required - res.reduced, lang)))


def lineage_sentence(tl, unit_id: str, successors: list[str], as_of, lang: str | None = None) -> str:
    """``Đến 31/12/2021, Phòng Giáo dục huyện Hoành Bồ (HB-PGD) do … kế thừa.`` (or still open,
    or dissolved without successors)."""
    lang = fmt.check_lang(lang)
    names = tl.units["name"]
    who = f"{fmt.nfc(names.get(unit_id, unit_id))} ({unit_id})"
    d = fmt.date(as_of, lang)
    if successors == [unit_id]:
        return fmt.nfc(_("{unit} is still open on {date}.", lang, unit=who, date=d))
    if not successors:
        return fmt.nfc(_("{unit} was dissolved without successors (by {date}).", lang, unit=who, date=d))
    listed = "; ".join(f"{fmt.nfc(names.get(u, u))} ({u})" for u in successors)
    return fmt.nfc(_("On {date}, {unit} is carried on by {successors}.", lang, unit=who, date=d, successors=listed))


# ---------------------------------------------------------------- sentences about a plan

#: The consequences of a plan (summary.json "consequences"), in the order a reader wants them.
CONSEQUENCES = labels("consequence")


def consequence_rows(consequences: Mapping | None, lang: str | None = None) -> list[tuple[str, object]]:
    """(label, value) for each consequence of a plan: the known ones first in a fixed order, the
    rest (plain numbers or text) after, by name; nested values are left out."""
    lang = fmt.check_lang(lang)
    if not consequences:
        return []
    keys = [k for k in CONSEQUENCES if k in consequences]
    keys += sorted(k for k in consequences if k not in CONSEQUENCES and isinstance(consequences[k], (int, float, str)))
    return [(fmt.nfc(_(CONSEQUENCES[k], lang)) if k in CONSEQUENCES else fmt.nfc(k.replace("_", " ")), consequences[k])
            for k in keys if isinstance(consequences[k], (int, float, str)) or consequences[k] is None]


def scenario_sentences(sol, lang: str | None = None) -> list[str]:
    """What a solved scenario says: its consequences first, then status and merges, then one
    sentence per target."""
    lang = fmt.check_lang(lang)
    scn, s = sol.scenario, sol.summary
    plan = plan_title(scn, lang)
    out = []
    cons = consequence_rows(s.get("consequences"), lang)
    if cons:
        listed = "; ".join(f"{k}: {fmt.number(v, lang, 0 if float(v).is_integer() else 1) if isinstance(v, (int, float)) else v}"
                           for k, v in cons)
        out.append(_("{plan} — consequences: {listed}.", lang, plan=plan, listed=listed))
    if s["status"] == "infeasible":
        out.append(_("{plan}: no set of merges meets every target under the rules.", lang, plan=plan))
    elif s["status"] == "unknown":
        out.append(_("{plan}: the time limit was reached before a plan was found; nothing is proven.", lang, plan=plan))
    else:
        out.append(_("{plan} ({status}): {n} units merged into others, on the state of {date}.", lang, plan=plan,
                     status=status(s["status"], lang), n=fmt.number(s["merges"], lang), date=fmt.date(scn.plan_from, lang)))
    for t, st in zip(s["targets"], scn.targets):
        mx = "" if t.get("max_reduction") is None else _("; the rules allow at most {n}", lang, n=fmt.number(t["max_reduction"], lang))
        out.append(_("{target}: {required} required, {achieved} achieved ({before} to {after}), {verdict}{most}.", lang,
                     target=target_label(t, lang, st), required=fmt.number(t["required_reduction"], lang),
                     achieved=fmt.number(t["achieved_reduction"], lang), before=fmt.number(t["baseline"], lang),
                     after=fmt.number(t["after"], lang), verdict=_("met", lang) if t["met"] else _("not met", lang), most=mx))
    if s.get("blocking_units"):
        out.append(_("Units that can never reach the minimum staff: {units}.", lang, units=", ".join(s["blocking_units"])))
    return [fmt.nfc(t) for t in out]
