"""``netcover large-area``: coverage of a province or a country, tile by tile."""

from __future__ import annotations

from pathlib import Path

import click

from netcover.app.cli._tools import echo_err, execution_options, handle_errors, named_executor, progress_bar

__all__ = ["large_area"]


@click.command("large-area")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="Output folder (default: reports/<slug>-large).")
@click.option("--tile-size", type=click.IntRange(min=64),
              help="Tile side in cells (default: the scenario's [execution] tile_size).")
@execution_options
@handle_errors
def large_area(scenario: Path, out_dir: Path | None, tile_size: int | None,
               scheduler: str | None, workers: int | None) -> None:
    """Coverage layers of a large area, computed and written tile by tile.

    Reads only the DEM and the sites of SCENARIO. The DEM is read by window and every tile is
    written as it is done, so memory depends on the tile size and the radius, not on the area.
    Site and tile jobs run where --scheduler says; on a Dask cluster the loss cache
    ([coverage] cache_dir), the DEM, the sites and the population must be on a disk every worker
    sees, at the same path.
    """
    from netcover.config.scenario import load_scenario
    from netcover.core.parallel import InProcess
    from netcover.core.textsafe import safe_name
    from netcover.coverage.tiled.run import run_tiled

    sc = load_scenario(scenario)
    out = out_dir or Path("reports") / f"{safe_name(sc.scenario.slug, fallback='scenario')}-large"
    with named_executor(sc.execution, scheduler, workers) as named:
        executor = named or InProcess()
        click.echo(f"Running on {executor.describe()}", err=True)
        run = run_tiled(sc, out, executor=executor, tile_size=tile_size, progress=progress_bar)
    for note in run.notes:
        echo_err(f"warning: {note}")
    rows, cols = run.shape
    click.echo(f"{rows:,} x {cols:,} cells, {run.tiles:,} tiles, {run.jobs:,} loss jobs "
               f"({run.losses_computed:,} computed, {run.jobs - run.losses_computed:,} from the "
               f"cache) in "
               f"{run.seconds['total']:.1f} s")
    overall = run.areas.loc[run.areas["layer"] == "class", "covered_pct"].iloc[0]
    click.echo(f"Area at the usable class or better: {overall:.1f}%")
    click.echo(f"Results: {run.out_dir / 'coverage'}")
