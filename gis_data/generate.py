"""Regenerate the bundled synthetic Quản Bạ sample.

Usage: ``python gis_data/generate.py [DEST] [--seed N] [--scale {1,2,5}]`` (DEST defaults to
``gis_data/quan_ba`` next to this script).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from netcover.samplegen import SCALES, generate, summarize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", nargs="?", type=Path,
                        default=Path(__file__).resolve().parent / "quan_ba")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--scale", type=int, default=1, choices=SCALES)
    args = parser.parse_args()
    t0 = time.perf_counter()
    paths = generate(args.dest, seed=args.seed, scale=args.scale)
    for path in paths:
        print(f"{path}  {path.stat().st_size / 1024:,.0f} KiB")
    print(json.dumps(summarize(args.dest), ensure_ascii=False, indent=1))
    print(f"generated in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
