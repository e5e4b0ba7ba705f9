"""Tiny synthetic inputs for the examples of the documentation and for quick experiments.

A DEM of 3 x 3 km (30 m cells, one north-south ridge) as an xarray DataArray with its CRS, and two
sites of one 4G cell each as a GeoDataFrame: enough for :func:`netcover.compute_coverage` to run in
a fraction of a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import xarray as xr

__all__ = ["example_dem", "example_population", "example_sites"]

#: Upper-left corner of the example DEM (UTM zone 48N, metres): northern Vietnam.
ORIGIN = (500_000.0, 2_560_000.0)
#: Its CRS.
CRS = "EPSG:32648"


def example_dem(*, size: int = 100, cell_m: float = 30.0, ridge_m: float = 150.0) -> xr.DataArray:
    """A DEM of ``size`` x ``size`` cells at 400 m with a north-south ridge of ``ridge_m`` in the
    middle, as a DataArray (``y``/``x`` cell centres, a ``crs`` attribute).

    Examples
    --------
    >>> dem = example_dem()
    >>> dem.shape, float(dem.max()), dem.attrs["crs"]
    ((100, 100), 540.625, 'EPSG:32648')
    """
    import xarray as xr

    x = ORIGIN[0] + cell_m * (np.arange(size) + 0.5)
    y = ORIGIN[1] - cell_m * (np.arange(size) + 0.5)
    centre = x.mean()
    ridge = ridge_m * np.clip(1.0 - np.abs(x - centre) / (8 * cell_m), 0.0, None)
    heights = np.broadcast_to(400.0 + ridge, (size, size)).astype("float32")
    return xr.DataArray(heights, coords={"y": y, "x": x}, dims=("y", "x"), name="height",
                        attrs={"crs": CRS, "units": "metre"})


def example_sites(*, tilt_deg: float = 2.0, tx_power_dbm: float = 30.0,
                  operators: tuple[str, str] = ("Op A", "Op B")
                  ) -> gpd.GeoDataFrame:
    """Two masts of one 1800 MHz 4G cell each, west and east of the ridge of :func:`example_dem`,
    as a GeoDataFrame in the DEM's CRS (the columns of a site inventory).

    Examples
    --------
    >>> example_sites()[["site_id", "operator", "technology", "azimuth_deg"]]
      site_id operator technology  azimuth_deg
    0      W1     Op A         4G           90
    1      E1     Op B         4G          270
    """
    import geopandas as gpd

    x0, y0 = ORIGIN
    return gpd.GeoDataFrame(
        {"site_id": ["W1", "E1"], "cell_id": ["W1-1", "E1-1"], "operator": list(operators),
         "technology": ["4G", "4G"], "height_m": [30.0, 30.0], "azimuth_deg": [90, 270],
         "mech_tilt_deg": [tilt_deg, tilt_deg], "elec_tilt_deg": [2.0, 2.0],
         "frequency_mhz": [1800.0, 1800.0], "bandwidth_mhz": [10.0, 10.0],
         "tx_power_dbm": [tx_power_dbm, tx_power_dbm], "antenna_gain_dbi": [17.0, 17.0],
         "h_beamwidth_deg": [65.0, 65.0], "v_beamwidth_deg": [7.0, 7.0]},
        geometry=gpd.points_from_xy([x0 + 600, x0 + 2_400], [y0 - 1_500, y0 - 1_500]), crs=CRS)


def example_population(*, per_cell: float = 2.0) -> xr.DataArray:
    """People on 90 m cells over :func:`example_dem` (``per_cell`` each), as a DataArray.

    Examples
    --------
    >>> round(float(example_population().sum()))
    2178
    """
    import xarray as xr

    cell = 90.0
    n = 33
    x = ORIGIN[0] + cell * (np.arange(n) + 0.5)
    y = ORIGIN[1] - cell * (np.arange(n) + 0.5)
    return xr.DataArray(np.full((n, n), per_cell), coords={"y": y, "x": x}, dims=("y", "x"),
                        name="people", attrs={"crs": CRS})
