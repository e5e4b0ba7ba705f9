"""Description of the machine a benchmark ran on (imported by every benchmark script)."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def _cpu_model() -> str:
    """CPU model from /proc/cpuinfo, else what :mod:`platform` knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_description() -> str:
    """One line: CPU model, usable cores, OS, and the Python, numpy and numba versions."""
    import numba
    import numpy

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return (f"CPU: {_cpu_model()}; cores: {cores}; {platform.system()} {platform.release()}; "
            f"Python {sys.version.split()[0]}; numpy {numpy.__version__}; numba {numba.__version__}")


if __name__ == "__main__":
    print(machine_description())
