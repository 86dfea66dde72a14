"""`python -m bench [registry|optimise]` — run the benchmarks (both by default)."""

import sys

from . import registry_bench


def main(argv: list[str]) -> None:
    which = set(argv) or {"registry", "optimise"}
    if "registry" in which:
        registry_bench.main()
    if "optimise" in which:
        from . import optimise_bench

        optimise_bench.main()


main(sys.argv[1:])
