# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Can we cut another 10 percent?
# *Có thể giảm thêm 10% đơn vị sự nghiệp công lập không?*
#
# A **scenario** (a short YAML file in `scenarios/`) asks one question: can the units open today
# be merged so that the reduction targets are met, under rules such as "merge only within the
# same department and sector" or "no further than 40 km apart" — and which merges disturb the
# fewest people? orgmodel answers it exactly with an optimisation solver: the plan it returns
# meets every target at the lowest cost, where the cost counts each merge, each staff member moved
# and how far they move.
#
# This notebook loads a scenario, solves it, changes one rule and solves again, compares the two
# answers, and draws the **frontier**: the lowest cost of each possible reduction, which shows how
# much harder each extra unit is to cut.

# %% tags=["parameters"]
scenario = "../scenarios/psu-10pct-2025.yaml"  # the scenario to solve
rule = "max_staff"  # the rule to change for the comparison (see scenario-format.md) …
value = 60  # … and its new value: no unit above 60 staff after absorbing others
frontier_steps = 12  # points on the frontier curve (more points take longer)
lang = "vi"  # "vi" or "en"

# %%
from orgmodel import export as X
from orgmodel import plots as G
from orgmodel.optimise import frontier, solve_scenario
from orgmodel.scenario import load_scenario

scn = load_scenario(scenario)
print(scn.description)

# %% [markdown]
# ## 1. Solve the scenario as written

# %%
sol = solve_scenario(scn)
for line in X.scenario_sentences(sol, lang):
    print(line)

# %%
X.targets_table(sol, lang)

# %%
G.plan_chart(sol, by="sector", lang=lang)

# %%
G.plan_chart(sol, by="locality", lang=lang)

# %% [markdown]
# Each arrow goes from a unit to the unit that absorbs it (only when the registry has
# coordinates).

# %%
G.merge_map(sol, lang=lang) if G.has_coordinates(sol) else print("(no merges with coordinates to map)")

# %% [markdown]
# The merges themselves, one row per unit absorbed:

# %%
X.plan_table(sol, lang)

# %% [markdown]
# ## 2. Change one rule and solve again
# `X.variant` copies the scenario with one value changed (the file is not touched). Any rule,
# objective weight or scenario key can be changed this way, e.g. `max_staff=500`,
# `movable=("psu",)` or `staff_km=0`.

# %%
scn2 = X.variant(scn, **{rule: value})
sol2 = solve_scenario(scn2)
for line in X.scenario_sentences(sol2, lang):
    print(line)

# %%
X.compare_table({scn.name: sol, scn2.name: sol2}, lang)

# %% [markdown]
# ## 3. The frontier: what each extra unit costs
# The lowest cost of reaching each reduction (against the first target's baseline), from none to
# the most the rules allow. A curve that turns steeply upwards means the easy merges are used up.

# %%
front = frontier(scn, steps=frontier_steps)
G.frontier_chart(front, sol, lang=lang)

# %%
X.frontier_table(front, scn.name, lang)
