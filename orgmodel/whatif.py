"""What-if: change a scenario with live controls, re-solve, and keep the result as a scenario file.

The logic is here; the notebook only calls it (``notebooks/04-what-if.ipynb``):

- :class:`Settings`: what a planner changes — the first target (percent or count, and its
  baseline), the scope (sectors, localities), the maximum distance, the minimum staff, and pins
  (keep a unit; forbid or force a merge). :meth:`Settings.from_scenario` reads them off a scenario.
- :func:`apply_settings`: the scenario with those settings (``orgmodel.export.variant`` underneath;
  the loaded scenario is never changed). Pins follow scenario-format 1.1 (``pins``); with an
  orgmodel that does not know pins yet, ``keep`` becomes the equivalent rule ``protected`` and
  forbid / force pins are reported as not applied (:attr:`Answer.notes`), never silently dropped.
- :func:`answer`: solve, check the pins against the plan, the consequences, the frontier (cached:
  it does not depend on the target, so moving the target slider does not recompute it).
- :func:`scenario_document` / :func:`save_scenario`: the what-if as a scenario YAML that ``make``
  runs (written atomically, then loaded back to prove it is valid).
- :class:`WhatIfApp`: the ipywidgets controls, plan table, consequences, map and frontier.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import os
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pandas as pd
import yaml

from . import export as X
from . import fmt
from . import scenario as S
from .errors import InputError
from .files import atomic_write_text
from .i18n import N_, _
from .notebook import markdown, svg
from .optimise import frontier, solve_scenario

PIN_KINDS = ("keep", "forbid", "merge")
FRONTIER_STEPS = 5
FRONTIER_TAB = 3
PIN_WORDS = {"keep": N_("keep"), "forbid": N_("forbid"), "merge": N_("force")}

TEXT = {
    "target": N_("Reduction target"),
    "mode": N_("Target as"),
    "mode_pct": N_("in %"),
    "mode_count": N_("in units"),
    "baseline": N_("Against"),
    "sectors": N_("Sectors (empty: all)"),
    "localities": N_("Localities (empty: all)"),
    "all": N_("(all)"),
    "max_km": N_("Max distance (km, 0 = none)"),
    "min_staff": N_("Minimum staff (0 = none)"),
    "pin_kind": N_("Pin"),
    "keep": N_("Keep"),
    "forbid": N_("Never merge into"),
    "merge": N_("Force merge into"),
    "unit": N_("Unit"),
    "into": N_("Receiving unit"),
    "add_pin": N_("Add pin"),
    "remove_pin": N_("Remove selected pins"),
    "pins": N_("Pins"),
    "save_to": N_("Save to"),
    "save": N_("Save as a scenario (YAML)"),
    "run": N_("Run {n}: {status}, {merges} units merged; re-solved and redrawn in {s} s"),
    "plan": N_("Merges"),
    "consequences": N_("Outcome"),
    "map": N_("Map"),
    "frontier": N_("Cost frontier"),
    "item": N_("Item"),
    "value": N_("Value"),
    "saved": N_("Saved {path}: run it with `make scenario S={path}`."),
    "compare": N_("Against the previous save ({prev}):"),
    "first_save": N_("First save: nothing earlier to compare with."),
    "pin_missing": N_("Forced merge {u} → {v} is not in the plan."),
    "pin_forbid": N_("Forbidden merge {u} → {v} is in the plan."),
    "pin_keep": N_("Kept unit {u} is merged."),
    "blocking": N_("Pin {kind} {pin} contradicts the rules{why}."),
    "no_pins": N_("This orgmodel does not support {kind} pins yet: {n} pin(s) not applied."),
    "pin_need_both": N_("Pick the unit and (for forbid/force pins) the unit it goes into from the lists."),
    "error": N_("Could not solve: {msg}"),
    "no_frontier": N_("(no frontier: {msg})"),
    "fallback": N_("(computed from the merges)"),
    "frontier_later": N_("The frontier is computed when this tab is opened (once per set of rules)."),
    "c_units_closed": N_("Units cut"),
    "c_staff_moved": N_("Staff moving unit"),
    "c_max_distance_km": N_("Longest move (km)"),
    "c_leader_posts_before": N_("Leader posts before"),
    "c_leader_posts_after": N_("Leader posts after"),
    "c_leader_posts_surplus": N_("Leaders without a post"),
}


def t(key: str, lang: str, **values) -> str:
    return fmt.nfc(_(TEXT[key], lang=fmt.check_lang(lang), **values))


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    """What the planner changes. Empty ``sectors``/``localities`` keep the scenario's scope;
    ``max_distance_km``/``min_staff`` None means no such rule."""

    target_mode: str = "pct"  # "pct" | "count"
    target: float = 10.0
    baseline: dt.date | None = None
    sectors: tuple[str, ...] = ()
    localities: tuple[str, ...] = ()
    max_distance_km: float | None = None
    min_staff: int | None = None
    keep: tuple[str, ...] = ()
    forbid: tuple[tuple[str, str], ...] = ()
    merge: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_scenario(cls, scn) -> Settings:
        t0 = scn.targets[0]
        pins = scenario_pins(scn)
        scope = scn.scope or {}
        return cls(
            target_mode="pct" if t0.reduce_pct is not None else "count",
            target=float(t0.reduce_pct) if t0.reduce_pct is not None else float(t0.reduce_count),
            baseline=t0.baseline,
            sectors=tuple(scope.get("sector", ())), localities=tuple(scope.get("locality", ())),
            max_distance_km=scn.rules.max_distance_km, min_staff=scn.rules.min_staff,
            keep=tuple(pins.get("keep", ())), forbid=tuple(map(tuple, pins.get("forbid", ()))),
            merge=tuple(map(tuple, pins.get("merge", ()))),
        )

    def frontier_key(self) -> tuple:
        """Everything but the target amount: the frontier depends on nothing else."""
        return dataclasses.replace(self, target=0.0, target_mode="pct")


def supports_pins() -> bool:
    """True when this orgmodel's scenarios carry ``pins`` (scenario-format 1.1)."""
    return "pins" in getattr(S, "TOP_KEYS", ()) or any(f.name == "pins" for f in dataclasses.fields(S.Scenario))


def scenario_pins(scn) -> dict[str, tuple]:
    """The scenario's pins as ``{"keep": (u, ...), "forbid": ((u, v), ...), "merge": (...)}``."""
    pins = getattr(scn, "pins", None)
    if pins is None:
        return {}
    get = pins.get if isinstance(pins, dict) else (lambda k, d=(): getattr(pins, k, d))
    out = {}
    for kind in PIN_KINDS:
        value = get(kind, ()) or ()
        out[kind] = tuple(str(v) for v in value) if kind == "keep" else tuple(tuple(str(x) for x in p) for p in value)
    return out


def _pins_value(scn, pins: dict[str, tuple]):
    current = getattr(scn, "pins", None)
    if dataclasses.is_dataclass(current):
        names = {f.name for f in dataclasses.fields(current)}
        return dataclasses.replace(current, **{k: v for k, v in pins.items() if k in names})
    fields_ = {f.name: f for f in dataclasses.fields(S.Scenario)}
    kind = getattr(S, "Pins", None)
    if current is None and kind is not None and dataclasses.is_dataclass(kind):
        names = {f.name for f in dataclasses.fields(kind)}
        return kind(**{k: v for k, v in pins.items() if k in names})
    if "pins" in fields_ and current is None and not any(pins.values()):
        return None
    return {k: v for k, v in pins.items() if v}


def apply_settings(base, s: Settings, name: str | None = None):
    """``(scenario, notes)``: ``base`` with the settings applied (``base`` itself is not changed)."""
    notes: list[str] = []
    t0 = base.targets[0]
    if s.target_mode not in ("pct", "count"):
        raise InputError(_("target_mode must be 'pct' or 'count', not {value}", value=repr(s.target_mode)))
    if s.target < 0:
        raise InputError(_("the target must be 0 or more, not {value}", value=s.target))
    amount = {"reduce_pct": Fraction(str(s.target)).limit_denominator(1000), "reduce_count": None} if s.target_mode == "pct" \
        else {"reduce_pct": None, "reduce_count": int(round(s.target))}
    first = dataclasses.replace(t0, baseline=s.baseline or t0.baseline, **amount)
    scope = dict(base.scope or {})
    for key, values in (("sector", s.sectors), ("locality", s.localities)):
        if values:
            scope[key] = tuple(sorted(values))
    changes = {"targets": [first, *base.targets[1:]], "scope": scope or None,
               "max_distance_km": s.max_distance_km or None, "min_staff": s.min_staff or None}
    pins = {"keep": tuple(sorted(s.keep)), "forbid": tuple(sorted(s.forbid)), "merge": tuple(sorted(s.merge))}
    if supports_pins():
        scn = X.variant(base, label=name or base.name, **changes)
        scn = dataclasses.replace(scn, pins=_pins_value(scn, pins))
    else:  # keep == protected (never absorbed, may absorb); forbid / force cannot be expressed
        protected = tuple(sorted(set(base.rules.protected) | set(pins["keep"])))
        scn = X.variant(base, label=name or base.name, protected=protected, **changes)
        for kind in ("forbid", "merge"):
            if pins[kind]:
                notes.append(t("no_pins", "vi", kind=kind, n=len(pins[kind])))
    return scn, notes


# ---------------------------------------------------------------- answers


@dataclass
class Answer:
    scenario: object
    solution: object
    settings: Settings
    notes: list[str] = field(default_factory=list)
    pin_problems: list[str] = field(default_factory=list)
    frontier: pd.DataFrame | None = None
    seconds: float = 0.0


def pin_problems(sol, s: Settings, lang: str = "vi") -> list[str]:
    """Pins the plan does not respect (empty when the plan honours every pin or there is no plan)."""
    if sol.status not in ("optimal", "feasible"):
        return []
    into = dict(zip(sol.plan["unit_id"], sol.plan["into_id"]))
    out = [t("pin_missing", lang, u=u, v=v) for u, v in s.merge if into.get(u) != v]
    out += [t("pin_forbid", lang, u=u, v=v) for u, v in s.forbid if into.get(u) == v]
    out += [t("pin_keep", lang, u=u) for u in s.keep if u in into]
    return out


def blocking_sentences(sol, lang: str = "vi") -> list[str]:
    """The pins that contradict the rules (summary ``blocking``, scenario-format 1.1), one sentence each."""
    out = []
    for b in sol.summary.get("blocking") or []:
        pin = f"{b.get('unit_id', '')}" + (f" → {b['into_id']}" if b.get("into_id") else "")
        why = f": {b['reason']}" if b.get("reason") else ""
        pin_kind = b.get("pin", "")
        kind = _(PIN_WORDS[pin_kind], lang=lang) if pin_kind in PIN_WORDS else pin_kind
        out.append(t("blocking", lang, kind=kind, pin=pin, why=why))
    return out


def consequences(sol) -> tuple[dict, bool]:
    """``(consequences, computed_here)``: the summary's ``consequences`` when the solver gives
    them, else the three that follow from the plan alone."""
    c = sol.summary.get("consequences")
    if c:
        return dict(c), False
    plan = sol.plan
    return {"units_closed": int(len(plan)), "staff_moved": int(plan["staff"].sum()) if len(plan) else 0,
            "max_distance_km": round(float(plan["distance_km"].max()), 1) if len(plan) else 0.0}, True


def consequences_table(sol, lang: str = "vi") -> pd.DataFrame:
    c, here = consequences(sol)
    rows = []
    for k, v in c.items():
        key = f"c_{k}"
        label = t(key, lang) if key in TEXT else k
        value = fmt.number(v, lang, 1 if isinstance(v, float) and not float(v).is_integer() else 0) if isinstance(v, (int, float)) else str(v)
        rows.append({t("item", lang): label + (" " + t("fallback", lang) if here else ""), t("value", lang): value})
    return pd.DataFrame(rows, columns=[t("item", lang), t("value", lang)])


class Solver:
    """Solves what-ifs of one loaded scenario; caches the frontier by everything but the target."""

    def __init__(self, base, lang: str = "vi", frontier_steps: int = FRONTIER_STEPS):
        self.base, self.lang, self.steps = base, fmt.check_lang(lang), frontier_steps
        self._fronts: dict = {}

    def answer(self, s: Settings, *, with_frontier: bool = True) -> Answer:
        t0 = time.perf_counter()
        scn, notes = apply_settings(self.base, s)
        sol = solve_scenario(scn)
        ans = Answer(scn, sol, s, notes, pin_problems(sol, s, self.lang))
        if with_frontier:
            self.add_frontier(ans)
        ans.seconds = time.perf_counter() - t0
        return ans

    def cached_frontier(self, s: Settings) -> pd.DataFrame | None:
        return self._fronts.get(s.frontier_key())

    def add_frontier(self, ans: Answer) -> pd.DataFrame:
        """The answer's frontier, computed once per set of rules, scope and pins."""
        key = ans.settings.frontier_key()
        if key not in self._fronts:
            self._fronts[key] = frontier(ans.scenario, steps=self.steps)
        ans.frontier = self._fronts[key]
        return ans.frontier


def answer(base, s: Settings, lang: str = "vi") -> Answer:
    return Solver(base, lang).answer(s)


# ---------------------------------------------------------------- scenario files


def _plain(v):
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else float(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def scenario_document(scn, path: str | Path, *, description: str = "") -> dict:
    """The scenario as a scenario-format mapping for a file at ``path`` (registry relative to it)."""
    path = Path(path)
    registry = os.path.relpath(os.path.abspath(scn.registry_path), os.path.dirname(os.path.abspath(path)))
    doc = {"name": path.stem, "description": fmt.nfc(description or scn.description or ""),
           "registry": Path(registry).as_posix(), "plan_from": scn.plan_from.isoformat(),
           "baseline": scn.baseline.isoformat(), "targets": []}
    for tg in scn.targets:
        row = {"kind": tg.kind}
        row.update({"reduce_pct": _plain(tg.reduce_pct)} if tg.reduce_pct is not None else {"reduce_count": int(tg.reduce_count)})
        if tg.baseline != scn.baseline:
            row["baseline"] = tg.baseline.isoformat()
        if tg.where:
            row["where"] = {k: _plain(v) for k, v in sorted(tg.where.items())}
        doc["targets"].append(row)
    doc["movable"] = list(scn.movable)
    if scn.scope:
        doc["scope"] = {k: _plain(v) for k, v in sorted(scn.scope.items())}
    rules = {f.name: getattr(scn.rules, f.name) for f in dataclasses.fields(scn.rules)}
    doc["rules"] = {k: _plain(v) for k, v in rules.items() if v is not None and v != () and v != []}
    doc["objective"] = {f.name: _plain(getattr(scn.objective, f.name)) for f in dataclasses.fields(scn.objective)}
    solver = {f.name: _plain(getattr(scn.solver, f.name)) for f in dataclasses.fields(scn.solver)}
    doc["solver"] = {k: v for k, v in solver.items() if v is not None}
    pins = {k: _plain(v) for k, v in scenario_pins(scn).items() if v}
    if pins:
        doc["pins"] = pins
    return doc


def describe(base, s: Settings, lang: str = "vi") -> str:
    """One sentence saying where a saved what-if comes from and what it changes."""
    amount = f"{fmt.number(s.target, lang, 1 if not float(s.target).is_integer() else 0)}{'%' if s.target_mode == 'pct' else ''}"
    parts = [_("cut {amount}", lang=lang, amount=amount)]
    if s.sectors:
        parts.append(", ".join(s.sectors))
    if s.localities:
        parts.append(", ".join(s.localities))
    if s.max_distance_km:
        parts.append(f"max_distance_km {s.max_distance_km:g}")
    if s.min_staff:
        parts.append(f"min_staff {s.min_staff}")
    n = len(s.keep) + len(s.forbid) + len(s.merge)
    if n:
        parts.append(_("{n} pins", lang=lang, n=n))
    return fmt.nfc(_("What-if from {name}: {changes}.", lang=lang, name=base.name, changes="; ".join(parts)))


def save_scenario(scn, path: str | Path, *, description: str = "") -> Path:
    """Write the scenario as YAML at ``path`` (atomically) and load it back (so ``make`` can run
    it); a file that would not load is removed again and the error raised."""
    path = Path(path)
    stem = path.stem
    if not S._SLUG.match(stem):
        raise InputError(_("{path}: the file name becomes the scenario name and must be a slug "
                           "(letters, digits, '.', '_', '-'), e.g. what-if.yaml", path=path))
    if path.suffix not in (".yaml", ".yml"):
        raise InputError(_("{path}: a scenario file ends in .yaml", path=path))
    text = yaml.safe_dump(scenario_document(scn, path, description=description), allow_unicode=True,
                          sort_keys=False, width=100)
    previous = path.read_bytes() if path.exists() else None
    atomic_write_text(path, text)
    try:
        S.load_scenario(path)
    except Exception:
        if previous is None:
            path.unlink()
        else:
            path.write_bytes(previous)
        raise
    return path


# ---------------------------------------------------------------- the widgets


def _show(out, *objs) -> None:
    """Replace what an Output widget shows (works with and without a live kernel: the display
    data is built here, not captured from stdout). Strings are shown as plain text."""
    out.outputs = ()
    for obj in objs:
        if isinstance(obj, str):
            out.append_stdout(obj + "\n")
        else:
            out.append_display_data(obj)


def _unit_label(uid: str, name: str) -> str:
    return fmt.nfc(f"{name} ({uid})")


class WhatIfApp:
    """Live controls over a scenario. ``display(app)`` shows them; every change re-solves and
    updates the status line, sentences, plan table, consequences, map and frontier."""

    def __init__(self, scenario, *, lang: str = "vi", save_to: str | Path = "../scenarios/what-if.yaml",
                 frontier_steps: int = FRONTIER_STEPS):
        import ipywidgets as W

        from . import maps as M

        self.lang = fmt.check_lang(lang)
        self.base = S.load_scenario(scenario) if isinstance(scenario, (str, Path)) else scenario
        self.solver = Solver(self.base, lang, frontier_steps)
        self.settings = Settings.from_scenario(self.base)
        self.runs = 0
        self.last: Answer | None = None
        self.saved: tuple[str, object] | None = None
        units = self.base.timeline.units_as_of(self.base.plan_from)
        units = units[units["kind"].isin(list(self.base.movable))]
        self.labels = {_unit_label(u, n): u for u, n in zip(units.index, units["name"])}
        self.names = {u: n for u, n in zip(units.index, units["name"])}
        L = lambda key: t(key, lang)  # noqa: E731
        wide = {"description_width": "initial"}
        s = self.settings
        self.w_mode = W.ToggleButtons(options=[(L("mode_pct"), "pct"), (L("mode_count"), "count")], value=s.target_mode,
                                      description=L("mode"), style=wide)
        self.w_target = W.FloatSlider(value=s.target, min=0, max=60, step=0.5, continuous_update=False,
                                      description=L("target"), style=wide, layout={"width": "480px"})
        self.w_target.add_class("orgmodel-target")
        self._set_target_range(s.target_mode)
        self.w_target.value = s.target
        dates = sorted({self.base.baseline, s.baseline or self.base.baseline, self.base.plan_from,
                        *(getattr(self.base.registry, "start", None) and [self.base.registry.start] or [])})
        self.w_baseline = W.Dropdown(options=[(fmt.date(d, lang), d) for d in dates], value=s.baseline or self.base.baseline,
                                     description=L("baseline"), style=wide)
        # scope choices shown in the output language, mapped back to the registry's values
        self.sector_names = {fmt.sector(v, lang): v for v in sorted(units["sector"].astype(str).unique())}
        self.locality_names = {fmt.locality(v, lang): v for v in sorted(units["locality"].astype(str).unique())}
        shown = lambda names, values: [k for k, v in names.items() if v in values]  # noqa: E731
        self.w_sectors = W.TagsInput(value=shown(self.sector_names, s.sectors), allowed_tags=sorted(self.sector_names),
                                     allow_duplicates=False)
        self.w_localities = W.TagsInput(value=shown(self.locality_names, s.localities),
                                        allowed_tags=sorted(self.locality_names), allow_duplicates=False)
        self.w_km = W.IntSlider(value=int(s.max_distance_km or 0), min=0, max=150, step=5, continuous_update=False,
                                description=L("max_km"), style=wide, layout={"width": "480px"})
        self.w_min = W.IntSlider(value=int(s.min_staff or 0), min=0, max=60, step=1, continuous_update=False,
                                 description=L("min_staff"), style=wide, layout={"width": "480px"})
        options = sorted(self.labels)
        self.w_pin_kind = W.Dropdown(options=[(L(k), k) for k in PIN_KINDS], value="keep", description=L("pin_kind"))
        self.w_pin_unit = W.Combobox(options=options, ensure_option=True, placeholder=L("unit"), layout={"width": "340px"})
        self.w_pin_into = W.Combobox(options=options, ensure_option=True, placeholder=L("into"), layout={"width": "340px"})
        self.w_add = W.Button(description=L("add_pin"), icon="thumb-tack")
        self.w_pins = W.SelectMultiple(options=[], rows=4, description=L("pins"), layout={"width": "720px"})
        self.w_remove = W.Button(description=L("remove_pin"))
        self.w_save_to = W.Text(value=str(save_to), description=L("save_to"), layout={"width": "480px"})
        self.w_save = W.Button(description=L("save"), button_style="primary", icon="save", layout={"width": "auto"})
        self.w_status = W.HTML()
        self.w_status.add_class("orgmodel-status")
        self.o_sentences, self.o_plan, self.o_cons = W.Output(), W.Output(), W.Output()
        self.o_frontier, self.o_save = W.Output(), W.Output()
        for o in (self.o_sentences, self.o_plan, self.o_cons, self.o_frontier):
            o.add_class("orgmodel-out")
        self.o_plan.add_class("orgmodel-plan")
        self.o_frontier.add_class("orgmodel-frontier")
        self.o_plan.layout = {"max_height": "360px", "overflow": "auto"}
        self.map = M.InteractiveMap(lang=lang)
        self._refresh_pins()
        for w in (self.w_target, self.w_baseline, self.w_sectors, self.w_localities, self.w_km, self.w_min):
            w.observe(self._changed, names="value")
        self.w_mode.observe(self._mode_changed, names="value")
        self.w_add.on_click(self._add_pin)
        self.w_remove.on_click(self._remove_pins)
        self.w_save.on_click(self._save)
        row = lambda *ws: W.HBox(list(ws))  # noqa: E731
        controls = W.VBox([
            row(self.w_mode), self.w_target, self.w_baseline,
            row(W.Label(L("sectors")), self.w_sectors), row(W.Label(L("localities")), self.w_localities),
            self.w_km, self.w_min,
            row(self.w_pin_kind, self.w_pin_unit, self.w_pin_into, self.w_add), row(self.w_pins, self.w_remove),
            row(self.w_save_to, self.w_save), self.o_save,
        ])
        tabs = W.Tab(children=[self.o_plan, self.o_cons, self.map.widget, self.o_frontier])
        for i, key in enumerate(("plan", "consequences", "map", "frontier")):
            tabs.set_title(i, L(key))
        tabs.selected_index = 0
        tabs.observe(self._tab_changed, names="selected_index")
        self.tabs = tabs
        self.widget = W.VBox([controls, self.w_status, self.o_sentences, tabs])
        self.widget.add_class("orgmodel-whatif")
        self.refresh()

    # -- controls -> settings
    def _set_target_range(self, mode: str) -> None:
        if mode == "pct":
            self.w_target.max, self.w_target.step = 60, 0.5
        else:
            self.w_target.max, self.w_target.step = max(int(len(self.names)), 1), 1

    def _mode_changed(self, change) -> None:
        self._set_target_range(change["new"])
        self._changed(change)

    def read_settings(self) -> Settings:
        return dataclasses.replace(
            self.settings, target_mode=self.w_mode.value, target=float(self.w_target.value), baseline=self.w_baseline.value,
            sectors=tuple(self.sector_names[v] for v in self.w_sectors.value if v in self.sector_names),
            localities=tuple(self.locality_names[v] for v in self.w_localities.value if v in self.locality_names),
            max_distance_km=float(self.w_km.value) or None, min_staff=int(self.w_min.value) or None)

    def _changed(self, _change=None) -> None:
        self.settings = self.read_settings()
        self.refresh()

    def _add_pin(self, _button=None) -> None:
        kind, u, v = self.w_pin_kind.value, self.labels.get(self.w_pin_unit.value), self.labels.get(self.w_pin_into.value)
        s = self.settings
        if u is None or (kind != "keep" and v is None):
            self.w_status.value = f"<b>{html.escape(t('pin_need_both', self.lang))}</b>"
            return
        if kind == "keep":
            s = dataclasses.replace(s, keep=tuple(sorted(set(s.keep) | {u})))
        else:
            s = dataclasses.replace(s, **{kind: tuple(sorted(set(getattr(s, kind)) | {(u, v)}))})
        self.settings = s
        self._refresh_pins()
        self.refresh()

    def _remove_pins(self, _button=None) -> None:
        gone = set(self.w_pins.value)
        s = self.settings
        self.settings = dataclasses.replace(
            s, keep=tuple(u for u in s.keep if ("keep", u) not in gone),
            forbid=tuple(p for p in s.forbid if ("forbid", p) not in gone),
            merge=tuple(p for p in s.merge if ("merge", p) not in gone))
        self._refresh_pins()
        self.refresh()

    def _refresh_pins(self) -> None:
        s, lang = self.settings, self.lang
        name = lambda u: _unit_label(u, self.names.get(u, ""))  # noqa: E731
        opts = [(f"{t('keep', lang)}: {name(u)}", ("keep", u)) for u in s.keep]
        opts += [(f"{name(u)} — {t(k, lang).lower()} — {name(v)}", (k, (u, v))) for k in ("forbid", "merge") for u, v in getattr(s, k)]
        self.w_pins.options = opts

    # -- solve and draw
    def refresh(self) -> Answer | None:
        from IPython.display import HTML

        t0 = time.perf_counter()
        lang = self.lang
        try:
            ans = self.solver.answer(self.settings, with_frontier=False)
        except Exception as exc:  # bad input shows as a message, the controls stay usable
            self.w_status.value = f"<b>{html.escape(t('error', lang, msg=str(exc)))}</b>"
            return None
        sol = ans.solution
        self.last = ans
        self.runs += 1
        lines = X.scenario_sentences(sol, lang) + blocking_sentences(sol, lang) + ans.notes + ans.pin_problems
        _show(self.o_sentences, markdown(lines))
        _show(self.o_plan, X.plan_table(sol, lang))
        _show(self.o_cons, HTML(consequences_table(sol, lang).to_html(index=False)))
        self.map.update(sol)
        self._draw_frontier()
        seconds = time.perf_counter() - t0
        status = _(X.STATUS.get(sol.status, sol.status), lang=lang)
        msg = t("run", lang, n=self.runs, status=status, merges=fmt.number(len(sol.plan), lang), s=fmt.number(seconds, lang, 2))
        self.w_status.value = (f'<span class="orgmodel-run" data-run="{self.runs}" data-merges="{len(sol.plan)}" '
                               f'data-seconds="{seconds:.3f}">{html.escape(msg)}</span>')
        return ans

    def _tab_changed(self, change) -> None:
        if change["new"] == FRONTIER_TAB:
            self._draw_frontier()

    def _draw_frontier(self) -> None:
        """The frontier, drawn while its tab is open (it costs several solves, so it is computed
        only when looked at, once per set of rules, scope and pins; a new target reuses it)."""
        from . import plots as G

        ans, lang = self.last, self.lang
        if ans is None:
            return
        if self.tabs.selected_index != FRONTIER_TAB:  # drawn when its tab is opened
            _show(self.o_frontier, t("frontier_later", lang))
            return
        try:
            front = self.solver.add_frontier(ans)
        except Exception as exc:
            front, why = None, str(exc)
        else:
            why = _(X.STATUS.get(ans.solution.status, ans.solution.status), lang=lang)
        if front is not None and len(front):
            _show(self.o_frontier, svg(G.frontier_chart(front, ans.solution, lang=lang)))
        else:
            _show(self.o_frontier, t("no_frontier", lang, msg=why))

    def _save(self, _button=None) -> None:
        lang = self.lang
        if self.last is None:
            return
        path = Path(self.w_save_to.value)
        try:
            previous = self.saved
            if previous is None and path.exists():  # the file saved last time (another session)
                previous = (path.stem, solve_scenario(S.load_scenario(path)))
            save_scenario(self.last.scenario, path, description=describe(self.base, self.last.settings, lang))
        except Exception as exc:
            _show(self.o_save, markdown(t("error", lang, msg=str(exc))))
            return
        label = f"{path.stem} #{self.runs}"
        shown = [markdown(t("saved", lang, path=path.as_posix()))]
        if previous is None:
            shown.append(markdown(t("first_save", lang)))
        else:
            shown += [markdown(t("compare", lang, prev=previous[0])),
                      X.compare_table({_("before: {label}", lang=lang, label=previous[0]): previous[1], _("now: {label}", lang=lang, label=label): self.last.solution}, lang)]
        _show(self.o_save, *shown)
        self.saved = (label, self.last.solution)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

