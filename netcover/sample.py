"""The bundled Quản Bạ sample: where it is, copying it, regenerating it.

An installed netcover carries the sample inside the package (``netcover/_sample_data/quan_ba``);
a source checkout has it in ``gis_data/quan_ba``. Either way :func:`sample_dir` finds it, so
``netcover run`` works from any directory.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from .errors import DataFileError, OutputError

SAMPLE_NAME = "quan_ba"


def sample_dir() -> Path:
    """Folder of the bundled sample (installed package first, then the source checkout)."""
    candidates = [
        Path(str(resources.files("netcover"))) / "_sample_data" / SAMPLE_NAME,
        Path(__file__).resolve().parent.parent / "gis_data" / SAMPLE_NAME,
    ]
    for c in candidates:
        if (c / "scenario.toml").is_file():
            return c
    looked = ", ".join(str(c) for c in candidates)
    msg = (f"the bundled sample was not found (looked in {looked}); reinstall netcover with "
           "'pip install .' from a complete checkout")
    raise DataFileError(msg)


def sample_scenario() -> Path:
    """The bundled sample's ``scenario.toml``."""
    return sample_dir() / "scenario.toml"


def copy_sample(dest: str | Path) -> list[Path]:
    """Copy the bundled sample's files into ``dest`` (created; existing files are not overwritten)."""
    src = sample_dir()
    dest = Path(dest)
    clashes = [p.name for p in src.iterdir() if p.is_file() and (dest / p.name).exists()]
    if clashes:
        msg = (f"{dest}: already has {', '.join(sorted(clashes))}; choose an empty folder "
               "so nothing is overwritten")
        raise OutputError(msg)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for p in sorted(src.iterdir()):
        if p.is_file():
            written.append(Path(shutil.copy2(p, dest / p.name)))
    return written


def regenerate_sample(dest: str | Path, *, seed: int | None = None) -> list[Path]:
    """Run the seeded generator into ``dest`` (the same seed gives the same files)."""
    from . import samplegen

    if seed is None:
        return samplegen.generate(Path(dest))
    return samplegen.generate(Path(dest), seed=seed)
