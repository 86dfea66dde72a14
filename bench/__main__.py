"""`python -m bench [registry|optimise|whatif]` — run the benchmarks (all by default)."""

import sys

from . import registry_bench


def main(argv: list[str]) -> None:
    which = set(argv) or {"registry", "optimise", "whatif"}
    if "registry" in which:
        registry_bench.main()
    if "optimise" in which:
        from . import optimise_bench

        optimise_bench.main()
    if "whatif" in which:
        from . import whatif_bench

        whatif_bench.main()


main(sys.argv[1:])
