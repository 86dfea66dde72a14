"""Command line of the generator: ``python -m orgmodel.synth quang-ninh|national ...``."""

from __future__ import annotations

import argparse
import sys
import time

from .national import generate_national
from .output import write_registry
from .quang_ninh import generate_quang_ninh



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
