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
# # Kết quả sắp xếp tổ chức bộ máy so với năm 2015
#
# Sổ tay này trả lời câu hỏi đầu tiên của mọi đề án: **hiện nay tỉnh có bao nhiêu cơ quan hành
# chính và đơn vị sự nghiệp công lập (ĐVSNCL) so với mốc 2015, và đã giảm như thế nào?**
#
# Sổ tay đọc sổ theo dõi (các tệp `units.csv` và `events.csv` của tỉnh), đếm các đơn vị còn hoạt
# động tại hai thời điểm và trình bày kết quả bằng câu văn, bảng và biểu đồ để dán vào đề án Word.
# Sổ tay không sửa sổ theo dõi.
#
# **Muốn tính cho ngày khác hoặc tỉnh khác**, sửa các giá trị ở ô kế tiếp rồi chạy lại tất cả các ô
# (*Run → Run All Cells*). Câu chữ và biểu đồ bằng tiếng Việt khi `lang = "vi"`, bằng tiếng Anh khi
# `lang = "en"`.

# %% tags=["parameters"]
registry = "../data/quang-ninh"  # thư mục sổ theo dõi (units.csv, events.csv)
baseline = "2015-12-31"  # mốc so sánh (Nghị quyết 19-NQ/TW tính so với cuối năm 2015)
as_of = "2021-12-31"  # ngày báo cáo
lang = "vi"  # "vi" hoặc "en"
target_kind, target_pct = "psu", 10  # mục tiêu cần kiểm tra: giảm ít nhất 10% ĐVSNCL
out = None  # một thư mục, ví dụ "../reports/status-2021-12-31", để ghi thêm biểu đồ, Excel và Word

# %%
from orgmodel import export as X
from orgmodel import notebook as N
from orgmodel import plots as G
from orgmodel.registry import load_registry
from orgmodel.timeline import Timeline

N.use_svg()  # biểu đồ hiển thị dạng SVG (chữ vẫn là chữ, nét ở mọi cỡ)
tl = Timeline(load_registry(registry))

# %% [markdown]
# ## 1. Kết quả chung
# Một câu cho đề án, tính từ sổ theo dõi: số đầu mối đã giảm và phân theo cơ quan hành chính và
# đơn vị sự nghiệp công lập.

# %%
N.markdown(X.summary_sentence(tl, baseline, as_of, lang))

# %%
X.progress_table(tl, baseline, as_of, lang)

# %%
G.progress_chart(tl, baseline, as_of, lang=lang)

# %% [markdown]
# ## 2. Số đầu mối đã thay đổi ra sao: bảng đối chiếu
# Mỗi đơn vị có ở mốc so sánh mà nay không còn đều đã được sắp xếp theo một quyết định có ngày:
# sáp nhập vào đơn vị khác, hợp nhất thành đơn vị mới, chia tách hoặc giải thể. Cũng có đơn vị được
# thành lập mới. Số ở mốc so sánh, trừ số đã giảm, cộng số thành lập mới, bằng số hiện nay — biểu
# đồ thác nước trình bày từng bước.

# %%
N.markdown(X.reconciliation_sentence(tl, baseline, as_of, lang))

# %%
X.reconciliation_table(tl, baseline, as_of, lang)

# %%
G.waterfall_chart(tl, baseline, as_of, lang=lang)

# %% [markdown]
# ## 3. Theo từng năm, so với mục tiêu
# Số đầu mối tại ngày 31 tháng 12 mỗi năm, tính theo mức thay đổi so với mốc. Đường nét đứt là mục
# tiêu; vòng tròn đánh dấu năm đầu tiên đạt mục tiêu.

# %%
N.markdown(X.target_sentence(tl, target_kind, target_pct, baseline, as_of, lang))

# %%
X.trajectory_table(tl, baseline, as_of, lang)

# %%
G.trajectory_chart(tl, baseline, as_of, target_kind=target_kind, target_pct=target_pct, lang=lang)

# %% [markdown]
# ## 4. Theo lĩnh vực và theo địa bàn
# Việc giảm đầu mối diễn ra ở đâu. Địa bàn là huyện, thị xã hoặc thành phố mà đơn vị phục vụ; các
# đơn vị toàn tỉnh được gộp vào nhóm *Cấp tỉnh*.

# %%
G.breakdown_chart(tl, baseline, as_of, by="sector", lang=lang)

# %%
G.breakdown_chart(tl, baseline, as_of, by="locality", lang=lang)

# %% [markdown]
# ## 5. Mọi thứ cho đề án trong một thư mục
# Khi đặt `out` ở ô tham số, ô dưới đây ghi mọi biểu đồ (PNG 300 dpi và SVG, rộng 16 cm: dán vào
# Word ở cỡ 100%), một sổ Excel với mọi bảng và một phụ lục Word gồm câu tóm tắt, bảng và biểu đồ.
# Cũng có thể lưu riêng một biểu đồ: `G.save_figure(fig, "../reports/bieu-do")`.

# %%
if out:
    print(X.build_report(registry, baseline, as_of, out, lang=lang))
