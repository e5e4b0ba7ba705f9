"""A run's groups with cells added (netcover.coverage.added) equal a whole fold, array for array."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netcover.config.scenario import load_scenario
from netcover.coverage.added import added_groups
from netcover.coverage.combine import GroupResult
from netcover.coverage.engine import compute_coverage, fold_groups
from netcover.coverage.losscache import LossCache
from netcover.data.inputs import Inputs, load_inputs

from .conftest import X0, Y0, snapshot

Group = tuple[str, str]
LAYERS = ("level", "best_cell", "count", "sinr")


def _network(mini_scenario: Path) -> Inputs:
    """The mini district with a 0.7 km radius (each mast's window a part of the grid) and a
    rival operator on the same masts (other azimuths, 4 dB less power), listed first."""
    text = mini_scenario.read_text(encoding="utf-8").replace("radius_km = 2.0", "radius_km = 0.7")
    mini_scenario.write_text(text, encoding="utf-8")
    inputs = load_inputs(load_scenario(mini_scenario))
    cells = inputs.cells
    rival = cells.assign(operator="MobiFone", cell_id=cells["cell_id"] + "-M",
                         tx_power_dbm=cells["tx_power_dbm"] - 4.0,
                         azimuth_deg=(cells["azimuth_deg"] + 60.0) % 360.0)
    return dataclasses.replace(inputs, cells=pd.concat([rival, cells], ignore_index=True))


def _row(cells: pd.DataFrame, of: str, **changes: object) -> pd.DataFrame:
    """A copy of the row of cell ``of`` with ``changes``."""
    row = cells[cells["cell_id"] == of].copy()
    for column, value in changes.items():
        row[column] = value
    return row


def _case(base: pd.DataFrame, case: str) -> tuple[pd.DataFrame, np.ndarray]:
    """A new sites table made of rows of ``base`` and new rows, and each row's row in ``base``."""
    viettel = np.flatnonzero((base["operator"] == "Viettel").to_numpy())
    new_site = _row(base, "S2-1", site_id="N", cell_id="N-1", x=X0 + 1500.0, y=Y0 - 1900.0,
                    azimuth_deg=0)
    if case == "a new site":
        keep, added = np.arange(len(base)), [new_site]
    elif case == "a carrier on a mast":  # S1's mast, a new band of the group: a job of its own
        keep, added = np.arange(len(base)), [_row(base, "S1-1", cell_id="S1-9",
                                                  frequency_mhz=1810.0)]
    elif case == "one operator's cells":
        keep, added = viettel, [new_site]
    else:  # "a cell left out": S2's Viettel cell
        keep, added = np.array([i for i in range(len(base)) if base["cell_id"].iloc[i] != "S2-1"]), []
    table = pd.concat([base.iloc[keep], *added], ignore_index=True)
    return table, np.concatenate([keep, np.full(len(added), -1)])


def _whole(inputs: Inputs) -> dict[Group, GroupResult]:
    return dict(fold_groups(inputs, {}))


def _assert_same(a: dict[Group, GroupResult], b: dict[Group, GroupResult],
                 layers: tuple[str, ...] = LAYERS) -> None:
    assert list(a) == list(b)
    for g, res in a.items():
        for name in layers:
            np.testing.assert_array_equal(getattr(res, name), getattr(b[g], name),
                                          err_msg=f"{g} {name}", strict=True)


@pytest.mark.parametrize("case", ["a new site", "a carrier on a mast", "one operator's cells",
                                  "a cell left out"])
def test_cells_added_to_a_run_give_the_layers_of_a_whole_fold(mini_scenario: Path,
                                                               case: str) -> None:
    inputs = _network(mini_scenario)
    run = _whole(inputs)
    cold = compute_coverage(inputs)  # the groups that fold_groups makes are the engine's
    for g, res in run.items():
        np.testing.assert_array_equal(res.level, cold.operator_levels[g], strict=True)
        np.testing.assert_array_equal(res.best_cell, cold.operator_best_cell[g], strict=True)
    table, source = _case(inputs.cells, case)
    after = dataclasses.replace(inputs, cells=table)
    whole = _whole(after)
    patched = added_groups(after, inputs.cells, source, run)
    _assert_same(patched, whole)
    for res in run.values():  # the run's layers are read, never written
        assert all(getattr(res, name).flags.writeable for name in LAYERS)
    np.testing.assert_array_equal(run[("Viettel", "4G")].level, cold.operator_levels[("Viettel", "4G")])
    # the run's layers are used outside the box: a placeholder server count stays there
    marked = {g: dataclasses.replace(res, count=np.broadcast_to(np.uint8(255), res.count.shape))
              for g, res in run.items()}
    patched = added_groups(after, inputs.cells, source, marked)
    _assert_same(patched, whole, ("level", "best_cell", "sinr"))
    viettel = patched[("Viettel", "4G")].count
    assert (viettel == 255).any() and (viettel < 255).any()
    if ("MobiFone", "4G") in patched:  # unchanged: the run's layers, renumbered
        assert (patched[("MobiFone", "4G")].count == 255).all()


def test_rows_out_of_order_fold_whole(mini_scenario: Path) -> None:
    """Rows of the run not in their order (ties go to the lower index): every group folded
    whole, the same layers."""
    inputs = _network(mini_scenario)
    run = _whole(inputs)
    order = np.arange(len(inputs.cells))[::-1]
    after = dataclasses.replace(inputs, cells=inputs.cells.iloc[order].reset_index(drop=True))
    marked = {g: dataclasses.replace(res, count=np.broadcast_to(np.uint8(255), res.count.shape))
              for g, res in run.items()}
    _assert_same(added_groups(after, inputs.cells, order, marked), _whole(after))


def test_added_cells_leave_the_runs_cache_records(mini_scenario: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No entry of the run's is replaced (the new mast's loss and geometry and the layers made are
    added under keys of their own), the layers made are read back when nothing changed, and the
    next run after a tilt patches its group from the run's records."""
    from netcover.coverage import engine

    inputs = _network(mini_scenario)
    cache = tmp_path / "cache"
    compute_coverage(inputs, cache=LossCache(cache))
    before = snapshot(cache)
    table, source = _case(inputs.cells, "a new site")
    after = dataclasses.replace(inputs, cells=table)
    run = _whole(inputs)
    made = added_groups(after, inputs.cells, source, run, cache=LossCache(cache))
    now = snapshot(cache)
    assert {name: now[name] for name in before} == before
    assert 0 < len(now) - len(before) <= 4  # a loss, a mast's geometry, two groups' layers
    monkeypatch.setattr(engine, "fold_groups", None)  # read, not folded
    _assert_same(added_groups(after, inputs.cells, source, run, cache=LossCache(cache)), made)
    assert snapshot(cache) == now
    monkeypatch.undo()
    marked = {g: dataclasses.replace(res, count=np.broadcast_to(np.uint8(255), res.count.shape))
              for g, res in run.items()}  # other layers before: another key
    remade = added_groups(after, inputs.cells, source, marked, cache=LossCache(cache))
    assert (remade[("Viettel", "4G")].count == 255).any()
    tilted = inputs.cells.copy()
    tilted.loc[tilted["cell_id"] == "S1-1", "mech_tilt_deg"] = 9
    patched = compute_coverage(dataclasses.replace(inputs, cells=tilted), cache=LossCache(cache))
    assert patched.groups_patched == 1


def test_a_tilt_reads_the_box_back_or_folds_the_part_its_window_covers(
        mini_scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run after a tilt, with the box layers of the run before in the cache: a sector whose
    window misses the new site's box leaves them as recorded (read, nothing folded), one whose
    window meets it has that part of the box folded again; both the layers of a fresh call and of a
    whole fold, array for array. Without the run's layers (every group folded whole, recorded on
    the whole grid) a tilt folds the tilted sector's window only."""
    from netcover.coverage import engine

    inputs = _network(mini_scenario)
    cache = LossCache(tmp_path / "cache")
    corner = _row(inputs.cells, "S2-1", site_id="N", cell_id="N-1", x=X0 + 2350.0, y=Y0 - 2350.0)
    shape = inputs.terrain.shape

    def tilted(of: str | None) -> Inputs:
        cells = inputs.cells.copy()
        cells.loc[cells["cell_id"] == of, "mech_tilt_deg"] = 9.0
        return dataclasses.replace(inputs, cells=cells)

    def call(run_inputs: Inputs, given: bool, side: LossCache | None
             ) -> tuple[dict[Group, GroupResult], Inputs]:
        run = _whole(run_inputs) if given else {}
        after = dataclasses.replace(run_inputs, cells=pd.concat([run_inputs.cells, corner],
                                                                ignore_index=True))
        source = np.concatenate([np.arange(len(run_inputs.cells)), [-1]])
        return added_groups(after, run_inputs.cells, source, run, cache=side), after

    folded: list[dict[Group, tuple[int, ...]]] = []
    real = engine.fold_groups

    def spy(inp: Inputs, patches: dict, **kw: object):  # type: ignore[no-untyped-def]
        folded.append({g: p.box for g, p in patches.items()})
        return real(inp, patches, **kw)  # type: ignore[arg-type]

    for given in (True, False):
        call(inputs, given, cache)  # the records of the run before
        monkeypatch.setattr(engine, "fold_groups", spy)
        for of, meets in (("S1-1", False), ("S2-1", True)):
            folded.clear()
            got, after = call(tilted(of), given, cache)
            made = list(folded)
            fresh, _ = call(tilted(of), given, None)
            _assert_same(got, fresh)
            _assert_same(got, _whole(after))
            if given and not meets:
                assert made == []  # read back: nothing folded
            else:
                (boxes,) = made  # one fold: the tilted sector's part of the box (or grid)
                assert list(boxes) == [("Viettel", "4G")]
                box = boxes[("Viettel", "4G")]
                assert 0 < box[2] * box[3] < (0.5 if given else 1.0) * shape[0] * shape[1]
        monkeypatch.undo()
