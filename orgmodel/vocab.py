"""The one vocabulary of the package: kinds, levels, event types (which open, close, make lineage),
the columns a ``reclassify`` may change, the unit-type vocabulary, one text-normalisation helper and
the one reduction :class:`Target`.

Nothing here imports another orgmodel module except :mod:`orgmodel.errors`, so every module may
import it (registry-format.md 1.1 is the source of every name below).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

KINDS = ("government", "agency", "psu")
COUNTED_KINDS = ("agency", "psu")
KIND_ORDER = ["agency", "psu", "all"]  # how progress tables list kinds
LEVELS = ("province", "district", "commune")

EVENT_TYPES = ("establish", "merge", "consolidate", "split", "separate", "dissolve", "transfer", "reclassify")
OPENING_TYPES = ("establish", "consolidate", "split", "separate")
CLOSING_TYPES = ("merge", "consolidate", "split", "dissolve")
LINEAGE_TYPES = ("merge", "consolidate", "split", "separate", "dissolve")
CLOSED_BY = ["merge", "consolidate", "split", "dissolve"]

# the columns of units.csv a reclassify may change (registry-format 1.1), in that order
RECLASSIFY_COLUMNS = ("name", "unit_type", "level", "sector", "locality", "code")

# unit types of territorial (government) units, by level (registry-format 1.1)
TERRITORIAL_TYPES = {
    "province": ("tinh", "thanh-pho-tw"),
    "district": ("thanh-pho", "thi-xa", "quan", "huyen"),
    "commune": ("phuong", "xa", "thi-tran", "dac-khu"),
}
# digits of the statistics office's code of a territorial unit, by level
CODE_DIGITS = {"province": 2, "district": 3, "commune": 5}

# crosswalk weights: option value -> units.csv column
WEIGHTS = {"staff": "staff", "population": "population", "area": "area_km2"}

DEFAULT_BASELINE = dt.date(2015, 12, 31)

UNIT_TYPES_FILE = "unit_types.csv"
PACKAGE_UNIT_TYPES = Path(__file__).with_name("data") / UNIT_TYPES_FILE

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def nfc(text) -> str:
    """``text`` as a string in Unicode NFC (composed) form; ``None`` becomes ``""``."""
    return "" if text is None else unicodedata.normalize("NFC", str(text))


def kinds_of(kind: str) -> list[str]:
    """The kinds a ``kind`` argument stands for (``all`` = agency + psu)."""
    from .errors import InputError
    from .i18n import _

    if kind == "all":
        return list(COUNTED_KINDS)
    if kind not in KINDS:
        raise InputError(_("Unknown kind {kind}; use agency, psu or all.", kind=repr(kind)))
    return [kind]


# --------------------------------------------------------------------------- targets


def _pct_text(p) -> str:
    p = Fraction(p)
    return str(int(p)) if p.denominator == 1 else f"{float(p):g}"


@dataclass
class Target:
    """One reduction target: ``kind`` counted against ``baseline``, by a percentage or a count,
    optionally only over units matching ``where`` (attribute values in force at each date).

    The one Target class of the package (the CLI's ``target``, :func:`orgmodel.progress.check_target`
    and scenarios all use it). ``pct`` is ``reduce_pct`` under its older name.
    """

    kind: str
    baseline: dt.date
    reduce_pct: Fraction | None = None
    reduce_count: int | None = None
    where: dict[str, tuple[str, ...]] | None = None

    @property
    def pct(self) -> Fraction | None:
        return self.reduce_pct

    def required(self, baseline_count: int) -> int:
        """The smallest whole reduction that meets the target: ``100 * r >= pct * baseline``
        (exact arithmetic, no floats), or ``reduce_count``."""
        if self.reduce_count is not None:
            return int(self.reduce_count)
        pct = self.reduce_pct
        pct = pct if isinstance(pct, (Fraction, int)) else Fraction(str(pct))  # 10.1 means 101/10, not the float
        need = Fraction(pct) * baseline_count / 100
        return int(-((-need.numerator) // need.denominator))  # ceil

    def label(self) -> str:
        amount = f"-{_pct_text(self.reduce_pct)}%" if self.reduce_pct is not None else f"-{self.reduce_count}"
        where = "" if not self.where else " where " + ", ".join(f"{k}={'|'.join(v)}" for k, v in self.where.items())
        return f"{self.kind} {amount} vs {self.baseline.isoformat()}{where}"

    def __str__(self) -> str:
        if self.reduce_pct is None:
            return f"reduce {self.kind} by >= {self.reduce_count} against {self.baseline}"
        return f"reduce {self.kind} by >= {_pct_text(self.reduce_pct)}% against {self.baseline}"
