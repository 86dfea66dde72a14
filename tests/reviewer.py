"""A Home Affairs reviewer, independent of orgmodel: types every unit by its official Vietnamese
name (never by its unit_type) and says which merges a reviewer would reject.

Written from the reviewer's side of issue 10, not from orgmodel/data/compatibility.csv: it must
not import orgmodel. A merge is acceptable when both units are of the same class, or the pair is
one of the cross-class merges a provincial Department of Home Affairs signs (multi-level schools,
district health centres and hospitals, the library into the museum ...).
"""

from __future__ import annotations

import re
import unicodedata

# (class, pattern) in order: the first that matches the lower-cased NFC name wins
CLASSES: list[tuple[str, str]] = [
    ("th-thcs", r"tiểu học và (thcs|trung học cơ sở)|\bth ?(&|và) ?thcs\b"),
    ("thcs-thpt", r"(thcs|trung học cơ sở) và (thpt|trung học phổ thông)"),
    ("ptdtnt", r"dân tộc nội trú"),
    ("ptdtbt", r"dân tộc bán trú"),
    ("mam-non", r"trường mầm non|trường mẫu giáo|nhà trẻ"),
    ("tieu-hoc", r"trường tiểu học"),
    ("thcs", r"trường (thcs|trung học cơ sở)\b"),
    ("thpt", r"trường (thpt|trung học phổ thông)\b"),
    ("gdnn-gdtx", r"giáo dục nghề nghiệp|giáo dục thường xuyên"),
    ("trung-cap", r"trường trung cấp"),
    ("cao-dang", r"trường cao đẳng"),
    ("dai-hoc", r"trường đại học"),
    ("tram-y-te", r"trạm y tế"),
    ("benh-vien-chuyen-khoa", r"bệnh viện .*(sản|nhi|lao|phổi|cổ truyền|phục hồi|tâm thần|mắt|da liễu|ung bướu|phong|nội tiết)"),
    ("benh-vien", r"bệnh viện"),
    ("phap-y", r"pháp y"),
    ("giam-dinh-y-khoa", r"giám định y khoa"),
    ("kiem-nghiem", r"kiểm nghiệm"),
    ("cdc", r"kiểm soát bệnh tật"),
    ("y-te-du-phong", r"y tế dự phòng|phòng,? chống|sức khỏe sinh sản|truyền thông giáo dục sức khỏe|nội tiết"),
    ("dan-so-khhgd", r"dân số"),
    ("trung-tam-y-te", r"trung tâm y tế"),
    ("cong-chung", r"công chứng"),
    ("tro-giup-phap-ly", r"trợ giúp pháp lý"),
    ("dau-gia", r"đấu giá"),
    ("thu-vien", r"thư viện"),
    ("bao-tang", r"bảo tàng"),
    ("truyen-thong-van-hoa", r"truyền thông và văn hóa"),
    ("truyen-thanh-cap-huyen", r"đài truyền thanh"),
    ("co-quan-bao-chi", r"^báo |đài phát thanh|tạp chí"),
    ("trung-tam-van-hoa", r"trung tâm văn hóa"),
    ("ban-qlda", r"ban quản lý dự án"),
    ("khuyen-nong", r"khuyến nông"),
    ("so", r"^sở |^văn phòng (ubnd|ủy ban nhân dân) tỉnh|^thanh tra tỉnh|^ban dân tộc"),  # departments (domain-facts)
]

# cross-class merges a reviewer signs (unit class -> class of the unit absorbing it)
ACCEPT: set[tuple[str, str]] = {
    ("tieu-hoc", "th-thcs"), ("thcs", "th-thcs"), ("tieu-hoc", "thcs"), ("thcs", "tieu-hoc"),
    ("thcs", "thcs-thpt"), ("thpt", "thcs-thpt"),
    ("trung-cap", "cao-dang"), ("cao-dang", "dai-hoc"),
    ("trung-tam-y-te", "benh-vien"), ("benh-vien", "trung-tam-y-te"), ("benh-vien-chuyen-khoa", "benh-vien"),
    ("thu-vien", "bao-tang"),
    ("trung-tam-van-hoa", "truyen-thong-van-hoa"), ("truyen-thanh-cap-huyen", "truyen-thong-van-hoa"),
    ("y-te-du-phong", "cdc"), ("dan-so-khhgd", "trung-tam-y-te"),
}


def official_class(name: str) -> str:
    text = unicodedata.normalize("NFC", str(name)).lower().strip()
    for cls, pattern in CLASSES:
        if re.search(pattern, text):
            return cls
    return "other"


def rejects(name: str, into_name: str) -> str | None:
    """Why a reviewer rejects absorbing ``name`` into ``into_name`` (None: acceptable)."""
    a, b = official_class(name), official_class(into_name)
    if a == b or (a, b) in ACCEPT:
        return None
    return f"{name} ({a}) into {into_name} ({b})"


def rejected_merges(plan, names: dict) -> list[str]:
    """Every move of ``plan`` (unit_id, into_id) a reviewer rejects; ``names``: unit_id -> name."""
    out = []
    for u, v in zip(plan["unit_id"], plan["into_id"]):
        why = rejects(names[u], names[v])
        if why:
            out.append(why)
    return out
