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
# # Thử nhanh các phương án (what-if)
#
# Kéo thanh trượt, chọn lĩnh vực, địa bàn hoặc ghim một đơn vị: orgmodel giải lại ngay và cập nhật
# danh sách sáp nhập, hệ quả, bản đồ và đường biên chi phí.
#
# - **Mục tiêu giảm**: theo % hoặc theo số đơn vị, so với ngày mốc chọn ở ô *So với ngày*.
# - **Phạm vi**: để trống là mọi lĩnh vực và địa bàn của phương án; gõ để tìm và chọn.
# - **Cự ly tối đa** và **biên chế tối thiểu**: 0 là không đặt quy tắc đó.
# - **Ghim**: *giữ nguyên* một đơn vị, *không sáp nhập* hoặc *buộc sáp nhập* một đơn vị vào đơn vị
#   khác; gõ tên để tìm trong danh sách.
# - **Lưu thành phương án**: ghi tệp YAML (mặc định `scenarios/what-if.yaml`) để chạy bằng
#   `make scenario S=scenarios/what-if.yaml`, và so sánh với lần lưu trước.
#
# Đường biên tốn nhiều lần giải nên chỉ được tính khi mở thẻ *Đường biên chi phí*, mỗi bộ quy tắc một
# lần; đổi mục tiêu không cần tính lại.

# %% tags=["parameters"]
scenario = "../scenarios/psu-10pct-2025.yaml"  # phương án xuất phát
save_to = "../scenarios/what-if.yaml"  # nơi nút "Lưu" ghi phương án
lang = "vi"  # "vi" hoặc "en"

# %%
from orgmodel import maps as M
from orgmodel import notebook as N
from orgmodel.whatif import WhatIfApp

N.use_svg()  # biểu đồ hiển thị dạng SVG
app = WhatIfApp(scenario, lang=lang, save_to=save_to)
app

# %% [markdown]
# ## Bản đồ cho phụ lục
# Bản đồ tĩnh của phương án đang hiển thị ở trên (chạy lại ô này sau khi đổi lựa chọn). Lưu bằng
# `G.save_figure(fig, "../reports/ban-do-what-if")` (PNG 300 dpi và SVG) với
# `from orgmodel import plots as G`.

# %%
fig = M.static_map(app.last.solution, lang=lang)
fig
