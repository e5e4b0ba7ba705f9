"""netcover: plan and monitor network infrastructure for rural, mountainous districts.

Terrain, BTS sites, fibre households and population in; radio coverage, gaps, ranked sites and links,
indicator history, maps and reports out.

As a library, objects in and objects out (files only at the edges): a DEM as a path, a rasterio
dataset or an xarray DataArray; sites as a path or a GeoDataFrame in any CRS; each checked as
``netcover run`` checks the files.

>>> import netcover as nc
>>> from netcover.data.examples import example_dem, example_sites
>>> dem = nc.read_dem(example_dem())          # a DataArray with a CRS, or a GeoTIFF path
>>> sites = example_sites()                   # a GeoDataFrame, one row per cell, or a CSV path
>>> cov = nc.compute_coverage(sites, dem, radius_km=2, model="p1812")
>>> ds = cov.to_xarray()                      # named variables, CRS in ds.spatial_ref
>>> print(f"{float((ds['class'] >= 2).mean()):.0%} of the area has fair or better service")
76% of the area has fair or better service

A whole scenario: ``nc.compute_coverage(nc.load_scenario(path))``, ``nc.plan_sites(cov)``,
``nc.evaluate(cov)``, ``nc.plan_links(scenario)``, ``nc.run(scenario)``.

Names are imported on first use: ``import netcover`` stays cheap (no numpy, pandas or geopandas, and
no look-up of the package metadata until ``netcover.__version__`` is read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netcover.core.lazy import lazy_exports

if TYPE_CHECKING:
    from netcover._version import __version__
    from netcover.app.api import load_scenario, run, sample_scenario
    from netcover.coverage.api import compute_coverage
    from netcover.coverage.result import Coverage
    from netcover.data.read import load_inputs, read_dem, read_population, read_sites
    from netcover.errors import NetcoverError, ValidationError
    from netcover.links.api import plan_links
    from netcover.outputs.dossier import write_dossier
    from netcover.siting.api import evaluate, plan_sites

#: Public name -> the module defining it (imported on first use).
_EXPORTS = {
    "__version__": "netcover._version",  # from the package metadata: a look-up the workers skip
    "read_dem": "netcover.data.read",
    "read_sites": "netcover.data.read",
    "read_population": "netcover.data.read",
    "load_inputs": "netcover.data.read",
    "compute_coverage": "netcover.coverage.api",
    "Coverage": "netcover.coverage.result",
    "plan_sites": "netcover.siting.api",
    "evaluate": "netcover.siting.api",
    "plan_links": "netcover.links.api",
    "write_dossier": "netcover.outputs.dossier",
    "load_scenario": "netcover.app.api",
    "run": "netcover.app.api",
    "sample_scenario": "netcover.app.api",
    "NetcoverError": "netcover.errors",
    "ValidationError": "netcover.errors",
}

__all__ = [
    "Coverage",
    "NetcoverError",
    "ValidationError",
    "__version__",
    "compute_coverage",
    "evaluate",
    "load_inputs",
    "load_scenario",
    "plan_links",
    "plan_sites",
    "read_dem",
    "read_population",
    "read_sites",
    "run",
    "sample_scenario",
    "write_dossier",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
