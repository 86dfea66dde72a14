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
# # What became of each unit
# *Đơn vị nào đã được sắp xếp vào đâu*
#
# Counting tells us *how many* units are gone; this notebook tells us *which*, and *where their
# work went*. It follows one unit through its merges and splits (its **lineage**), builds the
# **crosswalk** that maps every unit of the baseline to the units that carry it on today (to carry
# old figures — staff, budget, indicators — onto today's structure), and draws a department's
# **organisation chart** before and after.
#
# Change the values in the next cell to follow another unit or draw another department, then run
# all cells.

# %% tags=["parameters"]
registry = "../data/quang-ninh"  # the registry folder
baseline = "2015-12-31"  # the earlier date
as_of = "2021-12-31"  # the later date
unit = "HB-UBND"  # a unit to follow (its unit_id in units.csv)
department = "QN-SYT"  # the unit whose organisation chart to draw (open at both dates)
lang = "vi"  # "vi" or "en"

# %%
from orgmodel import export as X
from orgmodel import plots as G
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline

tl = Timeline(load_registry(registry))

# %% [markdown]
# ## 1. One unit's lineage
# The units open at the later date that carry on the unit — itself if it is still open; otherwise
# whatever it was merged, consolidated or split into (and so on, if those were reorganised again).

# %%
print(X.lineage_sentence(tl, unit, as_of, lang))

# %%
X.lineage_events_table(tl, unit, as_of, lang)

# %% [markdown]
# ## 2. The crosswalk
# One row per unit open at the earlier date and per unit that carries it on. The share says how
# much of the old unit each new unit carries: 1 through a merge; through a split, in proportion
# to the new units' staff. A unit dissolved without successors has an empty successor.
# First, how many units of each kind met each fate:

# %%
X.fate_table(tl, baseline, as_of, lang)

# %%
crosswalk = X.crosswalk_table(tl, baseline, as_of, lang)
crosswalk.frame.head(20)

# %% [markdown]
# The full crosswalk is the sheet *Chuyển đổi đơn vị* of the Excel workbook that notebook 01 (or
# `make report`) writes.
#
# ## 3. A department's organisation chart, before and after
# Boxes are blue for administrative agencies and orange for PSUs. In the earlier chart, units that
# no longer exist at the later date have a dashed grey outline; in the later chart, units opened
# since have a thick outline.

# %%
G.org_chart(tl, department, baseline, as_of, lang=lang)
