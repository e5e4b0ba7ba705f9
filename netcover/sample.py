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
    """Copy the bundled sample (its files and sub-folders) into ``dest``; nothing is overwritten."""
    src = sample_dir()
    dest = Path(dest)
    files = sorted(p.relative_to(src) for p in src.rglob("*") if p.is_file())
    clashes = [str(rel) for rel in files if (dest / rel).exists()]
    if clashes:
        msg = (f"{dest}: already has {', '.join(clashes[:5])}"
               f"{' ...' if len(clashes) > 5 else ''}; choose an empty folder so nothing is "
               "overwritten")
        raise OutputError(msg)
    written = []
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        written.append(Path(shutil.copy2(src / rel, dest / rel)))
    return written


def regenerate_sample(dest: str | Path, *, seed: int | None = None) -> list[Path]:
    """Run the seeded generator into ``dest`` (the same seed gives the same files)."""
    from . import samplegen

    if seed is None:
        return samplegen.generate(Path(dest))
    return samplegen.generate(Path(dest), seed=seed)
