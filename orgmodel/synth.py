"""Seeded, deterministic generator of synthetic registries (registry format v1).

Two registries come out of the same code:

* :func:`generate_quang_ninh` — Quảng Ninh 2015-2025, calibrated so that the figures published by
  the Vietnam News Agency (July 2022) come out exactly when counted per the contract: -227 units
  (18.0 %) between 2015-12-31 and 2021-12-31, of which 140 agencies and 87 PSUs, and the -10 % PSU
  target met in 2020, not in 2019.
* :func:`generate_national` — ``provinces`` synthetic provinces 2015-2025, calibrated to the
  national PSU figures (55,891 in 2015 -> 48,442 in 2021 for 63 provinces), with the 2025
  reorganisation (departments 20 -> 14, district level abolished, provinces 63 -> 34).

How it works: a *province builder* turns a :class:`ProvinceSpec` into the 2015 units table; then a
year-by-year simulation applies dynamic *hooks* (scripted reorganisations that look at the current
state, e.g. the Hoành Bồ merger) and vectorised *filler* events (merges, consolidations, splits,
separations, dissolutions, establishments, transfers of leaf units) sized by a calibration step so
that every year-end count hits its target. Every event is checked against the current state as it
is generated (sources open, targets open or new, no children left behind), so the output is valid
by construction; the invariants are asserted.

Everything is driven by one ``numpy.random.Generator`` and sorted tables, so a seed gives the same
bytes every time. Run ``python -m orgmodel.synth quang-ninh data/quang-ninh`` to regenerate the
bundled registry, ``python -m orgmodel.synth national OUT --provinces 63`` for the national one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .files import atomic_write_csv, atomic_write_text

UNIT_COLUMNS = ["unit_id", "name", "kind", "level", "sector", "parent_id", "locality", "staff", "autonomy", "lat", "lon"]
EVENT_COLUMNS = ["event_id", "date", "type", "sources", "targets", "new_parent_id", "legal_basis", "note"]
START = "2015-12-31"
FIRST_YEAR, LAST_YEAR = 2016, 2025


def nfc(text: str) -> str:
    """NFC-normalise Vietnamese text (composed diacritics, as official documents use)."""
    return unicodedata.normalize("NFC", text)


# ====================================================================== reference tables
# Real names of provincial bodies (2015). code, name, sector.
DEPARTMENTS = [
    ("SNV", "Sở Nội vụ", "home-affairs"),
    ("STC", "Sở Tài chính", "finance"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "planning"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "education"),
    ("SYT", "Sở Y tế", "health"),
    ("SNN", "Sở Nông nghiệp và Phát triển nông thôn", "agriculture"),
    ("STNMT", "Sở Tài nguyên và Môi trường", "natural-resources"),
    ("SXD", "Sở Xây dựng", "construction"),
    ("SGTVT", "Sở Giao thông vận tải", "transport"),
    ("SCT", "Sở Công Thương", "industry-trade"),
    ("SVHTT", "Sở Văn hóa và Thể thao", "culture"),
    ("SDL", "Sở Du lịch", "tourism"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", "labour"),
    ("SKHCN", "Sở Khoa học và Công nghệ", "science"),
    ("STTTT", "Sở Thông tin và Truyền thông", "information"),
    ("STP", "Sở Tư pháp", "justice"),
    ("SNGV", "Sở Ngoại vụ", "foreign-affairs"),
    ("TTR", "Thanh tra tỉnh", "inspection"),
    ("VP", "Văn phòng UBND tỉnh", "general"),
    ("BDT", "Ban Dân tộc", "ethnic-affairs"),
    ("BQLKKT", "Ban Quản lý Khu kinh tế", "economy"),
]
SPECIALISED = [c for c, _, _ in DEPARTMENTS if c != "BQLKKT"]  # the 20 specialised agencies

# Internal divisions (phòng) of each department; names starting "Văn phòng"/"Thanh tra" are core.
DIVISIONS = {
    "SNV": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Tổ chức - Biên chế", "Phòng Xây dựng chính quyền và Công tác thanh niên",
            "Phòng Công chức, viên chức", "Phòng Cải cách hành chính", "Phòng Đào tạo, bồi dưỡng", "Phòng Tiền lương",
            "Phòng Quản lý hội và tổ chức phi chính phủ", "Phòng Địa giới hành chính"],
    "STC": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Quản lý ngân sách", "Phòng Tài chính hành chính sự nghiệp",
            "Phòng Tài chính đầu tư", "Phòng Quản lý giá và công sản", "Phòng Tài chính doanh nghiệp", "Phòng Tin học và Thống kê",
            "Phòng Quản lý ngân sách huyện, xã", "Phòng Tổng hợp"],
    "SKHDT": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Tổng hợp, quy hoạch", "Phòng Kinh tế ngành", "Phòng Văn hóa - Xã hội",
              "Phòng Đăng ký kinh doanh", "Phòng Đấu thầu, thẩm định và giám sát đầu tư", "Phòng Kinh tế đối ngoại",
              "Phòng Doanh nghiệp, kinh tế tập thể và tư nhân", "Phòng Khoa giáo - Văn xã"],
    "SGDDT": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Phòng Giáo dục Mầm non",
              "Phòng Giáo dục Tiểu học", "Phòng Giáo dục Trung học", "Phòng Giáo dục thường xuyên - chuyên nghiệp",
              "Phòng Khảo thí và Kiểm định chất lượng giáo dục", "Phòng Chính trị, tư tưởng", "Phòng Công nghệ thông tin",
              "Phòng Cơ sở vật chất - Thiết bị"],
    "SYT": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Phòng Nghiệp vụ Y",
            "Phòng Nghiệp vụ Dược", "Phòng Quản lý hành nghề y dược tư nhân", "Phòng Y tế dự phòng", "Phòng Bảo hiểm y tế",
            "Phòng Công nghệ thông tin y tế", "Phòng Trang thiết bị y tế", "Phòng Chăm sóc sức khỏe bà mẹ - trẻ em"],
    "SNN": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính",
            "Phòng Quản lý xây dựng công trình", "Phòng Khoa học công nghệ và Môi trường", "Phòng Pháp chế",
            "Phòng Kinh tế hợp tác và Trang trại", "Phòng Quản lý đầu tư"],
    "STNMT": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Quản lý đất đai", "Phòng Đo đạc, bản đồ và Viễn thám", "Phòng Tài nguyên nước",
              "Phòng Khoáng sản", "Phòng Khí tượng thủy văn và Biến đổi khí hậu", "Phòng Kế hoạch - Tài chính",
              "Phòng Tổ chức cán bộ", "Phòng Định giá đất", "Phòng Pháp chế"],
    "SXD": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Quy hoạch - Kiến trúc", "Phòng Quản lý xây dựng", "Phòng Kinh tế và Vật liệu xây dựng",
            "Phòng Phát triển đô thị", "Phòng Quản lý nhà và thị trường bất động sản", "Phòng Hạ tầng kỹ thuật",
            "Phòng Quản lý chất lượng công trình"],
    "SGTVT": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Quản lý kết cấu hạ tầng giao thông", "Phòng Quản lý vận tải, phương tiện và người lái",
              "Phòng Kế hoạch - Tài chính", "Phòng Quản lý chất lượng công trình giao thông", "Phòng Pháp chế - An toàn",
              "Phòng Đường thủy nội địa", "Phòng Tổ chức cán bộ"],
    "SCT": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Quản lý công nghiệp", "Phòng Quản lý thương mại", "Phòng Kế hoạch - Tài chính - Tổng hợp",
            "Phòng Quản lý năng lượng", "Phòng Kỹ thuật an toàn - Môi trường", "Phòng Xuất nhập khẩu và Hội nhập",
            "Phòng Quản lý cửa khẩu", "Phòng Tổ chức cán bộ"],
    "SVHTT": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Tổ chức - Pháp chế", "Phòng Kế hoạch - Tài chính", "Phòng Quản lý văn hóa",
              "Phòng Quản lý di sản", "Phòng Quản lý thể dục thể thao", "Phòng Gia đình", "Phòng Xây dựng nếp sống văn hóa",
              "Phòng Thể thao thành tích cao"],
    "SDL": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Quản lý lữ hành", "Phòng Quản lý cơ sở lưu trú", "Phòng Nghiệp vụ du lịch",
            "Phòng Quy hoạch - Phát triển tài nguyên du lịch", "Phòng Xúc tiến du lịch"],
    "SLDTBXH": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Lao động - Việc làm", "Phòng Người có công", "Phòng Bảo trợ xã hội",
                "Phòng Bảo vệ, chăm sóc trẻ em", "Phòng Bình đẳng giới", "Phòng Giáo dục nghề nghiệp", "Phòng Kế hoạch - Tài chính",
                "Phòng Tổ chức cán bộ", "Phòng Tiền lương - Bảo hiểm xã hội"],
    "SKHCN": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Quản lý khoa học", "Phòng Quản lý công nghệ và Thị trường công nghệ",
              "Phòng Kế hoạch - Tài chính", "Phòng Quản lý chuyên ngành", "Phòng Sở hữu trí tuệ", "Phòng An toàn bức xạ và hạt nhân"],
    "STTTT": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Bưu chính, Viễn thông", "Phòng Công nghệ thông tin", "Phòng Báo chí - Xuất bản",
              "Phòng Thông tin cơ sở", "Phòng Kế hoạch - Tài chính", "Phòng An toàn thông tin"],
    "STP": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Xây dựng và Kiểm tra văn bản", "Phòng Phổ biến, giáo dục pháp luật",
            "Phòng Hành chính tư pháp", "Phòng Bổ trợ tư pháp", "Phòng Quản lý xử lý vi phạm hành chính và theo dõi thi hành pháp luật",
            "Phòng Tổ chức cán bộ"],
    "SNGV": ["Văn phòng Sở", "Thanh tra Sở", "Phòng Lãnh sự", "Phòng Hợp tác quốc tế", "Phòng Quản lý biên giới", "Phòng Thông tin đối ngoại"],
    "TTR": ["Văn phòng", "Phòng Nghiệp vụ 1", "Phòng Nghiệp vụ 2", "Phòng Nghiệp vụ 3", "Phòng Nghiệp vụ 4",
            "Phòng Tiếp công dân và Xử lý đơn thư", "Phòng Phòng, chống tham nhũng", "Phòng Giám sát, kiểm tra và Xử lý sau thanh tra"],
    "VP": ["Phòng Hành chính - Tổ chức", "Phòng Tổng hợp", "Phòng Kinh tế", "Phòng Xây dựng - Giao thông - Quy hoạch",
           "Phòng Văn hóa - Xã hội", "Phòng Nội chính - Pháp chế", "Phòng Tài nguyên và Môi trường", "Phòng Quản trị - Tài vụ",
           "Phòng Tiếp công dân", "Phòng Kiểm soát thủ tục hành chính", "Phòng Nông lâm nghiệp", "Phòng Đối ngoại",
           "Phòng Công nghiệp - Thương mại"],
    "BDT": ["Văn phòng", "Thanh tra", "Phòng Chính sách dân tộc", "Phòng Kế hoạch - Tổng hợp", "Phòng Tuyên truyền"],
    "BQLKKT": ["Văn phòng", "Phòng Quản lý đầu tư", "Phòng Quản lý quy hoạch và xây dựng", "Phòng Quản lý doanh nghiệp và lao động",
               "Phòng Quản lý tài nguyên và môi trường", "Phòng Quản lý cửa khẩu", "Phòng Xúc tiến đầu tư"],
}
CORE_DIVISION = ("Văn phòng", "Thanh tra", "Phòng Hành chính - Tổ chức", "Phòng Tổng hợp")
NEW_DIVISION_NAMES = ["Phòng Chuyển đổi số", "Phòng Quản lý đầu tư công", "Phòng Hợp tác quốc tế", "Phòng Cải cách hành chính",
                      "Phòng Pháp chế", "Phòng Kiểm soát thủ tục hành chính", "Phòng Quản lý chất lượng", "Phòng Thông tin - Truyền thông",
                      "Phòng Quản lý dự án", "Phòng Thống kê - Dữ liệu"]

# Sub-departments (chi cục / ban) under departments: dept, code, name, sector.
CHI_CUC = [
    ("SNV", "BTDKT", "Ban Thi đua - Khen thưởng", "home-affairs"),
    ("SNV", "BTG", "Ban Tôn giáo", "home-affairs"),
    ("SNV", "CCVTLT", "Chi cục Văn thư - Lưu trữ", "home-affairs"),
    ("SYT", "CCDS", "Chi cục Dân số - Kế hoạch hóa gia đình", "health"),
    ("SYT", "CCATTP", "Chi cục An toàn vệ sinh thực phẩm", "health"),
    ("SNN", "CCKL", "Chi cục Kiểm lâm", "agriculture"),
    ("SNN", "CCTS", "Chi cục Thủy sản", "agriculture"),
    ("SNN", "CCTL", "Chi cục Thủy lợi", "agriculture"),
    ("SNN", "CCBVTV", "Chi cục Trồng trọt và Bảo vệ thực vật", "agriculture"),
    ("SNN", "CCTY", "Chi cục Chăn nuôi và Thú y", "agriculture"),
    ("SNN", "CCPTNT", "Chi cục Phát triển nông thôn", "agriculture"),
    ("SNN", "CCQLCL", "Chi cục Quản lý chất lượng nông lâm sản và thủy sản", "agriculture"),
    ("STNMT", "CCBVMT", "Chi cục Bảo vệ môi trường", "natural-resources"),
    ("STNMT", "CCBHD", "Chi cục Biển và Hải đảo", "natural-resources"),
    ("SCT", "CCQLTT", "Chi cục Quản lý thị trường", "industry-trade"),
    ("SLDTBXH", "CCTNXH", "Chi cục Phòng, chống tệ nạn xã hội", "labour"),
    ("SKHCN", "CCTDC", "Chi cục Tiêu chuẩn - Đo lường - Chất lượng", "science"),
]
CHI_CUC_DIVISIONS = ["Phòng Hành chính - Tổng hợp", "Phòng Nghiệp vụ", "Phòng Thanh tra - Pháp chế", "Phòng Kế hoạch - Tài chính",
                     "Phòng Kỹ thuật"]

# Provincial public service units: code, parent (department code or UBND), name ({tinh} = province
# name, {tinh_full} = "tỉnh <name>"), sector, category, staff range, autonomy groups, scope
# (all / qn = Quảng Ninh only), locality ("" = province-wide).
PROVINCIAL_PSUS = [
    ("DAI", "UBND", "Đài Phát thanh và Truyền hình {tinh}", "information", "media", 150, 300, "23", "all", ""),
    ("BAO", "UBND", "Báo {tinh}", "information", "media", 60, 120, "23", "all", ""),
    ("TCHL", "UBND", "Tạp chí Hạ Long", "information", "media", 8, 15, "34", "qn", ""),
    ("DHHL", "UBND", "Trường Đại học Hạ Long", "education", "centre", 250, 400, "3", "qn", "Uông Bí"),
    ("BQLVHL", "UBND", "Ban Quản lý Vịnh Hạ Long", "culture", "centre", 60, 120, "2", "qn", "Hạ Long"),
    ("BQLDA-DD", "UBND", "Ban Quản lý dự án đầu tư xây dựng các công trình dân dụng và công nghiệp tỉnh", "construction", "centre", 40, 80, "2", "all", ""),
    ("BQLDA-GT", "UBND", "Ban Quản lý dự án đầu tư xây dựng các công trình giao thông tỉnh", "transport", "centre", 40, 80, "2", "all", ""),
    ("BQLDA-NN", "UBND", "Ban Quản lý dự án đầu tư xây dựng các công trình nông nghiệp và phát triển nông thôn tỉnh", "agriculture", "centre", 30, 60, "2", "all", ""),
    ("TTPVHCC", "VP", "Trung tâm Phục vụ hành chính công tỉnh", "general", "centre", 20, 40, "4", "all", ""),
    ("CONG", "VP", "Cổng Thông tin điện tử tỉnh", "information", "media", 10, 25, "34", "all", ""),
    ("TTYTDP", "SYT", "Trung tâm Y tế dự phòng {tinh_full}", "health", "prev-centre", 60, 110, "34", "all", ""),
    ("TTHIV", "SYT", "Trung tâm Phòng, chống HIV/AIDS {tinh_full}", "health", "prev-centre", 25, 45, "4", "all", ""),
    ("TTSR", "SYT", "Trung tâm Phòng, chống sốt rét - Ký sinh trùng - Côn trùng", "health", "prev-centre", 20, 40, "4", "all", ""),
    ("TTNT", "SYT", "Trung tâm Nội tiết {tinh_full}", "health", "prev-centre", 20, 40, "4", "all", ""),
    ("TTSKSS", "SYT", "Trung tâm Chăm sóc sức khỏe sinh sản {tinh_full}", "health", "prev-centre", 25, 45, "4", "all", ""),
    ("TTGDSK", "SYT", "Trung tâm Truyền thông giáo dục sức khỏe", "health", "prev-centre", 12, 25, "4", "all", ""),
    ("TTKN", "SYT", "Trung tâm Kiểm nghiệm thuốc, mỹ phẩm, thực phẩm", "health", "centre", 25, 45, "3", "all", ""),
    ("TTGDYK", "SYT", "Trung tâm Giám định y khoa", "health", "centre", 10, 20, "3", "all", ""),
    ("TTPY", "SYT", "Trung tâm Pháp y", "health", "centre", 10, 20, "4", "all", ""),
    ("CDYT", "SYT", "Trường Cao đẳng Y tế {tinh}", "health", "centre", 80, 150, "3", "all", ""),
    ("TTGDTX", "SGDDT", "Trung tâm Giáo dục thường xuyên tỉnh", "education", "centre", 30, 50, "3", "all", ""),
    ("THPT-CHUYEN", "SGDDT", "Trường THPT Chuyên {chuyen}", "education", "school-special", 70, 110, "3", "all", ""),
    ("PTDTNT", "SGDDT", "Trường Phổ thông Dân tộc nội trú tỉnh", "education", "school-special", 50, 80, "4", "all", ""),
    ("TTKNONG", "SNN", "Trung tâm Khuyến nông {tinh_full}", "agriculture", "centre", 20, 40, "34", "all", ""),
    ("TTNS", "SNN", "Trung tâm Nước sinh hoạt và Vệ sinh môi trường nông thôn", "agriculture", "centre", 20, 40, "2", "all", ""),
    ("TTGIONG", "SNN", "Trung tâm Giống và Phát triển nông lâm nghiệp", "agriculture", "centre", 20, 40, "2", "all", ""),
    ("BQLCC", "SNN", "Ban Quản lý cảng cá, bến cá", "agriculture", "centre", 10, 25, "2", "all", ""),
    ("VPDKDD", "STNMT", "Văn phòng Đăng ký đất đai", "natural-resources", "centre", 80, 160, "2", "all", ""),
    ("TTQT", "STNMT", "Trung tâm Quan trắc tài nguyên và môi trường", "natural-resources", "centre", 20, 40, "3", "all", ""),
    ("TTCNTT-TNMT", "STNMT", "Trung tâm Công nghệ thông tin tài nguyên và môi trường", "natural-resources", "centre", 15, 30, "3", "all", ""),
    ("TTPTQD", "STNMT", "Trung tâm Phát triển quỹ đất tỉnh", "natural-resources", "centre", 20, 40, "2", "all", ""),
    ("VQH", "SXD", "Viện Quy hoạch xây dựng", "construction", "centre", 30, 60, "2", "all", ""),
    ("TTKD", "SXD", "Trung tâm Kiểm định chất lượng xây dựng", "construction", "centre", 20, 40, "2", "all", ""),
    ("CVDTND", "SGTVT", "Cảng vụ Đường thủy nội địa", "transport", "centre", 30, 60, "3", "all", ""),
    ("BQLBT", "SGTVT", "Ban Quản lý bảo trì đường bộ", "transport", "centre", 15, 30, "3", "all", ""),
    ("TTDK", "SGTVT", "Trung tâm Đăng kiểm phương tiện thủy bộ", "transport", "centre", 20, 40, "1", "all", ""),
    ("TTKC", "SCT", "Trung tâm Khuyến công và Tư vấn phát triển công nghiệp", "industry-trade", "centre", 12, 25, "3", "all", ""),
    ("TTXTTM", "SCT", "Trung tâm Xúc tiến thương mại", "industry-trade", "centre", 10, 20, "3", "all", ""),
    ("BT", "SVHTT", "Bảo tàng {tinh}", "culture", "centre", 30, 60, "4", "all", ""),
    ("TV", "SVHTT", "Thư viện {tinh_full}", "culture", "centre", 25, 45, "4", "all", ""),
    ("TTVHTT", "SVHTT", "Trung tâm Văn hóa Thông tin tỉnh", "culture", "centre", 25, 45, "4", "all", ""),
    ("DNT", "SVHTT", "Đoàn Nghệ thuật {tinh}", "culture", "centre", 40, 70, "3", "all", ""),
    ("TTHLTDTT", "SVHTT", "Trung tâm Huấn luyện và Thi đấu thể thao", "culture", "centre", 30, 60, "4", "all", ""),
    ("TTPHP", "SVHTT", "Trung tâm Phát hành phim và Chiếu bóng", "culture", "centre", 15, 30, "3", "all", ""),
    ("BQLYT", "SVHTT", "Ban Quản lý Di tích và Rừng quốc gia Yên Tử", "culture", "centre", 40, 70, "2", "qn", "Uông Bí"),
    ("TTXTDL", "SDL", "Trung tâm Thông tin xúc tiến du lịch", "tourism", "centre", 10, 20, "3", "all", ""),
    ("TTBTXH", "SLDTBXH", "Trung tâm Bảo trợ xã hội", "labour", "centre", 30, 60, "4", "all", ""),
    ("TTDDNCC", "SLDTBXH", "Trung tâm Điều dưỡng người có công", "labour", "centre", 20, 40, "4", "all", ""),
    ("TTDVVL", "SLDTBXH", "Trung tâm Dịch vụ việc làm", "labour", "centre", 20, 40, "3", "all", ""),
    ("CSCNMT", "SLDTBXH", "Cơ sở Cai nghiện ma túy tỉnh", "labour", "centre", 30, 60, "4", "all", ""),
    ("CDN", "SLDTBXH", "Trường Cao đẳng {cdn}", "labour", "centre", 60, 120, "3", "all", ""),
    ("TTTTKHCN", "SKHCN", "Trung tâm Thông tin và Thống kê khoa học và công nghệ", "science", "centre", 10, 20, "4", "all", ""),
    ("TTKTTDC", "SKHCN", "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng", "science", "centre", 15, 30, "2", "all", ""),
    ("TTUDKHCN", "SKHCN", "Trung tâm Ứng dụng tiến bộ khoa học và công nghệ", "science", "centre", 12, 25, "3", "all", ""),
    ("TTCNTT", "STTTT", "Trung tâm Công nghệ thông tin và Truyền thông", "information", "centre", 15, 30, "3", "all", ""),
    ("TTTGPL", "STP", "Trung tâm Trợ giúp pháp lý nhà nước", "justice", "centre", 15, 30, "4", "all", ""),
    ("PCC1", "STP", "Phòng Công chứng số 1", "justice", "centre", 6, 12, "1", "all", ""),
    ("PCC2", "STP", "Phòng Công chứng số 2", "justice", "centre", 6, 12, "1", "all", ""),
    ("PCC3", "STP", "Phòng Công chứng số 3", "justice", "centre", 5, 10, "2", "all", ""),
    ("TTDGTS", "STP", "Trung tâm Dịch vụ đấu giá tài sản", "justice", "centre", 6, 12, "1", "all", ""),
    ("TTXTDT", "SKHDT", "Trung tâm Xúc tiến đầu tư", "planning", "centre", 10, 20, "3", "all", ""),
    ("TTLTLS", "SNV", "Trung tâm Lưu trữ lịch sử", "home-affairs", "centre", 10, 20, "4", "all", ""),
    ("TTDVDN", "SNGV", "Trung tâm Dịch vụ đối ngoại", "foreign-affairs", "centre", 6, 12, "3", "all", ""),
    ("TTDVKKT", "BQLKKT", "Trung tâm Dịch vụ hỗ trợ đầu tư khu kinh tế", "economy", "centre", 8, 15, "3", "all", ""),
]

# Provincial PSUs that filler transfers may move between the UBND and a department.
MOVABLE = {"BQLDA-DD", "BQLDA-GT", "BQLDA-NN", "TTXTDT", "TTXTTM", "TTXTDL", "CDYT", "CDN", "TTPVHCC"}

# Hospitals under Sở Y tế: name, staff range, autonomy, scope, locality ("" = province-wide).
PROVINCIAL_HOSPITALS = [
    ("Bệnh viện Đa khoa {tinh_full}", 900, 1200, "2", "all", ""),
    ("Bệnh viện Bãi Cháy", 700, 1000, "2", "qn", "Hạ Long"),
    ("Bệnh viện Sản Nhi {tinh}", 450, 700, "2", "all", ""),
    ("Bệnh viện Lao và Phổi {tinh}", 150, 260, "3", "all", ""),
    ("Bệnh viện Y dược cổ truyền {tinh}", 150, 260, "3", "all", ""),
    ("Bệnh viện Phục hồi chức năng {tinh}", 100, 180, "3", "all", ""),
    ("Bệnh viện Bảo vệ sức khỏe Tâm thần {tinh}", 100, 200, "4", "all", ""),
    ("Bệnh viện Việt Nam - Thụy Điển Uông Bí", 700, 1000, "2", "qn", "Uông Bí"),
    ("Bệnh viện Đa khoa khu vực Cẩm Phả", 400, 650, "2", "qn", "Cẩm Phả"),
    ("Bệnh viện Đa khoa khu vực Tiên Yên", 150, 300, "3", "qn", "Tiên Yên"),
]

# District-level divisions (phòng) under a district UBND: code, name, sector, applies, core.
DISTRICT_PHONG = [
    ("VP", "Văn phòng HĐND và UBND", "general", "all", True),
    ("PNV", "Phòng Nội vụ", "home-affairs", "all", True),
    ("PTP", "Phòng Tư pháp", "justice", "all", False),
    ("PTCKH", "Phòng Tài chính - Kế hoạch", "finance", "all", True),
    ("PTNMT", "Phòng Tài nguyên và Môi trường", "natural-resources", "all", False),
    ("PLDTBXH", "Phòng Lao động - Thương binh và Xã hội", "labour", "all", False),
    ("PVHTT", "Phòng Văn hóa và Thông tin", "culture", "all", False),
    ("PGDDT", "Phòng Giáo dục và Đào tạo", "education", "all", True),
    ("PYT", "Phòng Y tế", "health", "all", False),
    ("TTR", "Thanh tra", "inspection", "all", False),
    ("PKT", "Phòng Kinh tế", "industry-trade", "urban", False),
    ("PQLDT", "Phòng Quản lý đô thị", "construction", "urban", False),
    ("PKTHT", "Phòng Kinh tế và Hạ tầng", "construction", "rural", False),
    ("PNN", "Phòng Nông nghiệp và Phát triển nông thôn", "agriculture", "rural", False),
    ("PDT", "Phòng Dân tộc", "ethnic-affairs", "ethnic", False),
]
# When Hoành Bồ's phòng merge into Hạ Long's, a phòng without a same-code counterpart goes here.
PHONG_FALLBACK = {"PKTHT": "PQLDT", "PNN": "PKT", "PKT": "PKTHT", "PQLDT": "PKTHT"}

# District-level PSUs under a district UBND: code, name, sector, category, staff, autonomy, applies.
DISTRICT_PSUS = [
    ("GDNN", "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên", "education", "centre-gdtx", 15, 30, "34", "all"),
    ("TTVH", "Trung tâm Văn hóa - Thể thao", "culture", "district-culture", 8, 20, "34", "all"),
    ("DTTH", "Đài Truyền thanh - Truyền hình", "information", "district-radio", 8, 18, "34", "all"),
    ("TKN", "Trạm Khuyến nông", "agriculture", "district-centre", 4, 10, "4", "rural"),
    ("BQLDA", "Ban Quản lý dự án đầu tư xây dựng", "construction", "district-centre", 10, 30, "2", "all"),
    ("PTQD", "Trung tâm Phát triển quỹ đất", "natural-resources", "district-centre", 8, 20, "23", "all"),
]

# Schools: category -> (id code, name label, staff range, share of basic schools).
SCHOOLS = {
    "school-mn": ("MN", "Trường Mầm non", 18, 45, 0.37),
    "school-th": ("TH", "Trường Tiểu học", 25, 60, 0.33),
    "school-thcs": ("THCS", "Trường THCS", 25, 62, 0.27),
    "school-ths": ("THTHCS", "Trường Tiểu học và THCS", 25, 55, 0.03),
    "school-thpt": ("THPT", "Trường THPT", 45, 80, 0.0),
}

# What filler events may do to a unit of each category (kind, operations, selection weight).
CATEGORY_OPS = {
    "division": ("agency", {"merge", "dissolve", "consolidate", "separate", "establish"}, 1.0),
    "ccdiv": ("agency", {"merge", "dissolve"}, 1.0),
    "team": ("agency", {"merge", "dissolve"}, 0.6),
    "phong": ("agency", {"merge", "dissolve"}, 0.25),
    "school-mn": ("psu", {"merge", "dissolve", "split", "separate", "establish"}, 1.0),
    "school-th": ("psu", {"merge", "dissolve", "split", "separate", "establish", "consolidate"}, 1.0),
    "school-thcs": ("psu", {"merge", "dissolve", "split", "separate", "establish", "consolidate"}, 1.0),
    "school-ths": ("psu", {"merge", "dissolve"}, 0.5),
    "school-thpt": ("psu", {"merge", "dissolve", "establish"}, 0.3),
    "centre-movable": ("psu", {"transfer"}, 1.0),
}

# ---------------------------------------------------------------------- Quảng Ninh geography
# District-level units of Quảng Ninh before 2020 (real), with approximate centres and a weight
# (share of schools). code, name, type, lat, lon, spread, weight, ethnic, places (communes/wards).
QN_DISTRICTS = [
    ("HL", "Hạ Long", "thành phố", 20.9560, 107.0740, 0.025, 0.190, False,
     "Hồng Gai,Bạch Đằng,Trần Hưng Đạo,Yết Kiêu,Hồng Hải,Cao Thắng,Cao Xanh,Hà Khánh,Hà Phong,Hà Tu,Hà Trung,Hà Lầm,"
     "Hồng Hà,Giếng Đáy,Hùng Thắng,Bãi Cháy,Hà Khẩu,Tuần Châu,Việt Hưng,Đại Yên"),
    ("CP", "Cẩm Phả", "thành phố", 21.0130, 107.2900, 0.030, 0.140, False,
     "Cẩm Thủy,Cẩm Trung,Cẩm Thành,Cẩm Bình,Cẩm Đông,Cẩm Tây,Cẩm Thạch,Cẩm Sơn,Cẩm Phú,Cẩm Thịnh,Quang Hanh,Cửa Ông,"
     "Mông Dương,Cộng Hòa,Cẩm Hải,Dương Huy"),
    ("UB", "Uông Bí", "thành phố", 21.0370, 106.7720, 0.025, 0.090, False,
     "Quang Trung,Trưng Vương,Thanh Sơn,Yên Thanh,Bắc Sơn,Nam Khê,Vàng Danh,Phương Đông,Phương Nam,Thượng Yên Công"),
    ("MC", "Móng Cái", "thành phố", 21.5100, 107.9400, 0.030, 0.070, False,
     "Ka Long,Trần Phú,Hòa Lạc,Ninh Dương,Hải Hòa,Bình Ngọc,Trà Cổ,Hải Xuân,Hải Yên,Hải Đông,Hải Sơn,Hải Tiến,Quảng Nghĩa,"
     "Vạn Ninh,Vĩnh Thực,Vĩnh Trung"),
    ("QY", "Quảng Yên", "thị xã", 20.9400, 106.8100, 0.025, 0.100, False,
     "Quảng Yên,Yên Giang,Nam Hòa,Cộng Hòa,Hà An,Phong Cốc,Phong Hải,Minh Thành,Đông Mai,Cẩm La,Sông Khoai,Tiền An,"
     "Hiệp Hòa,Hoàng Tân,Liên Hòa,Liên Vị,Tiền Phong"),
    ("DT", "Đông Triều", "thị xã", 21.0840, 106.5250, 0.030, 0.120, False,
     "Đông Triều,Mạo Khê,Kim Sơn,Xuân Sơn,Đức Chính,Hưng Đạo,Yên Thọ,Hoàng Quế,Hồng Phong,Tràng An,Bình Dương,Thủy An,"
     "Nguyễn Huệ,An Sinh,Bình Khê,Tràng Lương,Việt Dân,Tân Việt,Hồng Thái Đông,Hồng Thái Tây"),
    ("VD", "Vân Đồn", "huyện", 21.0650, 107.4250, 0.035, 0.040, False,
     "Cái Rồng,Đông Xá,Hạ Long,Bình Dân,Đoàn Kết,Đài Xuyên,Vạn Yên,Minh Châu,Quan Lạn,Ngọc Vừng,Thắng Lợi,Bản Sen"),
    ("HB", "Hoành Bồ", "huyện", 21.0300, 107.0350, 0.035, 0.040, True,
     "Trới,Lê Lợi,Thống Nhất,Sơn Dương,Dân Chủ,Quảng La,Bằng Cả,Tân Dân,Đồng Lâm,Đồng Sơn,Kỳ Thượng,Vũ Oai,Hòa Bình"),
    ("TY", "Tiên Yên", "huyện", 21.3300, 107.4000, 0.035, 0.040, True,
     "Tiên Yên,Đông Ngũ,Đông Hải,Hải Lạng,Đồng Rui,Tiên Lãng,Yên Than,Phong Dụ,Điền Xá,Hà Lâu,Đại Dực,Đại Thành"),
    ("DH", "Đầm Hà", "huyện", 21.3550, 107.5900, 0.030, 0.030, True,
     "Đầm Hà,Quảng Tân,Quảng Lâm,Quảng An,Dực Yên,Tân Bình,Tân Lập,Đại Bình"),
    ("HH", "Hải Hà", "huyện", 21.4500, 107.7450, 0.035, 0.050, True,
     "Quảng Hà,Quảng Long,Quảng Thành,Quảng Thịnh,Quảng Minh,Quảng Chính,Quảng Phong,Quảng Sơn,Quảng Đức,Đường Hoa,"
     "Quảng Thắng,Tiến Tới,Cái Chiên,Phú Hải"),
    ("BL", "Bình Liêu", "huyện", 21.5250, 107.4000, 0.025, 0.030, True,
     "Bình Liêu,Đồng Tâm,Đồng Văn,Hoành Mô,Húc Động,Lục Hồn,Tình Húc,Vô Ngại"),
    ("BC", "Ba Chẽ", "huyện", 21.2700, 107.2850, 0.035, 0.030, True,
     "Ba Chẽ,Đạp Thanh,Thanh Lâm,Thanh Sơn,Lương Mông,Minh Cầm,Nam Sơn,Đồn Đạc"),
    ("CT", "Cô Tô", "huyện", 20.9750, 107.7650, 0.010, 0.010, False, "Cô Tô,Đồng Tiến,Thanh Lân"),
]
QN_CAPITAL = (20.9530, 107.0800)          # provincial administrative centre, Hạ Long
QN_BBOX = (20.90, 21.60, 106.40, 108.10)  # lat_lo, lat_hi, lon_lo, lon_hi
QN_DISTRICT_HOSPITALS = ["QY", "DT", "VD", "HB", "DH", "HH", "BL", "BC", "CT"]
QN_HAT_KIEM_LAM = [d[0] for d in QN_DISTRICTS if d[0] != "CT"]

# Place names used for schools of synthetic (national) districts.
GENERIC_PLACES = ("Hòa Bình,Tân Lập,Quang Trung,Lê Lợi,Thống Nhất,Đoàn Kết,Hồng Phong,Tân Thành,Yên Bình,An Phú,Bình Minh,"
                  "Phú Lộc,Thanh Xuân,Hưng Đạo,Nguyễn Trãi,Trần Phú,Kim Đồng,Võ Thị Sáu,Chu Văn An,Lý Tự Trọng,Hoàng Diệu,"
                  "Phan Bội Châu,Ngô Quyền,Lê Quý Đôn,Nguyễn Du,Tân Hòa,Xuân Lộc,Đông Phú,Tây Sơn,Nam Hà,Bắc Sơn,Minh Khai,"
                  "Quyết Thắng,Tân Tiến,Hợp Tiến,Vĩnh Phúc,Phú Thịnh,An Bình,Tân Phong,Đại Đồng").split(",")


# ====================================================================== specifications


@dataclass(frozen=True)
class DistrictSpec:
    """One district-level unit (city, town or rural district) of a province."""

    short: str            # short code used inside province-wide ids, e.g. "HL" (QN-TTYT-HL) or "D03"
    prefix: str           # id prefix of the district's own units, e.g. "HL" (HL-UBND) or "T07-D03"
    name: str             # locality name, e.g. "Hạ Long"
    type: str             # "thành phố" / "thị xã" / "huyện"
    lat: float
    lon: float
    spread: float         # standard deviation of unit coordinates around the centre (degrees)
    weight: float         # share of the province's schools
    ethnic: bool          # has a Phòng Dân tộc
    places: tuple[str, ...]

    @property
    def full(self) -> str:
        return f"{self.type} {self.name}"

    @property
    def urban(self) -> bool:
        return self.type in ("thành phố", "thị xã")


@dataclass(frozen=True)
class ProvinceSpec:
    """Everything the province builder needs; Quảng Ninh and synthetic provinces share it."""

    index: int
    code: str                         # id prefix, "QN" or "T07"
    name: str                         # "Quảng Ninh"
    full: str                         # "tỉnh Quảng Ninh"
    lat: float
    lon: float
    bbox: tuple[float, float, float, float]
    districts: tuple[DistrictSpec, ...]
    psus: int                         # PSUs on the start date (schools fill up to it)
    agencies: int | None              # agencies on the start date (None: natural size)
    thpt: int                         # upper-secondary schools under Sở GD&ĐT
    communes_2025: int                # commune-level governments from 2025-07-01
    district_hospitals: tuple[str, ...]
    hat_kiem_lam: tuple[str, ...]     # districts with a forest-ranger station
    health_centre_parent: str = "province"   # district health centres under Sở Y tế or the district
    qn: bool = False                  # include the Quảng Ninh-specific units
    division_share: float = 1.0       # share of each department's division list in use
    dept_suffix: str = ""             # appended to department names (national: " (Tỉnh 07)")
    chuyen: str = ""                  # name of the specialised upper-secondary school
    cdn: str = ""                     # name of the vocational college

    def district(self, short: str) -> DistrictSpec:
        return next(d for d in self.districts if d.short == short)


def quang_ninh_spec(baseline_psu: int, baseline_agency: int) -> ProvinceSpec:
    """The Quảng Ninh specification: real districts, departments and main units."""
    districts = tuple(
        DistrictSpec(short=c, prefix=c, name=nfc(n), type=nfc(t), lat=la, lon=lo, spread=sd, weight=w, ethnic=e,
                     places=tuple(nfc(p) for p in places.split(",")))
        for c, n, t, la, lo, sd, w, e, places in QN_DISTRICTS
    )
    return ProvinceSpec(
        index=0, code="QN", name="Quảng Ninh", full="tỉnh Quảng Ninh", lat=QN_CAPITAL[0], lon=QN_CAPITAL[1], bbox=QN_BBOX,
        districts=districts, psus=baseline_psu, agencies=baseline_agency, thpt=50, communes_2025=54,
        district_hospitals=tuple(QN_DISTRICT_HOSPITALS), hat_kiem_lam=tuple(QN_HAT_KIEM_LAM), qn=True,
        chuyen="Hạ Long", cdn="Việt - Hàn Quảng Ninh",
    )


def allocate(total: int, weights, minimum=0, cap=None) -> np.ndarray:
    """Split the integer ``total`` proportionally to ``weights`` (largest remainder, ties by
    position), giving each item at least ``minimum`` and at most ``cap``."""
    w = np.asarray(weights, dtype=float)
    n = len(w)
    out = np.broadcast_to(np.asarray(minimum), n).astype(np.int64).copy()
    caps = np.full(n, total, dtype=np.int64) if cap is None else np.broadcast_to(np.asarray(cap), n).astype(np.int64)
    if not (out.sum() <= total <= caps.sum()) or (out > caps).any():
        raise ValueError(f"cannot allocate {total} over {n} items with minimum {minimum} and cap {cap}")
    rest = int(total - out.sum())
    while rest > 0:
        ww = np.where(out < caps, w, 0.0)
        if ww.sum() <= 0:
            ww = (out < caps).astype(float)
        share = rest * ww / ww.sum()
        add = np.minimum(np.floor(share).astype(np.int64), caps - out)
        out += add
        rest -= int(add.sum())
        if rest <= 0:
            break
        frac = np.where(out < caps, share - np.floor(share), -1.0)
        order = np.lexsort((np.arange(n), -frac))[:rest]
        order = order[out[order] < caps[order]]
        out[order] += 1
        rest -= len(order)
    return out


# ====================================================================== the province builder


def _row(**kw) -> dict:
    """One internal unit row with defaults (see :func:`build_province` for the columns)."""
    base = dict(kind="psu", level="province", parent_id="", locality="province", staff_lo=5, staff_hi=10, aut="",
                dprefix="", code="", category="other", container=False, fillable=False, place="",
                idprefix="", idnum=-1, idwidth=0, lat0=np.nan, lon0=np.nan, sd=0.012)
    base.update(kw)
    return base


def _numbered(prefix: str, n: int, width: int) -> tuple[str, int, int]:
    return f"{prefix}{n:0{width}d}", n, width


def _province_top(spec: ProvinceSpec, rng: np.random.Generator) -> list[dict]:
    """UBND tỉnh, departments, their divisions, sub-departments and their divisions and teams."""
    P, rows = spec.code, []
    rows.append(_row(unit_id=f"{P}-UBND", name=f"UBND {spec.full}", kind="government", sector="general",
                     staff_lo=8, staff_hi=12, code="UBND", category="gov-province", container=True))
    for code, name, sector in DEPARTMENTS:
        did = f"{P}-{code}"
        rows.append(_row(unit_id=did, name=name + spec.dept_suffix, kind="agency", sector=sector, parent_id=f"{P}-UBND",
                         staff_lo=3, staff_hi=6, code=code, category="dept", container=True))
        names = DIVISIONS[code]
        keep = max(3, int(round(len(names) * spec.division_share)))
        for k, dn in enumerate(names[:keep], start=1):
            uid, num, width = _numbered(f"{did}-P", k, 2)
            rows.append(_row(unit_id=uid, name=dn, kind="agency", sector=sector, parent_id=did, staff_lo=5, staff_hi=12,
                             code="P", category="inspection" if dn.startswith("Thanh tra") else "division",
                             fillable=not dn.startswith(CORE_DIVISION),
                             idprefix=f"{did}-P", idnum=num, idwidth=width))
    for dept, cc, name, sector in CHI_CUC:
        rows.append(_row(unit_id=f"{P}-{dept}-{cc}", name=name, kind="agency", sector=sector, parent_id=f"{P}-{dept}",
                         staff_lo=12, staff_hi=30, code=cc, category="chicuc", container=True))
    rows += _chi_cuc_divisions(spec, rng, rows)
    rows += _teams(spec)
    return rows


def _chi_cuc_divisions(spec: ProvinceSpec, rng: np.random.Generator, rows_so_far: list[dict]) -> list[dict]:
    """Internal divisions of the sub-departments. With a target agency count (Quảng Ninh) their
    number fills the gap left by every other agency, so the 2015 agency count is exact."""
    n_cc = len(CHI_CUC)
    if spec.agencies is None:
        counts = rng.integers(1, 4, size=n_cc)
    else:
        fixed = sum(r["kind"] == "agency" for r in rows_so_far) + len(_teams(spec)) + _district_agency_count(spec)
        need = spec.agencies - fixed
        counts = allocate(need, rng.uniform(0.5, 1.5, size=n_cc), minimum=1, cap=len(CHI_CUC_DIVISIONS))
    out = []
    for (dept, cc, _, sector), n in zip(CHI_CUC, counts):
        cid = f"{spec.code}-{dept}-{cc}"
        for k in range(1, int(n) + 1):
            uid, num, width = _numbered(f"{cid}-P", k, 2)
            out.append(_row(unit_id=uid, name=CHI_CUC_DIVISIONS[k - 1], kind="agency", sector=sector, parent_id=cid,
                            staff_lo=4, staff_hi=8, code="P", category="ccdiv", fillable=True,
                            idprefix=f"{cid}-P", idnum=num, idwidth=width))
    return out


def _teams(spec: ProvinceSpec) -> list[dict]:
    """Forest-ranger stations (Hạt Kiểm lâm) and market-surveillance teams (Đội QLTT)."""
    P, out = spec.code, []
    kl = f"{P}-SNN-CCKL"
    for short in spec.hat_kiem_lam:
        d = spec.district(short)
        out.append(_row(unit_id=f"{P}-HKL-{short}", name=f"Hạt Kiểm lâm {d.full}", kind="agency", sector="agriculture",
                        parent_id=kl, level="district", locality=d.name, dprefix=d.prefix, staff_lo=8, staff_hi=20,
                        code="HKL", category="team", fillable=True, lat0=d.lat, lon0=d.lon, sd=d.spread))
    out.append(_row(unit_id=f"{P}-DKLCD", name="Đội Kiểm lâm cơ động và Phòng cháy, chữa cháy rừng", kind="agency",
                    sector="agriculture", parent_id=kl, staff_lo=10, staff_hi=20, code="DKLCD", category="team", fillable=True))
    n_qltt = max(3, int(round(0.8 * len(spec.districts))))
    for k in range(1, n_qltt + 1):
        uid, num, width = _numbered(f"{P}-QLTT-D", k, 2)
        out.append(_row(unit_id=uid, name=f"Đội Quản lý thị trường số {k}", kind="agency", sector="industry-trade",
                        parent_id=f"{P}-SCT-CCQLTT", staff_lo=6, staff_hi=12, code="DQLTT", category="team", fillable=True,
                        idprefix=f"{P}-QLTT-D", idnum=num, idwidth=width))
    return out


def _phong_applies(applies: str, d: DistrictSpec) -> bool:
    return applies == "all" or (applies == "urban" and d.urban) or (applies == "rural" and not d.urban) or (applies == "ethnic" and d.ethnic)


def _district_agency_count(spec: ProvinceSpec) -> int:
    return sum(_phong_applies(a, d) for d in spec.districts for _, _, _, a, _ in DISTRICT_PHONG)


def _fmt(template: str, spec: ProvinceSpec) -> str:
    return template.format(tinh=spec.name, tinh_full=spec.full, chuyen=spec.chuyen or spec.name, cdn=spec.cdn or f"nghề {spec.name}")


def _province_psus(spec: ProvinceSpec) -> list[dict]:
    """Province-level PSUs: centres of the departments, media, project boards, hospitals."""
    P, rows = spec.code, []
    by_name = {d.name: d for d in spec.districts}
    for code, parent, name, sector, cat, lo, hi, aut, scope, loc in PROVINCIAL_PSUS:
        if scope == "qn" and not spec.qn:
            continue
        d = by_name.get(loc)
        cat = "centre-movable" if code in MOVABLE else cat
        rows.append(_row(unit_id=f"{P}-{code}", name=_fmt(name, spec), sector=sector, category=cat, code=code,
                         parent_id=f"{P}-UBND" if parent == "UBND" else f"{P}-{parent}", staff_lo=lo, staff_hi=hi, aut=aut,
                         locality=d.name if d else "province", lat0=d.lat if d else np.nan, lon0=d.lon if d else np.nan,
                         sd=d.spread if d else 0.012))
    k = 0
    for name, lo, hi, aut, scope, loc in PROVINCIAL_HOSPITALS:
        if scope == "qn" and not spec.qn:
            continue
        k += 1
        d = by_name.get(loc)
        uid, num, width = _numbered(f"{P}-BV-", k, 3)
        rows.append(_row(unit_id=uid, name=_fmt(name, spec), sector="health", category="hospital", code="BV",
                         parent_id=f"{P}-SYT", staff_lo=lo, staff_hi=hi, aut=aut, locality=d.name if d else "province",
                         lat0=d.lat if d else np.nan, lon0=d.lon if d else np.nan, sd=d.spread if d else 0.012,
                         idprefix=f"{P}-BV-", idnum=num, idwidth=width))
    for short in spec.district_hospitals:
        k += 1
        d = spec.district(short)
        uid, num, width = _numbered(f"{P}-BV-", k, 3)
        rows.append(_row(unit_id=uid, name=f"Bệnh viện Đa khoa {d.full}", sector="health", category="district-hospital",
                         code="BV", parent_id=f"{P}-SYT", level="district", locality=d.name, dprefix=d.prefix,
                         staff_lo=90, staff_hi=220, aut="23", lat0=d.lat, lon0=d.lon, sd=d.spread,
                         idprefix=f"{P}-BV-", idnum=num, idwidth=width))
    return rows


def _district_units(spec: ProvinceSpec) -> list[dict]:
    """District UBNDs, their phòng and PSUs, district health centres and population centres."""
    P, rows = spec.code, []
    for d in spec.districts:
        loc = dict(level="district", locality=d.name, dprefix=d.prefix, lat0=d.lat, lon0=d.lon, sd=d.spread)
        gov = f"{d.prefix}-UBND"
        rows.append(_row(unit_id=gov, name=f"UBND {d.full}", kind="government", sector="general", parent_id=f"{P}-UBND",
                         staff_lo=4, staff_hi=7, code="UBND", category="gov-district", container=True, **loc))
        for code, name, sector, applies, core in DISTRICT_PHONG:
            if _phong_applies(applies, d):
                rows.append(_row(unit_id=f"{d.prefix}-{code}", name=f"{name} {d.full}", kind="agency", sector=sector,
                                 parent_id=gov, staff_lo=5, staff_hi=15, code=code, category="inspection" if code == "TTR" else "phong",
                                 fillable=not core, **loc))
        for code, name, sector, cat, lo, hi, aut, applies in DISTRICT_PSUS:
            if _phong_applies(applies, d):
                rows.append(_row(unit_id=f"{d.prefix}-{code}", name=f"{name} {d.full}", sector=sector, parent_id=gov,
                                 staff_lo=lo, staff_hi=hi, aut=aut, code=code, category=cat, **loc))
        hc_parent = f"{P}-SYT" if spec.health_centre_parent == "province" else gov
        big = 1.0 + 4.0 * d.weight
        rows.append(_row(unit_id=f"{P}-TTYT-{d.short}", name=f"Trung tâm Y tế {d.full}", sector="health", parent_id=hc_parent,
                         staff_lo=int(120 * big), staff_hi=int(220 * big), aut="23", code="TTYT", category="ttyt", **loc))
        rows.append(_row(unit_id=f"{P}-TTDS-{d.short}", name=f"Trung tâm Dân số - Kế hoạch hóa gia đình {d.full}",
                         sector="health", parent_id=f"{P}-SYT-CCDS", staff_lo=4, staff_hi=9, aut="4", code="TTDS",
                         category="ttds", **loc))
    return rows


def _schools(spec: ProvinceSpec, n_basic: int, rng: np.random.Generator) -> list[dict]:
    """Upper-secondary schools under Sở GD&ĐT and preschools, primary and lower-secondary
    schools under the district UBNDs; ``n_basic`` of the latter (the PSU calibration filler)."""
    P, rows = spec.code, []
    w = np.array([d.weight for d in spec.districts])
    thpt = allocate(spec.thpt, w, minimum=1)
    k = 0
    for d, n in zip(spec.districts, thpt):
        for _ in range(int(n)):
            k += 1
            uid, num, width = _numbered(f"{P}-THPT-", k, 3)
            rows.append(_school_row(spec, d, "school-thpt", f"{P}-SGDDT", uid, num, width, "province", f"{P}-THPT-"))
    cats = [c for c in SCHOOLS if SCHOOLS[c][4] > 0]
    share = np.array([SCHOOLS[c][4] for c in cats])
    mins = np.array([[1 if c != "school-ths" else 0 for c in cats] for _ in spec.districts]).ravel()
    counts = allocate(n_basic, np.outer(w, share).ravel(), minimum=mins).reshape(len(spec.districts), len(cats))
    for d, row in zip(spec.districts, counts):
        for cat, n in zip(cats, row):
            prefix = f"{d.prefix}-{SCHOOLS[cat][0]}-"
            for j in range(1, int(n) + 1):
                uid, num, width = _numbered(prefix, j, 3)
                rows.append(_school_row(spec, d, cat, f"{d.prefix}-UBND", uid, num, width, "district", prefix))
    _name_schools(rows, rng)
    return rows


def _school_row(spec, d: DistrictSpec, cat, parent, uid, num, width, level, prefix) -> dict:
    _, _, lo, hi, _ = SCHOOLS[cat]
    return _row(unit_id=uid, name="", sector="education", parent_id=parent, level=level, locality=d.name, dprefix=d.prefix,
                staff_lo=lo, staff_hi=hi, aut="34", code=SCHOOLS[cat][0], category=cat, fillable=True,
                idprefix=prefix, idnum=num, idwidth=width, lat0=d.lat, lon0=d.lon, sd=d.spread, _places=d.places)


def _name_schools(rows: list[dict], rng: np.random.Generator) -> None:
    """Give each school a place (ward/commune) of its district, cycling from a random start."""
    by_district: dict[str, list[dict]] = {}
    for r in rows:
        by_district.setdefault(r["dprefix"] + "|" + r["category"], []).append(r)
    for key in sorted(by_district):
        group = by_district[key]
        places = group[0]["_places"]
        start = int(rng.integers(len(places)))
        seen: dict[str, int] = {}
        for j, r in enumerate(group):
            r["place"] = places[(start + j) % len(places)]
            seen[r["place"]] = seen.get(r["place"], 0) + 1
            r["name"] = school_name(r["category"], r["place"], seen[r["place"]])
    for r in rows:
        del r["_places"]


def school_name(category: str, place: str, k: int) -> str:
    """'Trường Tiểu học Hồng Hải', the k-th of that name in a district: '... số k'."""
    base = f"{SCHOOLS[category][1]} {place}"
    return base if k <= 1 else f"{base} số {k}"


def build_province(spec: ProvinceSpec, rng: np.random.Generator) -> pd.DataFrame:
    """The units of one province on the start date, as an internal table.

    Internal columns beyond the contract's: ``prov`` (province index), ``dprefix`` (district id
    prefix, "" for province-wide units), ``code``, ``category``, ``container`` (may have children),
    ``fillable`` (may be the source of a filler event), ``place``, ``idprefix``/``idnum``/``idwidth``
    (numbered id families, so new units continue the numbering).
    """
    rows = _province_top(spec, rng) + _province_psus(spec) + _district_units(spec)
    other_psus = sum(r["kind"] == "psu" for r in rows) + spec.thpt
    n_basic = spec.psus - other_psus
    if n_basic < 4 * len(spec.districts):
        raise ValueError(f"{spec.name}: {spec.psus} PSUs leave too few schools ({n_basic})")
    school_rows = _schools(spec, n_basic, rng)
    df = pd.DataFrame(rows + school_rows)
    df["prov"] = spec.index
    if spec.agencies is not None:
        got = int((df["kind"] == "agency").sum())
        assert got == spec.agencies, f"{spec.name}: built {got} agencies, wanted {spec.agencies}"
    assert int((df["kind"] == "psu").sum()) == spec.psus
    return _finish_attributes(df, spec, rng)


def _clip_coords(lat, lon, bbox):
    lat_lo, lat_hi, lon_lo, lon_hi = bbox
    return np.clip(lat, lat_lo, lat_hi).round(5), np.clip(lon, lon_lo, lon_hi).round(5)


def _finish_attributes(df: pd.DataFrame, spec: ProvinceSpec, rng: np.random.Generator) -> pd.DataFrame:
    """Draw staff, autonomy group (PSUs only) and coordinates; drop the helper columns."""
    n = len(df)
    df["staff"] = rng.integers(df["staff_lo"].to_numpy(), df["staff_hi"].to_numpy() + 1)
    u = rng.random(n)
    aut = [int(a[int(x * len(a))]) if a and k == "psu" else None for a, x, k in zip(df["aut"], u, df["kind"])]
    df["autonomy"] = pd.array(aut, dtype="Int64")
    z = rng.normal(size=(n, 2))
    sd = df["sd"].to_numpy(dtype=float)
    lat = df["lat0"].fillna(spec.lat).to_numpy(dtype=float) + z[:, 0] * sd
    lon = df["lon0"].fillna(spec.lon).to_numpy(dtype=float) + z[:, 1] * sd
    df["lat"], df["lon"] = _clip_coords(lat, lon, spec.bbox)
    return df.drop(columns=["staff_lo", "staff_hi", "aut", "lat0", "lon0", "sd"])


# ====================================================================== simulation state


@dataclass
class World:
    """The registry being generated: units (internal table), who is open, current parents, and
    the events so far. Every operation checks the contract's rules against this state."""

    units: pd.DataFrame
    specs: tuple[ProvinceSpec, ...]
    rng: np.random.Generator
    is_open: np.ndarray = field(init=False)
    closed: np.ndarray = field(init=False)
    parent: np.ndarray = field(init=False)
    events: list[dict] = field(default_factory=list)
    seq: dict[str, int] = field(default_factory=dict)
    names: dict[tuple, int] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.units = self.units.reset_index(drop=True)
        n = len(self.units)
        self.index = dict(zip(self.units["unit_id"], range(n)))
        assert len(self.index) == n, "duplicate unit ids in the build"
        self.is_open = np.ones(n, dtype=bool)
        self.closed = np.zeros(n, dtype=bool)
        self.parent = np.array([self.index[p] if p else -1 for p in self.units["parent_id"]], dtype=np.int64)
        num = self.units[self.units["idnum"] >= 0]
        self.seq = {k: int(v) for k, v in num.groupby("idprefix")["idnum"].max().items()}
        schools = self.units[self.units["category"].str.startswith("school-")]
        self.names = {k: int(v) for k, v in schools.groupby(["dprefix", "category", "place"]).size().items()}
        self.districts = {d.prefix: d for spec in self.specs for d in spec.districts}
        self._refresh()

    def _refresh(self) -> None:
        u = self.units
        self.kind = u["kind"].to_numpy(dtype=object)
        self.cat = u["category"].to_numpy(dtype=object)
        self.code = u["code"].to_numpy(dtype=object)
        self.prov = u["prov"].to_numpy(dtype=np.int64)
        self.dprefix = u["dprefix"].to_numpy(dtype=object)
        self.locality = u["locality"].to_numpy(dtype=object)
        self.sector = u["sector"].to_numpy(dtype=object)
        self.fillable = u["fillable"].to_numpy(dtype=bool)
        self.ids = u["unit_id"].to_numpy(dtype=object)
        self.uname = u["name"].to_numpy(dtype=object)
        order = np.argsort(self.prov, kind="stable")
        bounds = np.searchsorted(self.prov[order], np.arange(len(self.specs) + 1))
        self._by_prov = [order[bounds[p]:bounds[p + 1]] for p in range(len(self.specs))]

    # ------------------------------------------------------------------ look-ups
    def idx(self, unit_id: str) -> int:
        return self.index[unit_id]

    def find(self, prov: int | None = None, *, code=None, category=None, dprefix=None, parent=None, kind=None) -> np.ndarray:
        """Indices (ascending) of the OPEN units matching every given attribute (a list matches any)."""
        base = np.arange(len(self.ids)) if prov is None else self._by_prov[prov]
        m = self.is_open[base]
        for arr, want in ((self.code, code), (self.cat, category), (self.dprefix, dprefix), (self.parent, parent), (self.kind, kind)):
            if want is None:
                continue
            vals = arr[base]
            m &= np.isin(vals, want) if isinstance(want, (list, tuple, np.ndarray)) else (vals == want)
        return base[m]

    def one(self, prov: int, **kw) -> int | None:
        hits = self.find(prov, **kw)
        return int(hits[0]) if len(hits) else None

    def children(self, idx) -> np.ndarray:
        """Open units whose current parent is ``idx`` (one index or several)."""
        if np.ndim(idx) == 0:
            return np.flatnonzero(self.is_open & (self.parent == idx))
        return np.flatnonzero(self.is_open & np.isin(self.parent, idx))

    def root(self, prov: int) -> int:
        return self.idx(f"{self.specs[prov].code}-UBND")

    def counts(self, kind: str) -> np.ndarray:
        m = self.is_open & (self.kind == kind)
        return np.bincount(self.prov[m], minlength=len(self.specs))

    # ------------------------------------------------------------------ primitive changes
    def add_units(self, rows: pd.DataFrame) -> np.ndarray:
        """Append new (not yet open) units; returns their indices."""
        start = len(self.units)
        rows = rows.reset_index(drop=True)
        for i, uid in enumerate(rows["unit_id"]):
            assert uid not in self.index, f"unit id {uid} generated twice"
            self.index[uid] = start + i
        self.units = pd.concat([self.units, rows[self.units.columns]], ignore_index=True)
        n_new = len(rows)
        self.is_open = np.concatenate([self.is_open, np.zeros(n_new, dtype=bool)])
        self.closed = np.concatenate([self.closed, np.zeros(n_new, dtype=bool)])
        self.parent = np.concatenate([self.parent, np.array([self.index[p] for p in rows["parent_id"]], dtype=np.int64)])
        self._refresh()
        return np.arange(start, start + n_new)

    def open_units(self, idx) -> None:
        idx = np.atleast_1d(idx)
        assert not (self.is_open[idx] | self.closed[idx]).any(), "a unit is opened twice"
        par = self.parent[idx]
        assert ((par < 0) | self.is_open[np.maximum(par, 0)]).all(), "a new unit's parent is not open"
        self.is_open[idx] = True

    def close_units(self, idx, successor=None) -> None:
        """Close units; with ``successor`` (merge/consolidate) their open children move to it,
        otherwise (split/dissolve) they must have none left."""
        idx = np.atleast_1d(idx)
        assert self.is_open[idx].all(), "closing a unit that is not open"
        small = len(idx) <= 8
        if successor is None:
            has_kids = any((self.is_open & (self.parent == i)).any() for i in idx) if small \
                else np.isin(idx, self.parent[self.is_open]).any()
            assert not has_kids, "closing a unit that still has open children"
        else:
            succ = np.broadcast_to(np.atleast_1d(successor), idx.shape)
            assert self.is_open[succ].all() and not np.isin(succ, idx).any()
            if small:
                for i, t in zip(idx, succ):
                    self.parent[self.is_open & (self.parent == i)] = t
            else:
                move = np.arange(len(self.parent))
                move[idx] = succ
                live = self.is_open & (self.parent >= 0)
                self.parent[live] = move[self.parent[live]]
        self.is_open[idx] = False
        self.closed[idx] = True

    def transfer(self, idx, new_parent: int) -> None:
        idx = np.atleast_1d(idx)
        assert self.is_open[idx].all() and self.is_open[new_parent]
        assert not np.isin(new_parent, idx)
        if (self.kind[idx] == "government").any():
            assert self.kind[new_parent] == "government"
        self.parent[idx] = new_parent

    def record(self, date: str, etype: str, sources=(), targets=(), new_parent: int | None = None,
               legal: str = "", note: str = "") -> None:
        """Append one event (ids from indices)."""
        self.events.append(dict(
            date=date, type=etype,
            sources=";".join(self.ids[np.asarray(sources, dtype=np.int64)]) if len(sources) else "",
            targets=";".join(self.ids[np.asarray(targets, dtype=np.int64)]) if len(targets) else "",
            new_parent_id=self.ids[new_parent] if new_parent is not None else "",
            legal_basis=legal, note=note))

    # ------------------------------------------------------------------ naming helpers
    def next_ids(self, prefixes, widths) -> list[str]:
        """Continue numbered id families (e.g. HL-MN-071 after HL-MN-070)."""
        out = []
        for p, wd in zip(prefixes, widths):
            self.seq[p] = self.seq.get(p, 0) + 1
            out.append(f"{p}{self.seq[p]:0{int(wd)}d}")
        return out

    def school_names(self, dprefixes, categories, places) -> list[str]:
        out = []
        for d, c, p in zip(dprefixes, categories, places):
            key = (d, c, p)
            self.names[key] = self.names.get(key, 0) + 1
            out.append(school_name(c, p, self.names[key]))
        return out

    def legal(self, n: int, kind: str = "QĐ-UBND") -> list[str]:
        return [f"{int(x)}/{kind}" for x in self.rng.integers(100, 5000, size=n)]

    def new_unit(self, template: int, **over) -> dict:
        """A row for a new unit derived from an existing one (attributes copied, then overridden)."""
        row = {c: self.units[c].iat[template] for c in self.units.columns}
        row.update(idnum=-1, idprefix="", idwidth=0)
        row.update(over)
        return row


# ====================================================================== hooks: scripted reorganisations
# A hook looks at the current state on its date and records valid events for what it finds, so
# filler events in earlier years (which may have closed some of the units involved) never break it.


def _new_rows(w: World, rows: list[dict]) -> np.ndarray:
    idx = w.add_units(pd.DataFrame(rows))
    w.open_units(idx)
    return idx


def _merge(w: World, date, sources, target, legal, note) -> None:
    sources = np.atleast_1d(np.asarray(sources, dtype=np.int64))
    if len(sources):
        w.close_units(sources, successor=target)
        w.record(date, "merge", sources, [target], legal=legal, note=note)


def _consolidate(w: World, date, items: list[tuple]) -> None:
    """Hợp nhất, for a batch of ``(sources, row, legal, note, parent)``: at least two open sources
    become one new unit (children move to it). The new unit's parent is ``parent`` or else the
    current parent of the first source. New units are created in one go (fast)."""
    items = [(np.asarray(src, dtype=np.int64), row, lg, nt, par) for src, row, lg, nt, par in items if len(src) >= 2]
    if not items:
        return
    staff = w.units["staff"].to_numpy()
    rows = [dict(row, parent_id=w.ids[w.parent[src[0]] if par is None else par], staff=int(staff[src].sum() * 0.9))
            for src, row, _, _, par in items]
    new = _new_rows(w, rows)
    for (src, _, lg, nt, _), t in zip(items, new):
        w.close_units(src, successor=t)
        w.record(date, "consolidate", src, [t], legal=lg, note=nt)


def hook_district_health(w: World, date: str, provs) -> None:
    """District hospital and population centre merged into the district health centre, which
    becomes a multi-function centre (trung tâm y tế đa chức năng)."""
    for p in provs:
        spec = w.specs[p]
        for d in spec.districts:
            ttyt = w.one(p, code="TTYT", dprefix=d.prefix)
            if ttyt is None:
                continue
            src = np.concatenate([w.find(p, category="district-hospital", dprefix=d.prefix), w.find(p, code="TTDS", dprefix=d.prefix)])
            names = " và ".join(w.uname[src])
            _merge(w, date, src, ttyt, w.legal(1)[0],
                   f"Sáp nhập {names} vào {w.uname[ttyt]}, tổ chức lại thành trung tâm y tế đa chức năng.")


def hook_cdc(w: World, date: str, provs) -> None:
    """Provincial preventive-medicine centres consolidated into a Centre for Disease Control."""
    for p in provs:
        spec = w.specs[p]
        src = w.find(p, category="prev-centre")
        row = w.new_unit(int(src[0]), unit_id=f"{spec.code}-CDC", name=f"Trung tâm Kiểm soát bệnh tật {spec.full}",
                         code="CDC", category="centre", autonomy=4)
        _consolidate(w, date, [(src, row, w.legal(1)[0],
                     f"Hợp nhất {len(src)} trung tâm y tế dự phòng tuyến tỉnh thành Trung tâm Kiểm soát bệnh tật.", None)])


def hook_district_media(w: World, date: str, provs) -> None:
    """Each district's culture-sports centre and radio-TV station consolidated into one centre."""
    items = []
    for p in provs:
        for d in w.specs[p].districts:
            src = np.concatenate([w.find(p, code="TTVH", dprefix=d.prefix), w.find(p, code="DTTH", dprefix=d.prefix)])
            if len(src) < 2:
                continue
            row = w.new_unit(int(src[0]), unit_id=f"{d.prefix}-TTTTVH", name=f"Trung tâm Truyền thông và Văn hóa {d.full}",
                             code="TTTTVH", category="district-centre")
            items.append((src, row, w.legal(1)[0], f"Hợp nhất {' và '.join(w.uname[src])} thành Trung tâm Truyền thông và Văn hóa {d.full}.", None))
    _consolidate(w, date, items)


def hook_provincial_media(w: World, date: str, provs) -> None:
    """The province's newspaper, radio-TV station, web portal and magazine consolidated into one
    provincial media centre."""
    for p in provs:
        spec = w.specs[p]
        src = w.find(p, category="media")
        row = w.new_unit(int(src[0]), unit_id=f"{spec.code}-TTTT", name=f"Trung tâm Truyền thông {spec.full}",
                         code="TTTT", category="centre")
        _consolidate(w, date, [(src, row, w.legal(1)[0],
                     f"Hợp nhất {', '.join(w.uname[src])} thành Trung tâm Truyền thông {spec.full}.", w.root(p))])


def hook_market_surveillance(w: World, date: str, provs) -> None:
    """The market-surveillance sub-department leaves the province (moved to the Ministry of
    Industry and Trade's General Department): its teams and divisions, then itself, dissolved."""
    note = ("lực lượng quản lý thị trường chuyển nguyên trạng về Tổng cục Quản lý thị trường (Bộ Công Thương), "
            "không còn thuộc UBND tỉnh")
    for p in provs:
        cc = w.one(p, code="CCQLTT")
        if cc is None:
            continue
        kids = w.children(cc)
        if len(kids):
            w.close_units(kids)
            w.record(date, "dissolve", kids, legal="34/2018/QĐ-TTg", note=f"Giải thể các đội và phòng thuộc Chi cục Quản lý thị trường: {note}.")
        w.close_units([cc])
        w.record(date, "dissolve", [cc], legal="34/2018/QĐ-TTg", note=f"Giải thể Chi cục Quản lý thị trường: {note}.")


def hook_hoanh_bo(w: World, date: str, provs) -> None:
    """Hoành Bồ district merged into Hạ Long city from 2020-01-01 (Resolution 837/NQ-UBTVQH14):
    Hoành Bồ's phòng and district centres merged into Hạ Long's counterparts, its health centre
    into Hạ Long's, then the district government itself (its schools move with it)."""
    p = provs[0]
    hb, hl = w.idx("HB-UBND"), w.idx("HL-UBND")
    ref = "theo Nghị quyết 837/NQ-UBTVQH14 nhập huyện Hoành Bồ vào thành phố Hạ Long"
    targets: dict[int, list[int]] = {}
    for k in w.children(hb):
        if w.kind[k] == "government":
            continue
        code = w.code[k]
        tgt = w.one(p, code=code, dprefix="HL", parent=hl)
        if tgt is None and w.kind[k] == "agency":
            tgt = w.one(p, code=PHONG_FALLBACK.get(code, "VP"), dprefix="HL", parent=hl)
            tgt = w.one(p, code="VP", dprefix="HL", parent=hl) if tgt is None else tgt
        if tgt is not None and w.cat[k] not in ("school-mn", "school-th", "school-thcs", "school-ths"):
            targets.setdefault(tgt, []).append(int(k))
    for tgt in sorted(targets):
        src = targets[tgt]
        _merge(w, date, src, tgt, w.legal(1)[0], f"Sáp nhập {', '.join(w.uname[src])} vào {w.uname[tgt]} {ref}.")
    ttyt_hb, ttyt_hl = w.one(p, code="TTYT", dprefix="HB"), w.one(p, code="TTYT", dprefix="HL")
    if ttyt_hb is not None and ttyt_hl is not None:
        _merge(w, date, [ttyt_hb], ttyt_hl, w.legal(1)[0], f"Sáp nhập {w.uname[ttyt_hb]} vào {w.uname[ttyt_hl]} {ref}.")
    _merge(w, date, [hb], hl, "837/NQ-UBTVQH14",
           "Nhập toàn bộ diện tích tự nhiên và dân số của huyện Hoành Bồ vào thành phố Hạ Long từ 01/01/2020; "
           "các đơn vị còn lại thuộc UBND huyện Hoành Bồ chuyển về UBND thành phố Hạ Long.")


# 2025 restructuring of the specialised agencies (20 -> 14), as Quảng Ninh and most provinces did.
DEPT_MERGES_2025 = [("SKHDT", "STC"), ("SGTVT", "SXD"), ("SLDTBXH", "SNV"), ("STTTT", "SKHCN")]
DEPT_CONSOLIDATIONS_2025 = [
    (("SNN", "STNMT"), "SNNMT", "Sở Nông nghiệp và Môi trường", "agriculture"),
    (("SVHTT", "SDL"), "SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "culture"),
    (("BDT", "BTG"), "SDTTG", "Sở Dân tộc và Tôn giáo", "ethnic-affairs"),
]


def hook_departments_2025(w: World, date: str, provs) -> None:
    """Specialised agencies 20 -> 14: four departments merged into another, three pairs
    consolidated into new departments (their divisions and units move with them)."""
    items = []
    for p in provs:
        spec = w.specs[p]
        for src_code, dst_code in DEPT_MERGES_2025:
            s, t = w.one(p, code=src_code), w.one(p, code=dst_code)
            if s is not None and t is not None:
                _merge(w, date, [s], t, w.legal(1, "NQ-HĐND")[0],
                       f"Sắp xếp cơ quan chuyên môn năm 2025: sáp nhập {w.uname[s]} vào {w.uname[t]}.")
        for codes, new_code, name, sector in DEPT_CONSOLIDATIONS_2025:
            src = np.array([i for c in codes if (i := w.one(p, code=c)) is not None], dtype=np.int64)
            if len(src) < 2:
                continue
            row = w.new_unit(int(src[0]), unit_id=f"{spec.code}-{new_code}", name=name + spec.dept_suffix, code=new_code,
                             sector=sector, category="dept", container=True, level="province", locality="province")
            items.append((src, row, w.legal(1, "NQ-HĐND")[0],
                          f"Sắp xếp cơ quan chuyên môn năm 2025: hợp nhất {' và '.join(w.uname[src])} thành {name}.", w.root(p)))
    _consolidate(w, date, items)


SPECIAL_ZONES = ("Vân Đồn", "Cô Tô")  # island districts that became special zones (đặc khu) in 2025


def _commune_rows(w: World, p: int, g: int, n: int, first: int, special: bool) -> list[dict]:
    """Rows of ``n`` new commune-level governments on the area of district government ``g``."""
    spec = w.specs[p]
    d = w.districts[w.dprefix[g]]
    lat, lon = _clip_coords(d.lat + w.rng.normal(size=n) * d.spread, d.lon + w.rng.normal(size=n) * d.spread, spec.bbox)
    staff = w.rng.integers(15, 31, size=n)
    rows = []
    for j, k in enumerate(range(first, first + n)):
        name = f"UBND đặc khu {d.name}" if special else f"UBND xã, phường mới số {k:02d} (địa bàn {d.full} cũ)"
        rows.append(dict(unit_id=f"{spec.code}-XA-{k:02d}", name=name, kind="government", level="commune", sector="general",
                         parent_id=f"{spec.code}-UBND", locality=d.name, staff=int(staff[j]), autonomy=pd.NA,
                         lat=float(lat[j]), lon=float(lon[j]), prov=p, dprefix=d.prefix, code="XA", category="gov-commune",
                         container=True, fillable=False, place="", idprefix="", idnum=-1, idwidth=0))
    return rows


def hook_abolish_districts(w: World, date: str, provs) -> None:
    """District level abolished: new commune-level governments established under the province,
    schools and local centres transferred to them, health centres and continuing-education centres
    to the provincial departments, the phòng dissolved (functions to the communes), then the
    district UBND dissolved."""
    law = "Luật Tổ chức chính quyền địa phương 2025"
    plans, rows = [], []
    for p in provs:
        spec = w.specs[p]
        govs = w.find(p, category="gov-district")
        special = np.array([spec.qn and w.locality[g] in SPECIAL_ZONES for g in govs])
        weight = np.array([len(w.children(int(g))) + 1.0 for g in govs])
        n_comm = allocate(spec.communes_2025, weight, minimum=1, cap=np.where(special, 1, spec.communes_2025))
        first = 1
        for g, n, sp in zip(govs, n_comm, special):
            rows += _commune_rows(w, p, int(g), int(n), first, bool(sp))
            plans.append((p, int(g), int(n)))
            first += int(n)
    new = _new_rows(w, rows)
    k = 0
    for p, g, n in plans:
        communes, k = new[k:k + n], k + n
        full = w.uname[g].removeprefix("UBND ")
        w.record(date, "establish", targets=communes, legal="NQ-UBTVQH15 (sắp xếp đơn vị hành chính cấp xã 2025)",
                 note=f"Thành lập {n} đơn vị hành chính cấp xã mới trên địa bàn {full} cũ, trực thuộc UBND {w.specs[p].full}.")
        _empty_district(w, p, g, communes, date, full)
        w.close_units([g])
        w.record(date, "dissolve", [g], targets=communes, legal=law,
                 note=f"Kết thúc hoạt động của chính quyền địa phương cấp huyện ({full}) từ 01/7/2025; nhiệm vụ chuyển cho chính quyền cấp xã.")


def _empty_district(w: World, p: int, g: int, communes: np.ndarray, date: str, full: str) -> None:
    """Move or close every open child of district government ``g`` (before it is dissolved)."""
    kids = w.children(g)
    agencies = kids[w.kind[kids] == "agency"]
    psus = kids[w.kind[kids] == "psu"]
    to_dept = psus[(w.sector[psus] == "health") | (w.cat[psus] == "centre-gdtx")]
    to_commune = np.setdiff1d(psus, to_dept)
    for sector in sorted(set(w.sector[to_dept])):
        group = to_dept[w.sector[to_dept] == sector]
        dept = _dept_for(w, p, sector)
        w.transfer(group, dept)
        w.record(date, "transfer", group, new_parent=dept, legal=w.legal(1)[0],
                 note=f"Chuyển {len(group)} đơn vị sự nghiệp của {full} về trực thuộc {w.uname[dept]} khi không tổ chức cấp huyện.")
    key = pd.DataFrame({"loc": w.locality[to_commune], "place": w.units["place"].to_numpy()[to_commune], "id": w.ids[to_commune]})
    to_commune = to_commune[np.lexsort((key["id"], key["place"], key["loc"]))]   # neighbours together
    slot = (np.arange(len(to_commune)) * len(communes)) // max(len(to_commune), 1)
    for j, c in enumerate(communes):
        group = to_commune[slot == j]
        if len(group):
            w.transfer(group, int(c))
            w.record(date, "transfer", group, new_parent=int(c), legal=w.legal(1)[0],
                     note=f"Chuyển {len(group)} trường học, trung tâm trên địa bàn {full} cũ về trực thuộc {w.uname[c]}.")
    if len(agencies):
        w.close_units(agencies)
        w.record(date, "dissolve", agencies, targets=communes, legal=w.legal(1)[0],
                 note=f"Giải thể các phòng chuyên môn thuộc UBND {full} do kết thúc hoạt động cấp huyện; nhiệm vụ chuyển cho chính quyền cấp xã.")
    assert len(w.children(g)) == 0


def _dept_for(w: World, p: int, sector: str) -> int:
    """The open provincial department of a sector (or the province UBND when there is none)."""
    hits = w.find(p, category="dept")
    hits = hits[w.sector[hits] == sector]
    return int(hits[0]) if len(hits) else w.root(p)


def make_province_merge_hook(pairs: list[tuple[int, int]]):
    """Provinces merged (63 -> 34): each absorbed province's departments merged into the
    surviving province's department with the same code, then its UBND into the survivor's."""
    def hook_merge_provinces(w: World, date: str, provs) -> None:
        for absorbed, survivor in pairs:
            a_spec, s_spec = w.specs[absorbed], w.specs[survivor]
            ref = "202/2025/QH15"
            for dept in w.find(absorbed, category="dept"):
                tgt = w.one(survivor, category="dept", code=w.code[dept])
                if tgt is not None:
                    _merge(w, date, [dept], tgt, ref, f"Sắp xếp đơn vị hành chính cấp tỉnh: sáp nhập {w.uname[dept]} vào {w.uname[tgt]}.")
            _merge(w, date, [w.root(absorbed)], w.root(survivor), ref,
                   f"Nhập {a_spec.full} vào {s_spec.full} từ 01/7/2025; các đơn vị còn lại chuyển về UBND {s_spec.full}.")
    return hook_merge_provinces


# ====================================================================== filler events
# Each year, after (or before) the hooks, filler events bring every (province, kind) count to its
# target. Roles are drawn from leaf units only (no children), disjoint within a year, and new units
# take part only from the next year, so events of one year never depend on each other's order.

CATS_WITH = {op: sorted(c for c, (_, ops, _) in CATEGORY_OPS.items() if op in ops)
             for op in ("merge", "dissolve", "consolidate", "split", "separate", "establish", "transfer")}
CAT_WEIGHT = {c: wt for c, (_, _, wt) in CATEGORY_OPS.items()}
CONSOLIDATION_PAIRS = {"agency": ("division", "division"), "psu": ("school-th", "school-thcs")}
# Expected share of a year's reduction done by each kind of event (Poisson means per unit reduced).
MIX = dict(consolidate=0.06, split=0.02, split_base=0.3, separate=0.02, separate_base=0.3, establish=0.05,
           establish_base=0.4, transfer=0.5, dissolve=0.2)


def _pool(w: World, kind: str) -> pd.DataFrame:
    """Open leaf units of ``kind`` that filler events may touch, each with its group's anchor:
    a random member of its (parent, category[, locality]) group, which never closes this year and
    receives merges and the functions of dissolved siblings."""
    cats = [c for c, (k, _, _) in CATEGORY_OPS.items() if k == kind]
    idx = np.flatnonzero(w.is_open & (w.kind == kind) & np.isin(w.cat, cats))
    cat = w.cat[idx].astype(str)
    loc = w.locality[idx].astype(str) if kind == "psu" else np.full(len(idx), "")
    cat_code, loc_code, par = pd.factorize(cat, sort=True)[0], pd.factorize(loc, sort=True)[0], w.parent[idx]
    r = w.rng.random(len(idx))
    o = np.lexsort((r, loc_code, cat_code, par))
    idx, cat, loc, par, cat_code, loc_code = idx[o], cat[o], loc[o], par[o], cat_code[o], loc_code[o]
    new_group = np.ones(len(idx), dtype=bool)
    new_group[1:] = (par[1:] != par[:-1]) | (cat_code[1:] != cat_code[:-1]) | (loc_code[1:] != loc_code[:-1])
    anchor = idx[np.flatnonzero(new_group)][np.cumsum(new_group) - 1]
    return pd.DataFrame({"idx": idx, "prov": w.prov[idx], "parent": par, "cat": cat, "loc": loc,
                         "fillable": w.fillable[idx], "w": pd.Series(cat).map(CAT_WEIGHT).to_numpy(dtype=float),
                         "anchor": anchor, "is_anchor": idx == anchor})


def _take(df: pd.DataFrame, counts: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Weighted random sample without replacement of ``counts[p]`` rows per province ``p``."""
    if df.empty:
        return df
    key = rng.exponential(size=len(df)) / df["w"].to_numpy()
    order = np.lexsort((key, df["prov"].to_numpy()))
    prov = df["prov"].to_numpy()[order]
    rank = np.arange(len(prov)) - np.searchsorted(prov, prov, side="left")   # position within the province
    return df.iloc[order[rank < counts[prov]]]


def _per_prov(df: pd.DataFrame, n: int) -> np.ndarray:
    return np.bincount(df["prov"].to_numpy(dtype=np.int64), minlength=n) if len(df) else np.zeros(n, dtype=np.int64)


def _pairs(avail: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Candidate pairs for a consolidation, within the same (parent, locality)."""
    a, b = CONSOLIDATION_PAIRS[kind]
    keys = ["parent", "loc"]
    A = avail[avail["cat"] == a].copy()
    A["rk"] = A.groupby(keys, sort=False).cumcount()
    if a == b:
        first, second = A[A["rk"] % 2 == 0].copy(), A[A["rk"] % 2 == 1].copy()
        first["rk"] //= 2
        second["rk"] //= 2
    else:
        first = A
        second = avail[avail["cat"] == b].copy()
        second["rk"] = second.groupby(keys, sort=False).cumcount()
    pairs = first.merge(second[keys + ["rk", "idx"]], on=keys + ["rk"], suffixes=("", "_b"))
    return pairs.rename(columns={"idx": "a", "idx_b": "b"})


def _transfer_candidates(w: World, pool: pd.DataFrame) -> pd.DataFrame:
    """Centres that can move: from a department to the province UBND, or from the UBND to the
    department of their sector."""
    c = pool[pool["cat"].isin(CATS_WITH["transfer"])].copy()
    if c.empty:
        return c.assign(new_parent=pd.Series(dtype=np.int64))
    depts = w.find(None, category="dept")
    lookup = {(int(w.prov[d]), w.sector[d]): int(d) for d in depts[::-1]}
    roots = np.array([w.root(p) for p in range(len(w.specs))])
    par_gov = w.kind[c["parent"].to_numpy()] == "government"
    to_dept = [lookup.get((int(p), w.sector[i]), -1) for p, i in zip(c["prov"], c["idx"])]
    c["new_parent"] = np.where(par_gov, to_dept, roots[c["prov"].to_numpy()])
    c = c[(c["new_parent"] >= 0) & (c["new_parent"] != c["parent"])]
    return c[w.is_open[c["new_parent"].to_numpy()]]


@dataclass
class FillerPlan:
    """The units chosen for each role in one (year, kind)."""

    consolidate: pd.DataFrame
    split: pd.DataFrame
    separate: pd.DataFrame
    transfer: pd.DataFrame
    establish: pd.DataFrame
    dissolve: pd.DataFrame
    merge: pd.DataFrame


def plan_filler(w: World, kind: str, need: np.ndarray) -> FillerPlan:
    """Choose disjoint units for each event type so that, per province, opened - closed = need."""
    rng, n = w.rng, len(w.specs)
    red = -np.asarray(need, dtype=np.int64)
    pos = np.maximum(red, 0).astype(float)
    pool = _pool(w, kind)
    used = np.zeros(len(w.units), dtype=bool)
    elig = pool[pool["fillable"] & ~pool["is_anchor"]]

    def avail(op: str) -> pd.DataFrame:
        e = elig[elig["cat"].isin(CATS_WITH[op])]
        return e[~used[e["idx"].to_numpy()]]

    def take(df, counts) -> pd.DataFrame:
        got = _take(df, counts, rng)
        for col in ("idx", "a", "b"):
            if col in got:
                used[got[col].to_numpy(dtype=np.int64)] = True
        return got

    cons = take(_pairs(avail("consolidate"), kind), rng.poisson(MIX["consolidate"] * pos))
    big = avail("split")
    big = big[w.units["staff"].to_numpy()[big["idx"].to_numpy(dtype=np.int64)] >= 36]   # halves keep >= 18 posts
    split = take(big, rng.poisson(MIX["split"] * pos + MIX["split_base"]))
    sep = take(avail("separate"), rng.poisson(MIX["separate"] * pos + MIX["separate_base"]))
    trans = take(_transfer_candidates(w, pool), rng.poisson(MIX["transfer"], size=n)) if kind == "psu" else pool.iloc[:0]
    n_est = rng.poisson(MIX["establish"] * pos + MIX["establish_base"])
    closures = red - _per_prov(cons, n) + _per_prov(split, n) + _per_prov(sep, n) + n_est
    n_est += np.maximum(-closures, 0)
    est = _take(pool[pool["cat"].isin(CATS_WITH["establish"])], n_est, rng)
    closures = red - _per_prov(cons, n) + _per_prov(split, n) + _per_prov(sep, n) + _per_prov(est, n)
    if (closures < 0).any():
        raise RuntimeError(f"not enough models to establish {kind} units: {closures}")
    diss = take(avail("dissolve"), rng.binomial(closures, MIX["dissolve"]))
    n_merge = closures - _per_prov(diss, n)
    merge = take(avail("merge"), n_merge)
    short = n_merge - _per_prov(merge, n)
    if short.any():
        raise RuntimeError(f"not enough {kind} units to merge: short by {short[short > 0]} in provinces {np.flatnonzero(short)}")
    return FillerPlan(cons, split, sep, trans, est, diss, merge)


def _rand_dates(rng: np.random.Generator, n: int, window: tuple[str, str]) -> np.ndarray:
    lo, hi = np.datetime64(window[0]), np.datetime64(window[1])
    days = rng.integers(0, int((hi - lo).astype(int)) + 1, size=n)
    return (lo + days).astype(str)


def run_filler(w: World, kind: str, need: np.ndarray, window: tuple[str, str]) -> None:
    """Plan and apply one year's filler events for ``kind``."""
    plan = plan_filler(w, kind, need)
    before = w.counts(kind)
    _emit_consolidations(w, plan.consolidate, kind, window)
    _emit_splits(w, plan.split, window)
    _emit_separations(w, plan.separate, kind, window)
    _emit_establishments(w, plan.establish, kind, window)
    _emit_transfers(w, plan.transfer, window)
    _emit_dissolutions(w, plan.dissolve, window)
    _emit_merges(w, plan.merge, window)
    assert (w.counts(kind) - before == need).all(), "filler missed its target"


# ---------------------------------------------------------------------- emitting filler events


def _subject(name: str) -> str:
    return name.removeprefix("Phòng ")


def _derived(w: World, templates: np.ndarray, *, category, names, ids, parents, staff, autonomy, jitter=0.004) -> pd.DataFrame:
    """New unit rows copied from ``templates`` with new identity, parent and numbers."""
    rows = w.units.iloc[templates].copy().reset_index(drop=True)
    n = len(rows)
    rows["unit_id"], rows["name"], rows["category"] = ids, names, category
    rows["parent_id"] = w.ids[np.asarray(parents, dtype=np.int64)]
    rows["staff"] = np.asarray(staff, dtype=np.int64)
    rows["autonomy"] = pd.array(autonomy, dtype="Int64")
    rows["code"] = [SCHOOLS[c][0] if c in SCHOOLS else "P" for c in np.broadcast_to(category, n)]
    rows["fillable"], rows["container"], rows["idnum"] = True, False, -1
    lat = rows["lat"].to_numpy(dtype=float) + w.rng.normal(size=n) * jitter
    lon = rows["lon"].to_numpy(dtype=float) + w.rng.normal(size=n) * jitter
    for p in np.unique(rows["prov"]):
        m = rows["prov"].to_numpy() == p
        lat[m], lon[m] = _clip_coords(lat[m], lon[m], w.specs[p].bbox)
    rows["lat"], rows["lon"] = lat, lon
    return rows


def _school_prefix(w: World, idx: np.ndarray, category) -> list[str]:
    cats = np.broadcast_to(category, len(idx))
    return [f"{w.specs[w.prov[i]].code}-THPT-" if c == "school-thpt" else f"{w.dprefix[i]}-{SCHOOLS[c][0]}-"
            for i, c in zip(idx, cats)]


def _division_prefix(w: World, parents: np.ndarray) -> list[str]:
    return [f"{w.ids[p]}-P" for p in parents]


def _new_identity(w: World, templates: np.ndarray, parents: np.ndarray, category, places=None, names=None):
    """Ids (continuing each family) and names for new units of one category per template."""
    cats = list(np.broadcast_to(category, len(templates)))
    if cats and cats[0] in SCHOOLS:
        prefixes, width = _school_prefix(w, templates, cats), 3
        names = w.school_names(w.dprefix[templates], cats, places) if names is None else names
    else:
        prefixes, width = _division_prefix(w, parents), 2
        if names is None:
            names = [NEW_DIVISION_NAMES[k] for k in w.rng.integers(len(NEW_DIVISION_NAMES), size=len(templates))]
    ids = w.next_ids(prefixes, [width] * len(prefixes))
    return ids, names, prefixes


def _emit_consolidations(w: World, pairs: pd.DataFrame, kind: str, window) -> None:
    if pairs.empty:
        return
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    parents = w.parent[a]
    staff = w.units["staff"].to_numpy()
    aut = w.units["autonomy"].to_numpy(dtype=float, na_value=np.nan)
    if kind == "psu":
        cat = "school-ths"
        ids, names, prefixes = _new_identity(w, a, parents, cat, places=w.units["place"].to_numpy()[a])
        autonomy = [None if np.isnan(x) else int(x) for x in np.fmin(aut[a], aut[b])]
    else:
        cat = "division"
        names = [f"Phòng {_subject(w.uname[i])} và {_subject(w.uname[j])}" for i, j in zip(a, b)]
        ids, names, prefixes = _new_identity(w, a, parents, cat, names=names)
        autonomy = [None] * len(a)
    merged = ((staff[a] + staff[b]) * 0.9).astype(np.int64)
    if kind == "psu":
        merged = np.minimum(merged, SCHOOLS[cat][3] + 25)   # a combined school keeps at most ~80 posts
    rows = _derived(w, a, category=cat, names=names, ids=ids, parents=parents, staff=merged, autonomy=autonomy)
    rows["idprefix"] = prefixes
    new = w.add_units(rows)
    w.open_units(new)
    w.close_units(np.concatenate([a, b]), successor=np.concatenate([new, new]))
    for d, i, j, t, lg in zip(_rand_dates(w.rng, len(a), window), a, b, new, w.legal(len(a))):
        w.record(d, "consolidate", [i, j], [t], legal=lg, note=f"Hợp nhất {w.uname[i]} và {w.uname[j]} thành {w.uname[t]}.")


def _emit_splits(w: World, chosen: pd.DataFrame, window) -> None:
    if chosen.empty:
        return
    src = chosen["idx"].to_numpy(dtype=np.int64)
    twice = np.repeat(src, 2)
    cats = w.cat[twice]
    places = w.units["place"].to_numpy()[twice]
    ids, names, prefixes = _new_identity(w, twice, w.parent[twice], cats, places=places)
    staff = w.units["staff"].to_numpy()[src]
    halves = np.column_stack([staff // 2, staff - staff // 2]).ravel()
    rows = _derived(w, twice, category=cats, names=names, ids=ids, parents=w.parent[twice], staff=halves,
                    autonomy=w.units["autonomy"].to_numpy()[twice])
    rows["idprefix"] = prefixes
    new = w.add_units(rows).reshape(-1, 2)
    w.open_units(new.ravel())
    w.close_units(src)
    for d, s, (t1, t2), lg in zip(_rand_dates(w.rng, len(src), window), src, new, w.legal(len(src))):
        w.record(d, "split", [s], [t1, t2], legal=lg,
                 note=f"Chia {w.uname[s]} thành {w.uname[t1]} và {w.uname[t2]} do số lớp, số học sinh tăng.")


def _emit_separations(w: World, chosen: pd.DataFrame, kind: str, window) -> None:
    if chosen.empty:
        return
    src = chosen["idx"].to_numpy(dtype=np.int64)
    cats = w.cat[src]
    staff = w.units["staff"].to_numpy()[src]
    if kind == "psu":
        ids, names, prefixes = _new_identity(w, src, w.parent[src], cats, places=w.units["place"].to_numpy()[src])
        new_staff, autonomy = np.maximum(15, staff // 3), w.units["autonomy"].to_numpy()[src]
        verb = "Tách điểm trường của {s} để thành lập {t}."
    else:
        ids, names, prefixes = _new_identity(w, src, w.parent[src], cats)
        new_staff, autonomy = np.full(len(src), 5), [None] * len(src)
        verb = "Tách một bộ phận của {s} để thành lập {t}."
    rows = _derived(w, src, category=cats, names=names, ids=ids, parents=w.parent[src], staff=new_staff, autonomy=autonomy)
    rows["idprefix"] = prefixes
    new = w.add_units(rows)
    w.open_units(new)
    for d, s, t, lg in zip(_rand_dates(w.rng, len(src), window), src, new, w.legal(len(src))):
        w.record(d, "separate", [s], [t], legal=lg, note=verb.format(s=w.uname[s], t=w.uname[t]))


def _emit_establishments(w: World, models: pd.DataFrame, kind: str, window) -> None:
    if models.empty:
        return
    m = models["idx"].to_numpy(dtype=np.int64)
    cats = w.cat[m]
    parents = w.parent[m]
    if kind == "psu":
        pools = [w.districts[w.dprefix[i]].places for i in m]
        places = [pl[int(k) % len(pl)] for pl, k in zip(pools, w.rng.integers(0, 10**6, size=len(m)))]
        ids, names, prefixes = _new_identity(w, m, parents, cats, places=places)
        lo = np.array([SCHOOLS[c][2] for c in cats])
        staff = w.rng.integers(lo, lo + 15)
        autonomy = np.where(w.rng.random(len(m)) < 0.7, 4, 3)
        note = "Thành lập {t} đáp ứng nhu cầu học tập tại khu dân cư mới."
    else:
        places = None
        ids, names, prefixes = _new_identity(w, m, parents, cats)
        staff, autonomy = w.rng.integers(5, 10, size=len(m)), [None] * len(m)
        note = "Thành lập {t} thuộc {p}."
    rows = _derived(w, m, category=cats, names=names, ids=ids, parents=parents, staff=staff, autonomy=autonomy, jitter=0.01)
    rows["idprefix"] = prefixes
    if places is not None:
        rows["place"] = places
    new = w.add_units(rows)
    w.open_units(new)
    for d, t, p, lg in zip(_rand_dates(w.rng, len(m), window), new, parents, w.legal(len(m))):
        w.record(d, "establish", targets=[t], legal=lg, note=note.format(t=w.uname[t], p=w.uname[p]))


def _emit_transfers(w: World, chosen: pd.DataFrame, window) -> None:
    if chosen.empty:
        return
    for d, (s, np_), lg in zip(_rand_dates(w.rng, len(chosen), window),
                               chosen[["idx", "new_parent"]].to_numpy(dtype=np.int64), w.legal(len(chosen))):
        old = w.parent[s]
        w.transfer([s], int(np_))
        w.record(d, "transfer", [s], new_parent=int(np_), legal=lg,
                 note=f"Chuyển {w.uname[s]} từ {w.uname[old]} về trực thuộc {w.uname[np_]}.")


def _emit_dissolutions(w: World, chosen: pd.DataFrame, window) -> None:
    if chosen.empty:
        return
    src = chosen["idx"].to_numpy(dtype=np.int64)
    anchors = chosen["anchor"].to_numpy(dtype=np.int64)
    with_target = w.rng.random(len(src)) < 0.5
    w.close_units(src)
    for d, s, a, t, lg in zip(_rand_dates(w.rng, len(src), window), src, anchors, with_target, w.legal(len(src))):
        if t:
            w.record(d, "dissolve", [s], [a], legal=lg, note=f"Giải thể {w.uname[s]}; chức năng, nhiệm vụ giao cho {w.uname[a]}.")
        else:
            w.record(d, "dissolve", [s], legal=lg, note=f"Giải thể {w.uname[s]} do không còn chức năng, nhiệm vụ, hoạt động không hiệu quả.")


def _emit_merges(w: World, chosen: pd.DataFrame, window) -> None:
    if chosen.empty:
        return
    groups = chosen.sort_values(["anchor", "idx"]).groupby("anchor", sort=True)["idx"].agg(list)
    w.close_units(chosen["idx"].to_numpy(dtype=np.int64), successor=chosen["anchor"].to_numpy(dtype=np.int64))
    for d, (a, src), lg in zip(_rand_dates(w.rng, len(groups), window), groups.items(), w.legal(len(groups))):
        w.record(d, "merge", src, [a], legal=lg, note=f"Sáp nhập {', '.join(w.uname[src])} vào {w.uname[a]}.")


# ====================================================================== calibration


@dataclass(frozen=True)
class QuangNinhCalibration:
    """The published Quảng Ninh figures (Vietnam News Agency, July 2022) and the choices that
    turn them into year-end targets. Only ``baseline_agency`` (the agency/PSU split of 2015) and
    the yearly weights are our choice; the README says so."""

    baseline_all: int = 1261              # any of 1258..1264 gives 227 = 18.0 %
    baseline_agency: int = 481            # chosen split (not published)
    reduced_agency: int = 140             # published
    reduced_psu: int = 87                 # published
    published_pct: float = 18.0           # published, one decimal
    psu_target_pct: int = 10              # Resolution 19-NQ/TW: -10 % PSUs against 2015
    psu_target_met: int = 2020            # published: met in 2020, a year early
    first_year: int = 2016
    last_year: int = 2021
    agency_weights: tuple[float, ...] = (0.08, 0.12, 0.20, 0.20, 0.25, 0.15)
    psu_weights: tuple[float, ...] = (0.06, 0.30, 0.26, 0.13, 0.14, 0.11)

    @property
    def baseline_psu(self) -> int:
        return self.baseline_all - self.baseline_agency

    @property
    def reduced_all(self) -> int:
        return self.reduced_agency + self.reduced_psu


def admissible_baselines(reduced: int, pct: float) -> list[int]:
    """Baseline sizes N for which 100 * reduced / N rounds (one decimal) to ``pct``."""
    lo, hi = int(100 * reduced / (pct + 0.06)), int(100 * reduced / (pct - 0.06)) + 1
    return [n for n in range(lo, hi + 1) if round(100 * reduced / n, 1) == pct]


def calibrate_quang_ninh(cal: QuangNinhCalibration = QuangNinhCalibration()) -> pd.DataFrame:
    """Year-end target counts per kind, 2015..2021, derived from the published figures.

    Reductions are spread over the years by ``*_weights`` (largest remainder); the cumulative PSU
    reduction is then clamped so that the -10 % test (``100 * reduced >= 10 * baseline``) first
    holds at the end of ``psu_target_met``. Every published figure is asserted.
    """
    assert cal.baseline_all in admissible_baselines(cal.reduced_all, cal.published_pct)
    years = list(range(cal.first_year, cal.last_year + 1))
    cum_a = np.cumsum(allocate(cal.reduced_agency, cal.agency_weights))
    cum_p = np.cumsum(allocate(cal.reduced_psu, cal.psu_weights))
    need = -(-cal.psu_target_pct * cal.baseline_psu // 100)       # smallest reduction meeting the target
    assert cal.reduced_psu >= need, "the published PSU reduction must meet the target"
    met = np.array(years) >= cal.psu_target_met
    cum_p = np.where(met, np.maximum(cum_p, need), np.minimum(cum_p, need - 1))
    table = pd.DataFrame({"year": [cal.first_year - 1] + years,
                          "agency": cal.baseline_agency - np.concatenate([[0], cum_a]),
                          "psu": cal.baseline_psu - np.concatenate([[0], cum_p])})
    table["all"] = table["agency"] + table["psu"]
    _assert_quang_ninh_targets(table.set_index("year"), cal)
    return table


def _assert_quang_ninh_targets(t: pd.DataFrame, cal: QuangNinhCalibration) -> None:
    """The published figures, checked on a table of year-end counts (index = year)."""
    b, e = cal.first_year - 1, cal.last_year
    assert t.loc[b, "all"] == cal.baseline_all and t.loc[b, "agency"] == cal.baseline_agency
    assert t.loc[b, "agency"] - t.loc[e, "agency"] == cal.reduced_agency
    assert t.loc[b, "psu"] - t.loc[e, "psu"] == cal.reduced_psu
    assert t.loc[b, "all"] - t.loc[e, "all"] == cal.reduced_all
    assert round(100 * cal.reduced_all / t.loc[b, "all"], 1) == cal.published_pct
    base = t.loc[b, "psu"]
    for y in range(cal.first_year, e + 1):
        met = 100 * (base - t.loc[y, "psu"]) >= cal.psu_target_pct * base
        assert met == (y >= cal.psu_target_met), f"PSU target met={met} in {y}"
    assert (np.diff(t["psu"].to_numpy()) <= 0).all() and (np.diff(t["agency"].to_numpy()) <= 0).all()


# Fractions of each year's count removed by filler events where no count is calibrated.
QN_LATER = {2022: (0.01, 0.01), 2023: (0.01, 0.01), 2024: (0.01, 0.015), 2025: (0.01, 0.03)}      # (agency, psu)
NATIONAL_AGENCY = {2016: 0.015, 2017: 0.02, 2018: 0.03, 2019: 0.02, 2020: 0.03, 2021: 0.02, 2022: 0.01, 2023: 0.01,
                   2024: 0.01, 2025: 0.01}
NATIONAL_PSU_LATER = {2022: 0.0087, 2023: 0.0087, 2024: 0.03, 2025: 0.06}
NATIONAL = dict(psu_2015=55891, psu_2021=48442, reference_provinces=63, provinces_2025=34, communes_2025=3321,
                thpt=2455, districts=713, year_weights=(0.10, 0.16, 0.20, 0.20, 0.18, 0.16))


def calibrate_national(specs: list[ProvinceSpec], rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Per-province cumulative PSU reductions 2016..2021 (array provinces x 6) hitting the national
    2021 figure exactly (scaled by provinces / 63), with a spread of per-province rates."""
    n = len(specs)
    base = np.array([s.psus for s in specs])
    total_2021 = int(round(NATIONAL["psu_2021"] * n / NATIONAL["reference_provinces"]))
    reduce = int(base.sum() - total_2021)
    rate = np.clip(rng.normal(13.6, 4.5, size=n), 3.0, 28.0)
    per_prov = allocate(reduce, base * rate, cap=(base * 0.3).astype(np.int64))
    cw = np.cumsum(NATIONAL["year_weights"])
    cum = np.floor(per_prov[:, None] * cw[None, :] + 0.5).astype(np.int64)
    cum[:, -1] = per_prov
    cum = np.maximum.accumulate(cum, axis=1)
    assert base.sum() - cum[:, -1].sum() == total_2021
    info = dict(psu_2015=int(base.sum()), psu_2021=total_2021, reduced=reduce,
                provinces_below_10pct=int((100 * per_prov < 10 * base).sum()))
    return cum, info


# ====================================================================== the simulation driver


def _window(year: int, hook_dates: list[str]) -> tuple[tuple[str, str], bool]:
    """Filler dates: after the year's last hook when that is in the first half-year, else before
    its first hook. Returns (window, filler_first)."""
    if not hook_dates:
        return (f"{year}-01-02", f"{year}-12-31"), False
    last, first = max(hook_dates), min(hook_dates)
    if last <= f"{year}-06-30":
        return (str(np.datetime64(last) + 1), f"{year}-12-31"), False
    return (f"{year}-01-02", str(np.datetime64(first) - 1)), True


def simulate(w: World, hooks: dict[int, list], targets: dict[int, dict[str, tuple[str, np.ndarray]]],
             years=range(FIRST_YEAR, LAST_YEAR + 1)) -> dict[str, dict[str, np.ndarray]]:
    """Run every year: hooks (in date order) and filler events per kind, sized so that each
    ``("count", array)`` target is met exactly at year end (``("frac", array)``: that share of the
    count is removed). Returns year-end counts per kind and province."""
    history = {START: {k: w.counts(k) for k in ("agency", "psu")}}
    for year in years:
        year_hooks = sorted(hooks.get(year, []), key=lambda h: h[0])
        window, filler_first = _window(year, [h[0] for h in year_hooks])

        def run_hooks():
            for date, fn, provs in year_hooks:
                fn(w, date, provs)

        def run_fill():
            for kind in ("agency", "psu"):
                how, value = targets[year][kind]
                current = w.counts(kind)
                if how == "count":
                    assert not filler_first, "count targets need the filler after the hooks"
                    need = np.asarray(value) - current
                else:
                    need = -np.floor(np.asarray(value) * current + 0.5).astype(np.int64)
                run_filler(w, kind, need, window)

        if filler_first:
            run_fill()
            run_hooks()
        else:
            run_hooks()
            run_fill()
        history[f"{year}-12-31"] = {k: w.counts(k) for k in ("agency", "psu")}
        for kind, (how, value) in targets[year].items():
            if how == "count":
                assert (history[f"{year}-12-31"][kind] == value).all(), f"{year} {kind} missed its calibrated count"
    return history


def export(w: World, event_prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The public tables: units (contract columns) and events sorted by date (file order within
    a date = generation order), with sequential event ids."""
    u = w.units[UNIT_COLUMNS].copy()
    u["staff"] = u["staff"].astype(np.int64)
    u["autonomy"] = u["autonomy"].astype("Int64").where(u["kind"] == "psu", pd.NA)
    u["lat"], u["lon"] = u["lat"].astype(float).round(5), u["lon"].astype(float).round(5)
    e = pd.DataFrame(w.events, columns=EVENT_COLUMNS[1:])
    e = e.sort_values("date", kind="stable").reset_index(drop=True)
    width = max(5, len(str(len(e))))
    e.insert(0, "event_id", [f"{event_prefix}{i:0{width}d}" for i in range(1, len(e) + 1)])
    for df in (u, e):
        for col in df.columns:
            if pd.api.types.is_string_dtype(df[col]) or df[col].dtype == object:
                df[col] = df[col].astype(str).str.normalize("NFC")
    return u, e


NEW_TYPES = ("establish", "consolidate", "split", "separate")
CLOSING_TYPES = ("merge", "consolidate", "split", "dissolve")


def count_units(units: pd.DataFrame, events: pd.DataFrame, dates) -> pd.DataFrame:
    """Open units per kind as of each date (events dated <= D included), straight from the
    public tables: an independent check of the simulation's own counts."""
    def first_date(col, types):
        ev = events[events["type"].isin(types)][["date", col]].copy()
        ev["uid"] = ev[col].astype(str).str.split(";")
        ev = ev.explode("uid")
        ev["uid"] = ev["uid"].str.strip()
        ev = ev[ev["uid"] != ""].sort_values("date", kind="stable").drop_duplicates("uid", keep="first")
        return ev.set_index("uid")["date"]

    opened = units["unit_id"].map(first_date("targets", NEW_TYPES)).fillna("0000-00-00").astype(str)
    closed = units["unit_id"].map(first_date("sources", CLOSING_TYPES)).fillna("9999-12-31").astype(str)
    rows = []
    for d in dates:
        live = (opened <= d) & (closed > d)
        c = units.loc[live, "kind"].value_counts()
        rows.append(dict(date=d, agency=int(c.get("agency", 0)), psu=int(c.get("psu", 0)),
                         government=int(c.get("government", 0))))
    out = pd.DataFrame(rows)
    out["all"] = out["agency"] + out["psu"]
    return out[["date", "agency", "psu", "all", "government"]]


# ====================================================================== Quảng Ninh


def quang_ninh_hooks() -> dict[int, list]:
    """Scripted reorganisations of Quảng Ninh (date, hook, provinces). Only the Hoành Bồ merger's
    date is real; the others are placed in plausible years."""
    all_p = [0]
    return {
        2017: [("2017-01-01", hook_district_health, all_p)],
        2018: [("2018-01-01", hook_cdc, all_p), ("2018-04-01", hook_district_media, all_p)],
        2019: [("2019-01-01", hook_provincial_media, all_p), ("2019-01-01", hook_market_surveillance, all_p)],
        2020: [("2020-01-01", hook_hoanh_bo, all_p)],
        2025: [("2025-03-01", hook_departments_2025, all_p), ("2025-07-01", hook_abolish_districts, all_p)],
    }


QN_SOURCES = [
    "Vietnam News Agency (TTXVN), July 2022: Quảng Ninh administrative-reform conference of 20 July 2022 "
    "(-227 units against 2015 = 18 %: 140 agencies, 87 PSUs; -10 % PSUs met in 2020; 1,803 procedures; SIPAS 2021 94.07 %)",
    "Resolution 837/NQ-UBTVQH14: Hoành Bồ district merged into Hạ Long city from 1 January 2020",
    "Resolution 19-NQ/TW (2017); Quảng Ninh Project 25 (2015)",
    "Resolution 202/2025/QH15 and the 2025 Law on Organisation of Local Government: district level abolished from 1 July 2025",
    "Everything else (individual units, staff, coordinates, the agency/PSU split, other event dates) is synthetic",
]

INDICATORS = [
    # indicator, value, unit, comparison, period, scope, label
    ("administrative_procedures", "1803", "procedures", "=", "2022-07", "province", "Administrative procedures in force after review"),
    ("dossiers_on_time_or_early", "98", "percent", ">", "2021 to 2022-06", "public administration service centres and commune one-stop shops",
     "Share of dossiers settled on time or early"),
    ("dossiers_online", "53.5", "percent", ">", "2021 to 2022-06", "provincial public administration service centre",
     "Share of dossiers received and settled online"),
    ("sipas_satisfaction", "94.07", "percent", "=", "2021", "province", "SIPAS: average satisfaction with public administrative services"),
    ("sipas_results", "94.90", "percent", "=", "2021", "province", "SIPAS criterion: results of settling procedures"),
    ("sipas_procedures", "94.78", "percent", "=", "2021", "province", "SIPAS criterion: administrative procedures"),
    ("sipas_civil_servants", "94.75", "percent", "=", "2021", "province", "SIPAS criterion: civil servants receiving and settling dossiers"),
    ("sipas_access", "94.64", "percent", "=", "2021", "province", "SIPAS criterion: access to services"),
    ("sipas_feedback", "91.26", "percent", "=", "2021", "province", "SIPAS criterion: receiving and handling feedback and complaints"),
    ("sipas_rank_national", "1", "rank", "=", "2021", "province", "SIPAS ranking among 63 provinces (first for the third year running)"),
    ("units_reduced_since_2015", "227", "units", "=", "2015 to 2021", "province", "Agencies and PSUs reduced against 2015"),
    ("units_reduced_since_2015_pct", "18", "percent", "=", "2015 to 2021", "province", "Share of 2015 units reduced"),
    ("agencies_reduced_since_2015", "140", "units", "=", "2015 to 2021", "province", "Administrative agencies and organisations reduced"),
    ("psus_reduced_since_2015", "87", "units", "=", "2015 to 2021", "province", "Public service units reduced"),
    ("psu_target_10pct_met_year", "2020", "year", "=", "2015 to 2021", "province", "Year the -10 % PSU target was met (a year early)"),
]


def indicators_table() -> pd.DataFrame:
    """The article's figures as a table (indicators.csv)."""
    t = pd.DataFrame(INDICATORS, columns=["indicator", "value", "unit", "comparison", "period", "scope", "label"])
    t["value"] = t["value"].astype(str)
    t["source"] = "Vietnam News Agency (TTXVN), July 2022"
    return t


def generate_quang_ninh(seed: int = 2015, cal: QuangNinhCalibration = QuangNinhCalibration()) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The calibrated Quảng Ninh registry 2015-2025: ``(units, events, meta)``."""
    table = calibrate_quang_ninh(cal).set_index("year")
    spec = quang_ninh_spec(cal.baseline_psu, cal.baseline_agency)
    rng = np.random.default_rng(seed)
    w = World(build_province(spec, rng), (spec,), rng)
    targets = {y: {k: ("count", np.array([table.loc[y, k]])) for k in ("agency", "psu")}
               for y in range(cal.first_year, cal.last_year + 1)}
    targets.update({y: {"agency": ("frac", np.array([a])), "psu": ("frac", np.array([p]))} for y, (a, p) in QN_LATER.items()})
    history = simulate(w, quang_ninh_hooks(), targets)
    units, events = export(w, "QN-E")
    meta = dict(
        name="quang-ninh",
        description=("Quảng Ninh province: administrative agencies and public service units from the 2015 baseline to 2025. "
                     "Synthetic units calibrated to the published 2015-2021 figures (-227 units = 18 %: 140 agencies, 87 PSUs; "
                     "-10 % PSUs met in 2020); the Hoành Bồ merger (2020) and the 2025 reorganisation are modelled."),
        start=START, sources=QN_SOURCES, kind="quang-ninh", seed=seed,
        generator=f"orgmodel.synth.generate_quang_ninh(seed={seed})",
        calibration=dict(cal.__dict__, baseline_psu=cal.baseline_psu,
                         admissible_baselines=admissible_baselines(cal.reduced_all, cal.published_pct)),
        targets=table.reset_index().to_dict("records"),
        history={d: {k: int(v[0]) for k, v in c.items()} for d, c in history.items()},
    )
    return units, events, meta


# ====================================================================== national


def national_specs(n: int, rng: np.random.Generator) -> list[ProvinceSpec]:
    """``n`` synthetic provinces sized like Vietnam's (scaled by n / 63)."""
    scale = n / NATIONAL["reference_provinces"]
    weight = rng.lognormal(0.0, 0.45, size=n)
    psus = allocate(int(round(NATIONAL["psu_2015"] * scale)), weight, minimum=250)
    thpt = allocate(int(round(NATIONAL["thpt"] * scale)), weight, minimum=8)
    communes = allocate(int(round(NATIONAL["communes_2025"] * scale)), weight, minimum=12)
    specs = []
    for p in range(n):
        nd = int(np.clip(round(NATIONAL["districts"] / 63 * (weight[p] / weight.mean()) ** 0.6 + rng.normal(0, 1.5)), 5, 24))
        lat = float(rng.uniform(9.5, 22.5))
        lon = float(rng.uniform(103.5, 107.5) if lat > 19.5 else rng.uniform(105.5, 108.8) if lat > 15 else rng.uniform(104.8, 107.5))
        code, name = f"T{p + 1:02d}", f"Tỉnh {p + 1:02d}"
        bbox = (max(8.4, lat - 0.9), min(23.4, lat + 0.9), max(102.1, lon - 0.9), min(109.5, lon + 0.9))
        dw = rng.lognormal(0.0, 0.35, size=nd)
        dw[0] *= 1.8                                   # the provincial capital city is the largest
        dw /= dw.sum()
        districts = []
        for d in range(nd):
            dtype = "thành phố" if d == 0 else ("thị xã" if d == 1 and rng.random() < 0.6 else "huyện")
            places = tuple(rng.choice(GENERIC_PLACES, size=12, replace=False))
            districts.append(DistrictSpec(
                short=f"D{d + 1:02d}", prefix=f"{code}-D{d + 1:02d}", name=f"H{p + 1:02d}.{d + 1:02d}", type=dtype,
                lat=lat + float(rng.normal(0, 0.3)), lon=lon + float(rng.normal(0, 0.3)), spread=0.05, weight=float(dw[d]),
                ethnic=bool(rng.random() < 0.3), places=places))
        shorts = [d.short for d in districts]
        specs.append(ProvinceSpec(
            index=p, code=code, name=name, full=name, lat=lat, lon=lon, bbox=bbox, districts=tuple(districts),
            psus=int(psus[p]), agencies=None, thpt=int(thpt[p]), communes_2025=int(communes[p]),
            district_hospitals=tuple(s for s in shorts[1:] if rng.random() < 0.85),
            hat_kiem_lam=tuple(s for s in shorts if rng.random() < 0.7),
            health_centre_parent="district" if rng.random() < 0.4 else "province",
            division_share=0.75, dept_suffix=f" ({name})"))
    return specs


def province_merges(n: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """(absorbed, survivor) pairs: 29 of 63 provinces absorbed into 23 (63 -> 34), scaled."""
    n_abs = int(round(n * (NATIONAL["reference_provinces"] - NATIONAL["provinces_2025"]) / NATIONAL["reference_provinces"]))
    if n_abs == 0 or n < 2:
        return []
    n_surv = max(1, min(n - n_abs, int(round(n * 23 / 63))))
    order = rng.permutation(n)
    absorbed, survivors = np.sort(order[:n_abs]), order[n_abs:n_abs + n_surv]
    return [(int(a), int(survivors[i % n_surv])) for i, a in enumerate(absorbed)]


def generate_national(provinces: int = 63, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A national-scale registry 2015-2025: ``(units, events, meta)``."""
    rng = np.random.default_rng(seed)
    specs = national_specs(provinces, rng)
    cum, info = calibrate_national(specs, rng)
    units = pd.concat([build_province(s, rng) for s in specs], ignore_index=True)
    w = World(units, tuple(specs), rng)
    base = np.array([s.psus for s in specs])
    targets = {}
    for j, year in enumerate(range(2016, 2022)):
        targets[year] = {"agency": ("frac", np.full(provinces, NATIONAL_AGENCY[year])), "psu": ("count", base - cum[:, j])}
    for year, frac in NATIONAL_PSU_LATER.items():
        targets[year] = {"agency": ("frac", np.full(provinces, NATIONAL_AGENCY[year])), "psu": ("frac", np.full(provinces, frac))}
    pairs = province_merges(provinces, rng)
    all_p = list(range(provinces))
    hooks = {
        2019: [("2019-01-01", hook_market_surveillance, all_p)],
        2025: [("2025-03-01", hook_departments_2025, all_p), ("2025-07-01", hook_abolish_districts, all_p),
               ("2025-07-01", make_province_merge_hook(pairs), all_p)],
    }
    history = simulate(w, hooks, targets)
    units, events = export(w, "VN-E")
    meta = dict(
        name=f"national-{provinces}",
        description=(f"Synthetic national registry: {provinces} provinces, 2015-2025, calibrated to the national PSU figures "
                     f"(55,891 in 2015 -> 48,442 in 2021 for 63 provinces, scaled by {provinces}/63), with the 2025 "
                     "reorganisation (departments 20 -> 14, district level abolished, provinces 63 -> 34 scaled)."),
        start=START, kind="national", seed=seed, provinces=provinces,
        sources=["National PSU counts 2015 and 2021 (55,891 -> 48,442) and school and commune counts as gathered in "
                 "docs/domain-facts.md; Resolution 19-NQ/TW; Resolution 202/2025/QH15", "Every unit and event is synthetic"],
        generator=f"orgmodel.synth.generate_national(provinces={provinces}, seed={seed})",
        calibration=dict(info, province_merges=len(pairs), provinces_after_2025=provinces - len(pairs)),
        history={d: {k: int(v.sum()) for k, v in c.items()} for d, c in history.items()},
    )
    return units, events, meta


# ====================================================================== writing


def write_registry(units: pd.DataFrame, events: pd.DataFrame, out_dir, meta: dict | None = None) -> Path:
    """Write units.csv, events.csv and registry.yaml (and README.md, plus indicators.csv for
    Quảng Ninh, when ``meta`` is given), each atomically, UTF-8 with ``\\n`` line ends."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_csv(units[UNIT_COLUMNS], out / "units.csv")
    atomic_write_csv(events[EVENT_COLUMNS], out / "events.csv")
    meta = meta or {}
    yml = {"name": meta.get("name", out.name), "description": meta.get("description", ""),
           "start": dt.date.fromisoformat(meta.get("start", START)), "sources": list(meta.get("sources", [])),
           "generator": meta.get("generator", "orgmodel.synth")}
    atomic_write_text(out / "registry.yaml", yaml.safe_dump(yml, allow_unicode=True, sort_keys=False, width=100))
    if meta.get("kind") == "quang-ninh":
        atomic_write_csv(indicators_table(), out / "indicators.csv")
        atomic_write_text(out / "README.md", render_quang_ninh_readme(units, events, meta))
    elif meta:
        atomic_write_text(out / "README.md", render_national_readme(units, events, meta))
    return out


# ====================================================================== READMEs


def _md_table(df: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def calibration_table(units: pd.DataFrame, events: pd.DataFrame, dates, baseline: str = START) -> pd.DataFrame:
    """Counts per kind at ``dates`` with the reduction against ``baseline`` (from the tables)."""
    t = count_units(units, events, sorted({baseline, *dates})).set_index("date")
    b = t.loc[baseline]
    out = t.loc[list(dates)].reset_index()
    for k in ("agency", "psu", "all"):
        out[f"{k} reduced"] = [int(b[k] - v) for v in out[k]]
    out["all reduced %"] = [f"{100 * r / b['all']:.1f}" for r in out["all reduced"]]
    out["psu reduced %"] = [f"{100 * r / b['psu']:.1f}" for r in out["psu reduced"]]
    return out[["date", "agency", "psu", "all", "agency reduced", "psu reduced", "all reduced", "all reduced %", "psu reduced %"]]


def _event_mix(events: pd.DataFrame) -> pd.DataFrame:
    period = np.where(events["date"] <= "2021-12-31", "2016-2021", "2022-2025")
    mix = pd.crosstab(events["type"], period).reset_index().rename(columns={"type": "event type"})
    mix.columns.name = None
    return mix


def render_quang_ninh_readme(units: pd.DataFrame, events: pd.DataFrame, meta: dict) -> str:
    """README.md of the bundled Quảng Ninh registry: published vs synthetic, ids, calibration."""
    cal = meta["calibration"]
    table = calibration_table(units, events, ["2015-12-31", "2019-12-31", "2020-12-31", "2021-12-31", "2025-12-31"])
    t = table.set_index("date")
    b_psu, threshold = int(t.loc["2015-12-31", "psu"]), cal["psu_target_pct"] * int(t.loc["2015-12-31", "psu"]) / 100
    depts = pd.DataFrame([(f"`QN-{c}`", n) for c, n, _ in DEPARTMENTS], columns=["id", "name (2015)"])
    dists = pd.DataFrame([(f"`{c}-UBND`", f"{t_} {n}") for c, n, t_, *_ in QN_DISTRICTS], columns=["id", "district-level unit"])
    govs = int(((units["kind"] == "government") & (units["level"] == "commune")).sum())
    lo, hi = min(cal["admissible_baselines"]), max(cal["admissible_baselines"])
    return f"""# Quảng Ninh: agencies and public service units, 2015 baseline to 2025

This registry is **generated** by `{meta['generator']}`; do not edit it by hand. Regenerate it,
byte for byte, with

```
python -m orgmodel.synth quang-ninh data/quang-ninh
```

It follows the registry format, version 1: `units.csv` ({len(units):,} units),
`events.csv` ({len(events):,} events, 2016-2025), `registry.yaml` (start {START}: units not opened by
an event exist from then), and `indicators.csv` (the published service indicators).

## What is published

Vietnam News Agency (TTXVN), July 2022, reporting Quảng Ninh's conference on administrative-reform
and satisfaction indices (20 July 2022):

- by the end of 2021 the province had **227 fewer units** (đầu mối: administrative agencies and
  organisations plus public service units) than in 2015, **18 %**; of them **140 agencies** and
  **87 PSUs**;
- the target of -10 % PSUs (Resolution 19-NQ/TW) was **met in 2020**, a year early;
- 1,803 administrative procedures remained after review; over 98 % of dossiers were settled on
  time or early; over 53.5 % of the provincial public administration service centre's dossiers
  were received and settled online; SIPAS 2021 satisfaction 94.07 % (results 94.90, procedures
  94.78, civil servants 94.75, access 94.64, feedback handling 91.26), first among the provinces for
  the third year running. These figures are in `indicators.csv` (`comparison` is `>` where the
  article says "over").

Other public facts used: Quảng Ninh's Project 25 (2015) aimed at -18 % administrative bodies,
-10 % PSUs and -19 % civil servants; the province had 14 district-level units until 2019 (cities
Hạ Long, Cẩm Phả, Uông Bí, Móng Cái; towns Quảng Yên, Đông Triều; districts Vân Đồn, Hoành Bồ,
Tiên Yên, Đầm Hà, Hải Hà, Bình Liêu, Ba Chẽ, Cô Tô) and 13 after Hoành Bồ was merged into Hạ Long
on 1 January 2020 (Resolution 837/NQ-UBTVQH14); the departments carry their real 2015 names; in 2025
the 20 specialised agencies became 14, the district level was abolished on 1 July 2025 and the
province's 171 communes became 54 commune-level units.

## What is synthetic

- **Every individual unit** below the departments: divisions, sub-department divisions, centres and
  schools, their staff, autonomy groups and coordinates (scattered around the real district
  centres). A few well-known provincial units carry their real names (e.g. Bệnh viện Bãi Cháy,
  Trường Đại học Hạ Long); schools are named after real wards and communes of their district.
- **The agency/PSU split** of 2015 is not published: this registry chooses {cal['baseline_agency']}
  agencies and {cal['baseline_psu']} PSUs. The total {cal['baseline_all']:,} is also a choice: any
  baseline from {lo:,} to {hi:,} gives 100 × 227 / baseline = 18.0 % to one decimal.
- **Event dates and decision numbers**, except the calibration (year-end counts 2015-2021) and the
  Hoành Bồ merger (2020-01-01, 837/NQ-UBTVQH14). Scripted reorganisations are modelled on real
  reforms, in plausible years: district hospitals and population centres merged into multi-function
  district health centres (2017); six preventive-medicine centres consolidated into a CDC (2018);
  each district's culture centre and radio-TV station consolidated into a Trung tâm Truyền thông và
  Văn hóa (2018); the provincial newspaper, radio-TV station, portal and magazine consolidated into
  a provincial media centre (2019); market surveillance moved to the Ministry of Industry and Trade
  (2019, Decision 34/2018/QĐ-TTg); departments 20 -> 14 (2025-03-01); district level abolished and
  {govs} commune-level governments established (2025-07-01, two of them the special zones Vân Đồn
  and Cô Tô). All other events (merges of schools and divisions, consolidations of primary and
  lower-secondary schools, splits, separations, dissolutions, establishments, transfers) are
  generated to meet the yearly targets.
- Counts after 2021 are not calibrated (small yearly reductions plus the 2025 reorganisation).

## Calibration

Counted per the contract: `count(kind, D)` = open units of that kind as of D (events dated on or
before D included), `all` = agency + psu, government units not counted. Computed from the CSVs:

{_md_table(table)}

- 2015 -> 2021: -{int(t.loc['2021-12-31', 'all reduced'])} units, of which {int(t.loc['2021-12-31', 'agency reduced'])} agencies and {int(t.loc['2021-12-31', 'psu reduced'])} PSUs;
  100 × {int(t.loc['2021-12-31', 'all reduced'])} / {int(t.loc['2015-12-31', 'all'])} = {t.loc['2021-12-31', 'all reduced %']} %.
- PSUs -10 % (holds at D when 100 × reduced >= 10 × {b_psu}, i.e. reduced >= {threshold:g}): not at
  2019-12-31 ({int(t.loc['2019-12-31', 'psu reduced'])} reduced), met at 2020-12-31 ({int(t.loc['2020-12-31', 'psu reduced'])} reduced).
- These are net reductions: units were also established, split and separated, so gross closures
  exceed them (see `orgmodel status data/quang-ninh --baseline 2015-12-31 --as-of 2021-12-31`).

The generator derives the yearly targets from these published figures
(`orgmodel.synth.calibrate_quang_ninh`), asserts them, and sizes each year's events to hit them.

Events by type:

{_md_table(_event_mix(events))}

## Id scheme

Ids are readable and stable; a new unit continues the numbering of its family.

| pattern | units | examples |
|---|---|---|
| `QN-UBND` | UBND tỉnh Quảng Ninh (root) | |
| `QN-<dept>` | departments and provincial bodies (agency) | `QN-SYT` Sở Y tế, `QN-SGDDT` Sở Giáo dục và Đào tạo |
| `QN-<dept>-Pnn` | a department's internal divisions | `QN-SYT-P05` |
| `QN-<dept>-<cc>`, `...-Pnn` | sub-departments (chi cục, ban) and their divisions | `QN-SNN-CCKL`, `QN-SNN-CCKL-P01` |
| `QN-HKL-<d>`, `QN-QLTT-Dnn` | forest-ranger stations, market-surveillance teams | `QN-HKL-BC`, `QN-QLTT-D03` |
| `QN-<code>` | provincial PSUs | `QN-TTYTDP`, `QN-BAO`, `QN-CDC` (2018), `QN-TTTT` (2019) |
| `QN-BV-nnn` | hospitals under Sở Y tế | `QN-BV-001` Bệnh viện Đa khoa tỉnh Quảng Ninh, `QN-BV-002` Bệnh viện Bãi Cháy |
| `QN-THPT-nnn` | upper-secondary schools under Sở GD&ĐT | `QN-THPT-001` |
| `QN-TTYT-<d>`, `QN-TTDS-<d>` | district health centres (under Sở Y tế), district population centres | `QN-TTYT-HL` Trung tâm Y tế thành phố Hạ Long |
| `<d>-UBND` | district-level governments | `HL-UBND` |
| `<d>-<code>` | district phòng and centres | `HL-PNV`, `HL-PGDDT`, `HL-GDNN`, `HL-TTTTVH` |
| `<d>-MN-nnn`, `<d>-TH-nnn`, `<d>-THCS-nnn`, `<d>-THTHCS-nnn` | preschools, primary, lower-secondary, combined schools under the district | `HL-THCS-003` |
| `QN-SNNMT`, `QN-SVHTTDL`, `QN-SDTTG` | departments formed in 2025 | |
| `QN-XA-nn` | commune-level governments from 2025-07-01 | `QN-XA-01` |
| `QN-Ennnnn` | events, in date order | |

Departments (`<dept>` codes):

{_md_table(depts)}

District codes (`<d>`):

{_md_table(dists)}

## Modelling notes

- `locality` is a static attribute: the district the unit serves, or `province` for province-wide
  units. Hoành Bồ's units keep the locality `Hoành Bồ` after 2020 (the area they serve); their parent
  becomes `HL-UBND` through the merge.
- District health centres are managed by Sở Y tế (locality = their district); upper-secondary
  schools by Sở GD&ĐT (locality = where they stand).
- On 2025-07-01 schools and district centres move to the new commune-level governments, continuing
  education centres to Sở GD&ĐT; the phòng are dissolved (functions to the communes), then each
  district UBND is dissolved.
- Sectors: {', '.join(sorted(units['sector'].unique()))}.
- `legal_basis` numbers are synthetic except 837/NQ-UBTVQH14 and 34/2018/QĐ-TTg.
"""


def render_national_readme(units: pd.DataFrame, events: pd.DataFrame, meta: dict) -> str:
    """README.md of a national registry: what it is and its calibration."""
    table = calibration_table(units, events, ["2015-12-31", "2021-12-31", "2025-12-31"])
    t = count_units(units, events, ["2015-12-31", "2021-12-31", "2025-12-31"]).set_index("date")
    cal = meta["calibration"]
    return f"""# Synthetic national registry ({meta['provinces']} provinces)

Generated by `{meta['generator']}` (`python -m orgmodel.synth national OUT --provinces {meta['provinces']}
--seed {meta['seed']}`). Every unit and event is synthetic; only the totals are calibrated.

{meta['description']}

## Calibration

- PSUs: {cal['psu_2015']:,} at 2015-12-31 -> {cal['psu_2021']:,} at 2021-12-31 (-{cal['reduced']:,}), exactly
  (national figures 55,891 -> 48,442 scaled by {meta['provinces']}/63); {cal['provinces_below_10pct']} provinces cut
  less than 10 %.
- 2022-2025: small yearly PSU and agency reductions (not calibrated); 2025-03-01 departments 20 -> 14
  in every province; 2025-07-01 district level abolished (commune-level governments established,
  schools and centres transferred, phòng and district UBNDs dissolved) and {cal['province_merges']} provinces
  merged into neighbours ({meta['provinces']} -> {cal['provinces_after_2025']}).

Counts per kind (from the CSVs, per the registry contract):

{_md_table(table)}

Government units open: {int(t.loc['2015-12-31', 'government'])} at 2015-12-31, {int(t.loc['2025-12-31', 'government'])} at 2025-12-31.

Events by type:

{_md_table(_event_mix(events))}

Ids: province `Tnn-UBND`, departments `Tnn-<dept>` (codes as in the Quảng Ninh registry), districts
`Tnn-Ddd-UBND` with their phòng `Tnn-Ddd-<code>` and schools `Tnn-Ddd-MN-nnn`, hospitals `Tnn-BV-nnn`,
district health centres `Tnn-TTYT-Ddd`, communes `Tnn-XA-nn`; events `VN-E...` in date order.
"""


# ====================================================================== command line


def main(argv: list[str] | None = None) -> int:
    """``python -m orgmodel.synth quang-ninh [OUT] [--seed N]`` or
    ``python -m orgmodel.synth national OUT [--provinces N] [--seed N]``."""
    ap = argparse.ArgumentParser(prog="python -m orgmodel.synth", description="Generate a synthetic registry.")
    sub = ap.add_subparsers(dest="which", required=True)
    qn = sub.add_parser("quang-ninh", help="the calibrated Quảng Ninh registry")
    qn.add_argument("out", nargs="?", default="data/quang-ninh")
    qn.add_argument("--seed", type=int, default=2015)
    nat = sub.add_parser("national", help="a national-scale registry")
    nat.add_argument("out")
    nat.add_argument("--provinces", type=int, default=63)
    nat.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.which == "quang-ninh":
        units, events, meta = generate_quang_ninh(seed=args.seed)
    else:
        units, events, meta = generate_national(provinces=args.provinces, seed=args.seed)
    write_registry(units, events, args.out, meta)
    print(f"wrote {args.out}: {len(units)} units, {len(events)} events in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
