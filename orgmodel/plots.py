"""Figures: kept importable as ``orgmodel.plots`` (``from orgmodel import plots as G``); the code
lives in :mod:`orgmodel.outputs.figures`, and this name is the same module object."""

import sys

from .outputs import figures as _figures

sys.modules[__name__] = _figures
