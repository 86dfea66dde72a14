"""What-if benchmark: the time from a change of the target slider to the redrawn plan, consequences
and map, in the kernel (the browser adds its round trip; ``make test-browser`` prints that one),
and the map figures. Prints each figure beside its goal; asserts nothing."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "psu-10pct-2025.yaml"
GOALS = {"what-if re-solve + redraw (target change)": 2.0, "static map (annex figure)": 2.0}


def main() -> None:
    from orgmodel import maps as M
    from orgmodel.whatif import WhatIfApp

    app = WhatIfApp(SCENARIO)
    times = []
    for value in (11.0, 12.0, 13.0, 14.0, 15.0, 10.0):
        t0 = time.perf_counter()
        app.w_target.value = value
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    M.static_map(app.last.solution)
    static = time.perf_counter() - t0
    print("what-if (Quảng Ninh, psu-10pct-2025, 669 movable units)")
    for name, value in (("what-if re-solve + redraw (target change)", statistics.median(times)),
                        ("static map (annex figure)", static)):
        print(f"  {name:<44} {value:6.2f} s   goal < {GOALS[name]:g} s   {'ok' if value < GOALS[name] else 'OVER'}")
    print(f"  (each of the {len(times)} target changes: {', '.join(f'{t:.2f}' for t in times)} s)")


if __name__ == "__main__":
    main()
