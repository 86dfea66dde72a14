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
# # Đơn vị nào đã được sắp xếp vào đâu
#
# Đếm cho biết *bao nhiêu* đơn vị đã giảm; sổ tay này cho biết *đơn vị nào*, và *nhiệm vụ của nó nay
# do ai đảm nhận*. Sổ tay theo dõi một đơn vị qua các lần sáp nhập, chia tách (**quá trình kế thừa**),
# lập **bảng chuyển đổi** từ mỗi đơn vị ở mốc so sánh sang các đơn vị kế thừa hiện nay (để chuyển số
# liệu cũ — biên chế, kinh phí, chỉ tiêu — sang cơ cấu hiện nay), và vẽ **sơ đồ tổ chức** của một sở
# trước và sau.
#
# Sửa các giá trị ở ô kế tiếp để theo dõi đơn vị khác hoặc vẽ sở khác, rồi chạy lại tất cả các ô.

# %% tags=["parameters"]
registry = "../data/quang-ninh"  # thư mục sổ theo dõi
baseline = "2015-12-31"  # ngày trước
as_of = "2021-12-31"  # ngày sau
unit = "HB-UBND"  # đơn vị cần theo dõi (unit_id trong units.csv)
department = "QN-SYT"  # đơn vị cần vẽ sơ đồ tổ chức (còn hoạt động ở cả hai ngày)
lang = "vi"  # "vi" hoặc "en"

# %%
from orgmodel import export as X
from orgmodel import notebook as N
from orgmodel import plots as G
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline

N.use_svg()  # biểu đồ hiển thị dạng SVG
tl = Timeline(load_registry(registry))

# %% [markdown]
# ## 1. Quá trình kế thừa của một đơn vị
# Các đơn vị còn hoạt động ở ngày sau đang kế thừa đơn vị này — chính nó nếu còn hoạt động; nếu
# không, là các đơn vị mà nó đã được sáp nhập, hợp nhất hoặc chia tách vào (và tiếp tục như vậy nếu
# các đơn vị đó lại được sắp xếp).

# %%
N.markdown(X.lineage_sentence(tl, unit, as_of, lang))

# %%
X.lineage_events_table(tl, unit, as_of, lang)

# %% [markdown]
# ## 2. Bảng chuyển đổi
# Mỗi dòng là một đơn vị có ở ngày trước và một đơn vị kế thừa nó. Tỷ lệ cho biết mỗi đơn vị mới
# kế thừa bao nhiêu phần của đơn vị cũ: bằng 1 khi sáp nhập; khi chia tách, theo tỷ lệ biên chế của
# các đơn vị mới. Đơn vị giải thể không có đơn vị kế thừa thì để trống.
# Trước hết, số đơn vị mỗi loại theo từng hình thức sắp xếp:

# %%
X.fate_table(tl, baseline, as_of, lang)

# %%
crosswalk = X.crosswalk_table(tl, baseline, as_of, lang)
crosswalk.frame.head(20)

# %% [markdown]
# Bảng chuyển đổi đầy đủ là trang *Chuyển đổi đơn vị* của sổ Excel do sổ tay 01 (hoặc
# `make report`) ghi ra.
#
# ## 3. Sơ đồ tổ chức của một sở, trước và sau
# Ô màu xanh là cơ quan hành chính, màu cam là đơn vị sự nghiệp công lập. Ở sơ đồ trước, đơn vị không
# còn ở ngày sau có viền xám nét đứt; ở sơ đồ sau, đơn vị thành lập mới có viền đậm.

# %%
G.org_chart(tl, department, baseline, as_of, lang=lang)
