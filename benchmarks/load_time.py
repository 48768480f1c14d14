"""How long `load_mnist()` takes from the cache (target <= 0.5 s, SPEC section 7).

Each run is a fresh Python process, so nothing is memoized between runs.

    python benchmarks/load_time.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

SNIPPET = (
    "import time; from mnist_course import load_mnist; t = time.perf_counter(); "
    "load_mnist(download=False); print(time.perf_counter() - t)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    times = [
        float(subprocess.check_output([sys.executable, "-c", SNIPPET], text=True))
        for _ in range(runs)
    ]
    print("load_mnist() from the cache: " + ", ".join(f"{t:.3f}" for t in times) + " s")
    median = statistics.median(times)
    print(
        f"median {median:.3f} s (target <= 0.5 s:"
        f" {'met' if median <= 0.5 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
