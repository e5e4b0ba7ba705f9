"""Text of ``gis_data/quan_ba/README.md`` (filled in by :func:`.readme.write_readme`)."""

TEMPLATE = """\
# Quản Bạ sample data (synthetic)

**These data are synthetic.** They were made by a seeded program
(`netcover.samplegen`), not surveyed. No 30 m DEM, cell-tower list or population
raster of the district was available offline, so the generator builds a district
that looks and behaves like Quản Bạ (Hà Giang, Vietnam) for testing and
demonstrating netcover. Do not use it to make decisions about the real district:
replace the layers with real data first (see the end of this file).

Regenerate (same seed, same bytes):

```
python gis_data/generate.py                # writes gis_data/quan_ba/
python gis_data/generate.py /tmp/qb --seed 7 --scale 5   # another seed, 150 m DEM, quick
```

Seed of these files: {seed}; DEM cell: {dem_cell_m:g} m.

## What it is calibrated to

Public figures of the district (its 2024 reporting, GSO commune codes; see
`FACTS.md` of the project):

- 13 communes (1 town, 12 communes), GSO codes, names and approximate seats as
  published; each commune polygon grown from its real seat to its published area;
- population "over 57,000": each commune's share of an older census, scaled to
  {population} people; about 12,000 households; "over 7,300" fibre households;
- 47 BTS sites (3G/4G) of Viettel, VNPT (VinaPhone) and MobiFone;
- 58 points of the government data network;
- terrain: karst plateau cut by river valleys at about 350-1,900 m, mean about
  1,000 m; Tam Sơn (the town) in a basin at about 1,000 m; national road QL4C
  through Tam Sơn, climbing over the Quản Bạ pass (Heaven's Gate, about 1,500 m)
  south of the town;
- typical rural BTS: towers 30-45 m, 3 sectors, LTE band 3 (1800 MHz) and
  band 8 (900 MHz), 3G at 2100 MHz, 40-46 dBm per sector, 15-18 dBi panels.

Everything else (river courses, village names and places, roads, tower places,
cell parameters) is invented.

## Figures of these files

District (union of the communes): {district_km2} km², {villages} villages and town
quarters, {population} people, {households} households, {fibre_households}
fibre households; population.tif holds {raster_people} people.

{commune_table}

- DEM: {dem_shape} cells of {dem_cell_m:g} m; whole raster {dem_min}-{dem_max} m;
  inside the district {district_min}-{district_max} m, mean {district_mean} m
  (5th-95th percentile {district_p05}-{district_p95} m); Tam Sơn {town_m} m,
  Quản Bạ pass on QL4C {pass_m} m; nodata cells: {dem_nodata_cells}.
- Land cover (landcover.tif, share of its cells): {landcover_shares}.
- Villages: {village_hh_min}-{village_hh_max} households (the largest is the commune centre,
  settlement_id ending in -01); {quarters} town quarters of Tam Sơn with
  {quarter_hh_min}-{quarter_hh_max} households; at {village_elev_min}-{village_elev_max} m;
  {not_electrified} not electrified.
- Roads: {road_segments} segments; {road_km}.
- Sites: {sites}; {cells} cells: {cells_by_layer}.
- Network points: {points_by_type}; connection: {points_by_connection}.
- Fibre: {fibre_routes} routes; {fibre_km}.
- A rough line-of-sight check used to place the towers serves {proxy_served_share} % of
  the people ({proxy_unserved_villages} villages not served); run netcover's coverage for
  the real answer.

## Files and fields

All layers are in EPSG:32648 (WGS 84 / UTM zone 48N) except `sites.csv`
(WGS 84 longitude/latitude). GeoPackages hold one named layer per table.

| file | size (KiB) |
|---|---:|
{sizes}

Total: {total_kb} KiB. Other files in this folder are written by other parts of netcover, not by
this generator, and are synthetic too:

- `proposals.csv`: six operators' site proposals of different quality, for `netcover evaluate`
  (`proposal_id, operator, lon, lat, height_m, azimuths_deg` ("0;120;240"), `technology,
  frequency_mhz, tx_power_dbm, antenna_gain_dbi, note, purpose`; one row per proposed site;
  `purpose` is `coverage` or `capacity`: VTL-P01 is a capacity site beside VTL-QB-004).
- `history/` and `drive_test.csv`: two earlier site inventories, fibre households per period,
  reported indicators and a drive test made from the model plus a known bias and noise, for
  `netcover monitor`; `history/README.md` describes them (`python -m netcover.samplegen.history`
  makes them).

### `dem.tif`
Elevation above sea level, int16 metres, {dem_cell_m:g} m cells, nodata -32768 (none
present), tiled 256 x 256, DEFLATE with predictor. Covers the district plus about
5 km. Valleys drain to the raster edge: every closed depression has been filled
except dolines between karst cones (fengcong clusters), which are deliberate.

### `landcover.tif`
Land-cover class of every DEM cell, uint8 ESA WorldCover codes (10 tree cover,
20 shrubland, 30 grassland, 40 cropland, 50 built-up, 80 permanent water), nodata 0
(none present), on the DEM's grid. Forest on the karst slopes and hills, shrub and
grass on the high bare karst (fengcong above 1,200 m, any ground above 1,400 m),
cropland on flat low ground, valley floors and around the villages (400 m), water
on the main rivers, built-up at the commune seats and villages
(`netcover.samplegen.landcover` gives the rules).
netcover reads it with the default WorldCover class table: clutter heights from
ITU-R P.1812-6 Table 2 and the terminal clutter loss of ITU-R P.2108 section 3.1.

### `communes.gpkg`, layer `communes` (polygons)
| field | type | meaning |
|---|---|---|
| code | text | GSO commune code, 5 digits (e.g. "00874") |
| name | text | commune name with diacritics |
| population | integer | people (today's estimate) |
| households | integer | households |
| area_km2 | real | polygon area, km² |

The polygons tile the district without gaps or overlaps; the district outline is
their union.

### `settlements.gpkg`, layer `settlements` (points)
| field | type | meaning |
|---|---|---|
| settlement_id | text | "<commune code>-<nn>"; nn = 01 is the commune centre |
| name | text | village (Thôn/Bản ...) or town quarter (Tổ ...) |
| commune_code | text | GSO code of the commune the point lies in |
| commune | text | commune name |
| population | integer | people |
| households | integer | households |
| fibre_households | integer | households with a fibre connection |
| electrified | boolean | on the grid |
| elevation_m | integer | DEM elevation at the point, m |

Per commune, population and households sum to the commune's figures.

### `population.tif`
People per 100 m cell, float32, nodata -1 outside the district. Each village's
people spread over a small Gaussian kernel around it, plus a thin share spread over
its commune (scattered farms); per-commune sums equal the villages' totals.

### `roads.gpkg`, layer `roads` (lines)
| field | type | meaning |
|---|---|---|
| road_id | text | segment id |
| name | text | road name (QL4C, provincial road, commune road, track to a village) |
| class | text | national, provincial, commune or track |

Segments run between junctions and share their end points exactly: the network is
one connected component. Roads were routed as least-cost paths over a slope cost on
a 100 m grid and simplified (20 m).

### `sites.csv`
One row per cell, columns in this order:

| column | unit | meaning |
|---|---|---|
| site_id | | e.g. VTL-QB-001 (VTL Viettel, VNP VNPT, MBF MobiFone) |
| cell_id | | site_id-layer-sector, layer L18 (LTE 1800), L09 (LTE 900), U21 (3G 2100) |
| operator | | Viettel, VNPT or MobiFone |
| technology | | 4G or 3G |
| lon, lat | degrees | WGS 84, 6 decimals |
| height_m | m | antenna height above ground |
| azimuth_deg | degrees | from north, clockwise |
| mech_tilt_deg, elec_tilt_deg | degrees | downtilts |
| frequency_mhz | MHz | 1800, 900 or 2100 |
| bandwidth_mhz | MHz | channel bandwidth |
| tx_power_dbm | dBm | transmit power per cell |
| antenna_gain_dbi | dBi | antenna gain |
| h_beamwidth_deg, v_beamwidth_deg | degrees | half-power beamwidths (65 / 7-10) |
| pattern_file | | empty: the generic sector pattern is used |

### `network.gpkg`
Layer `points` (the government data network):

| field | type | meaning |
|---|---|---|
| point_id | text | P01 ... |
| name | text | agency, office, school or health station |
| type | text | district_agency, commune_office, school, health_station, other |
| commune_code | text | GSO code |
| connection | text | fibre, lan (local network with another uplink) or none |

Layer `fibre_routes` (existing fibre, lines along the roads): `route_id` (text),
`owner` (text, VNPT or Viettel), `year` (integer, year built).

### `scenario.toml`
The netcover scenario for this sample (copied from `netcover/samplegen/scenario.toml`).

## Replacing the layers with real data

Keep the file and field names (or edit `scenario.toml`), any CRS (netcover
reprojects), then run `netcover validate scenario.toml`.

- **DEM**: SRTM 1 arc-second (30 m), ALOS World 3D 30 m or Copernicus GLO-30
  tiles covering the district plus 5-15 km (coverage runs up to the scenario's
  radius); mosaic and clip with `gdalwarp`; keep it in metres above sea level.
- **Land cover**: ESA WorldCover 10 m (2021) tiles clipped to the DEM's extent, as
  they are (the default class table knows their codes); another scheme needs a
  `landcover_table` CSV (code,name,height_m,category).
- **Communes**: the province's commune boundaries (from the provincial department of
  natural resources and environment or the GSO) with the GSO codes. After commune
  mergers, use the new boundaries and codes and set `population` and `households`
  from the new units' figures; the coverage and gap reports are computed per polygon,
  so merged units need nothing else.
- **Population**: WorldPop (100 m, constrained, the latest year) for the raster;
  scale it to the district's reported total if it differs.
- **Settlements**: the villages (thôn/bản) list of the district's People's Committee
  with households and fibre households from the operators or the Department of
  Information and Communications; place them from OSM `place=village/hamlet` or
  the commune maps.
- **Sites**: the operators' cell inventories (site, cell, coordinates, height,
  azimuth, tilts, frequency, bandwidth, power, antenna model); antenna pattern files
  (.msi/.pln) go in `pattern_file`.
- **Roads**: OpenStreetMap (`highway=trunk/primary` as national, `secondary/tertiary`
  as provincial, `unclassified/residential` as commune, `track/path` as track),
  snapped and noded so segments meet at junctions.
- **Network**: the district's list of data-network points with their connection,
  and the operators' fibre routes.
"""
