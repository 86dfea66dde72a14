# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Có thể giảm thêm 10% đơn vị sự nghiệp công lập không?
#
# Mỗi **phương án** (một tệp YAML ngắn trong `scenarios/`) đặt một câu hỏi: có thể sáp nhập các đơn
# vị đang hoạt động để đạt các mục tiêu giảm, theo các quy tắc như "chỉ sáp nhập trong cùng cơ quan
# quản lý và cùng lĩnh vực" hoặc "cách nhau không quá 40 km" — và cách sáp nhập nào ít xáo trộn nhất?
# orgmodel trả lời chính xác bằng bộ giải tối ưu: phương án tìm được đạt mọi mục tiêu với chi phí
# thấp nhất, trong đó chi phí tính mỗi lần sáp nhập, mỗi người phải chuyển đơn vị và quãng đường.
#
# Sổ tay này nạp một phương án, giải, đổi một quy tắc rồi giải lại, so sánh hai kết quả và vẽ
# **đường biên**: chi phí thấp nhất của từng mức giảm, cho thấy mỗi đơn vị giảm thêm khó đến đâu.
# Muốn thử nhanh nhiều lựa chọn bằng thanh trượt, dùng sổ tay `04-what-if`.

# %% tags=["parameters"]
scenario = "../scenarios/psu-10pct-2025.yaml"  # phương án cần giải
rule = "max_staff"  # quy tắc đổi để so sánh (xem scenario-format.md) …
value = 60  # … và giá trị mới: không đơn vị nào quá 60 người sau khi tiếp nhận
frontier_steps = 12  # số điểm trên đường biên (càng nhiều càng lâu)
lang = "vi"  # "vi" hoặc "en"

# %%
from orgmodel import export as X, maps as M, notebook as N, plots as G
from orgmodel.optimise import frontier, solve_scenario
from orgmodel.scenario import load_scenario

N.use_svg()  # biểu đồ hiển thị dạng SVG
scn = load_scenario(scenario)

# %% [markdown]
# ## 1. Giải phương án như đã viết

# %%
sol = solve_scenario(scn)
N.markdown(X.scenario_sentences(sol, lang))

# %%
X.targets_table(sol, lang)

# %%
G.plan_chart(sol, by="sector", lang=lang)

# %%
G.plan_chart(sol, by="locality", lang=lang)

# %% [markdown]
# Bản đồ sáp nhập trên ranh giới hành chính năm 2025 (tỉnh và 54 xã, phường, đặc khu): mỗi đoạn
# thẳng nối đơn vị được sáp nhập (vòng tròn rỗng) với đơn vị tiếp nhận (chấm đặc), màu theo lĩnh vực.
# Lưu cho phụ lục bằng `G.save_figure(fig, "../reports/ban-do-sap-nhap")` (PNG và SVG).

# %%
M.static_map(sol, lang=lang)

# %% [markdown]
# Danh sách sáp nhập, mỗi dòng một đơn vị được sáp nhập:

# %%
X.plan_table(sol, lang)

# %% [markdown]
# ## 2. Đổi một quy tắc rồi giải lại
# `X.variant` sao chép phương án với một giá trị thay đổi (tệp không bị sửa). Có thể đổi bất kỳ quy
# tắc, trọng số của hàm mục tiêu hay khóa nào của phương án, ví dụ `max_staff=500`,
# `movable=("psu",)` hoặc `staff_km=0`.

# %%
scn2 = X.variant(scn, **{rule: value})
sol2 = solve_scenario(scn2)
N.markdown(X.scenario_sentences(sol2, lang))

# %%
X.compare_table({scn.name: sol, scn2.name: sol2}, lang)

# %% [markdown]
# ## 3. Đường biên: mỗi đơn vị giảm thêm tốn bao nhiêu
# Chi phí thấp nhất để đạt từng mức giảm (so với mốc của mục tiêu thứ nhất), từ 0 đến mức tối đa các
# quy tắc cho phép. Đường cong dốc lên nghĩa là các phương án sáp nhập dễ đã dùng hết.

# %%
front = frontier(scn, steps=frontier_steps)
G.frontier_chart(front, sol, lang=lang)

# %%
X.frontier_table(front, scn.name, lang)
