"""Public names of the optimisation engine (kept for the CLI, exports, notebooks and tests);
the engine itself lives in :mod:`orgmodel.optim` (model / solvers / answers / frontier)."""

from .optim import *  # noqa: F401,F403
from .optim import __all__  # noqa: F401
from .optim.answers import DECIMALS, blocking_units  # noqa: F401
from .optim.model import Log, TargetCount  # noqa: F401
