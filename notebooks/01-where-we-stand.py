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
# # Where we stand against the 2015 baseline
# *Kết quả sắp xếp tổ chức bộ máy so với năm 2015*
#
# This notebook answers the first question of every proposal: **how many agencies and public
# service units (PSUs) do we have now, compared with the baseline, and how did we get here?**
#
# It reads the registry (the `units.csv` and `events.csv` files of a province), counts the units
# open on two dates, and shows the result as sentences, tables and figures you can paste into a
# Word proposal. Nothing here changes the registry.
#
# **To use it for another date or province**, change the values in the next cell and run all
# cells (*Run → Run All Cells*). Texts and figures are in Vietnamese when `lang = "vi"` and in
# English when `lang = "en"`.

# %% tags=["parameters"]
registry = "../data/quang-ninh"  # the registry folder (units.csv, events.csv)
baseline = "2015-12-31"  # the reference date (Resolution 19-NQ/TW counts against end-2015)
as_of = "2021-12-31"  # the date to report
lang = "vi"  # "vi" or "en"
target_kind, target_pct = "psu", 10  # the target to check: PSUs down at least 10 %
out = None  # a folder, e.g. "../reports/status-2021-12-31", to also write figures, Excel and Word

# %%
from orgmodel import export as X
from orgmodel import plots as G
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline

tl = Timeline(load_registry(registry))
tl.registry

# %% [markdown]
# ## 1. The headline
# One sentence for the proposal, computed from the registry: the reduction of all counted units
# (đầu mối) and how it splits between administrative agencies and PSUs.

# %%
print(X.summary_sentence(tl, baseline, as_of, lang))

# %%
X.progress_table(tl, baseline, as_of, lang)

# %%
G.progress_chart(tl, baseline, as_of, lang=lang)

# %% [markdown]
# ## 2. How the count moved: the reconciliation
# Every unit that existed at the baseline and is gone today was closed by a dated decision:
# merged into another unit (sáp nhập), consolidated into a new one (hợp nhất), split (chia) or
# dissolved (giải thể). New units were also opened. The count at the baseline, minus what closed,
# plus what opened, is the count today — the waterfall shows each step.

# %%
print(X.reconciliation_sentence(tl, baseline, as_of, lang))

# %%
X.reconciliation_table(tl, baseline, as_of, lang)

# %%
G.waterfall_chart(tl, baseline, as_of, lang=lang)

# %% [markdown]
# ## 3. Year by year, and the target
# The count at each 31 December, as a change against the baseline. The dashed line is the target;
# the circle marks the first year end at which it was met.

# %%
print(X.target_sentence(tl, target_kind, target_pct, baseline, as_of, lang))

# %%
X.trajectory_table(tl, baseline, as_of, lang)

# %%
G.trajectory_chart(tl, baseline, as_of, target_kind=target_kind, target_pct=target_pct, lang=lang)

# %% [markdown]
# ## 4. By sector and by locality
# Where the reduction happened. A locality is the district, town or city a unit serves;
# province-wide units are grouped as *Cấp tỉnh*.

# %%
G.breakdown_chart(tl, baseline, as_of, by="sector", lang=lang)

# %%
G.breakdown_chart(tl, baseline, as_of, by="locality", lang=lang)

# %% [markdown]
# ## 5. Everything for the proposal in one folder
# With `out` set in the parameters cell, this writes every figure (PNG at 300 dpi and SVG, 16 cm
# wide: paste them into Word at 100 %), an Excel workbook with every table, and a Word annex with
# the summary, tables and figures. A figure can also be saved on its own:
# `G.save_figure(fig, "../reports/my-figure")`.

# %%
if out:
    print(X.build_report(registry, baseline, as_of, out, lang=lang))
