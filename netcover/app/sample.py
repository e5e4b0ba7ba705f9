"""The bundled Quản Bạ sample: where it is, copying it, regenerating it.

An installed netcover carries the sample inside the package (``netcover/_sample_data/quan_ba``);
a source checkout has it in ``gis_data/quan_ba``. Either way :func:`sample_dir` finds it, so
``netcover run`` works from any directory.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from netcover.errors import DataFileError, OutputError

__all__ = ["SAMPLE_NAME", "copy_sample", "regenerate_sample", "sample_dir", "sample_scenario"]

SAMPLE_NAME = "quan_ba"


def sample_dir() -> Path:
    """Folder of the bundled sample (installed package first, then the source checkout)."""
    candidates = [
        Path(str(resources.files("netcover"))) / "_sample_data" / SAMPLE_NAME,
        Path(__file__).resolve().parents[2] / "gis_data" / SAMPLE_NAME,
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
    """Make the sample again in ``dest`` with the seeded generators (same seed, same files).

    The district's layers come from :mod:`netcover.samplegen`; the operators' proposals are copied
    from the bundled sample; the history and the synthetic drive test are made by
    :mod:`netcover.samplegen.history` from the new layers (this runs the coverage model once).
    """
    from netcover import samplegen
    from netcover.samplegen.history import generate_history

    dest = Path(dest)
    written = samplegen.generate(dest) if seed is None else samplegen.generate(dest, seed=seed)
    written.append(Path(shutil.copy2(sample_dir() / "proposals.csv", dest / "proposals.csv")))
    history = generate_history(dest) if seed is None else generate_history(dest, seed=seed)
    return written + history
