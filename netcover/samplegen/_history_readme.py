"""Template of ``gis_data/quan_ba/history/README.md`` (filled in by :mod:`.sample_history`)."""

README = """\
# Quản Bạ sample: history and drive test (synthetic)

**These files are synthetic.** They were derived from the bundled sample by a seeded program
(`python -m netcover.samplegen.history`, seed {seed}), not collected. They exist so that every
`netcover monitor` command runs on the sample; do not read anything about the real district into
them.

The sample's own files stand for period **{current}**. This folder adds two earlier periods.

## Files

- `sites_<period>.csv`: the site inventory at an earlier period: some sites not built yet, the
  900 MHz layer of a few sites not added yet, a few cells tilted 2 degrees less than today
  (so `monitor report --from --to` shows sites added, cells added and cells re-tilted).
- `scenario_<period>.toml`: the sample's scenario with that inventory (the other inputs are the
  sample's, from `..`).
- `fibre_households.csv`: `settlement_id,period,fibre_households`: fibre households of every
  settlement at each period (earlier periods hold a random share of today's, never more than a
  later period).
- `reported_indicators.csv`: indicators no model computes, per commune and for the district
  (`unit_code` = `district`), per period: share of adults with a smartphone, share of Internet
  users, share of administrative dossiers received online, officials trained in digital skills,
  LANs approved at a security level. Drawn around the district's published 2024 figures (69% of
  adults with a smartphone, 97.2% of dossiers online, 1,253 officials trained).
- `../drive_test.csv`: a synthetic drive test: {drive}. At points every {spacing:g} m along
  the roads ({points:,} drawn, each moved to the centre of its DEM cell), an operator and a
  technology are drawn; the "measured" level is the coverage model's level of the strongest cell
  of that operator and technology, **plus a known bias ({bias}) and Gaussian noise (standard
  deviation {noise:g} dB)**. Points where the model plus the bias is below {floor:g} dBm are left
  out (chosen on the noiseless value, so the mean error of the rest is the bias). Rows name the
  serving cell (`cell_id`) with probability 0.7. Nine bad rows are appended at the end, one of each
  fault real logs have (no position, a position outside the DEM, an unknown technology, no level,
  a level out of range, an unknown operator, a duplicate, an unreadable time, an unknown cell id),
  so the import's counting of bad rows can be seen.
  `netcover monitor calibrate` should find offsets close to the injected bias.

## Figures of these files

| period | sites | cells | fibre households |
|---|---:|---:|---:|
{table}

## Run

From the repository's root (the history store goes to `reports/quan-ba/history.sqlite`):

```
netcover monitor snapshot gis_data/quan_ba/history/scenario_2023-Q4.toml --period 2023-Q4 \\
    --fibre-history gis_data/quan_ba/history/fibre_households.csv
netcover monitor snapshot gis_data/quan_ba/history/scenario_2024-Q2.toml --period 2024-Q2 \\
    --fibre-history gis_data/quan_ba/history/fibre_households.csv
netcover monitor snapshot gis_data/quan_ba/scenario.toml --period {current} \\
    --reported gis_data/quan_ba/history/reported_indicators.csv
netcover monitor report gis_data/quan_ba/scenario.toml --from 2023-Q4 --to {current}
netcover monitor measurements gis_data/quan_ba/scenario.toml gis_data/quan_ba/drive_test.csv
netcover monitor calibrate gis_data/quan_ba/scenario.toml gis_data/quan_ba/drive_test.csv
```
"""
