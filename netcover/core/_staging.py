"""All-or-nothing output folders (used through :mod:`netcover.core.io`).

:func:`staged_output` yields a staging folder beside the output folder and, when the block
succeeds, makes it the output folder in renames; :func:`recover_output` tidies up after a run that
was killed part-way; :func:`after_results` defers an action (the monitoring snapshot's commit)
until the results are in place.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from netcover.errors import OutputError

#: Names of a run's staging and backup folders beside the output folder ``<name>``:
#: ``.<name>.staging-<pid>-<random>`` and ``.<name>.backup-<pid>-<random>``.
_STAGING, _BACKUP = "staging", "backup"
#: What to do when the output folder cannot be written, by errno.
_OUTPUT_FIX = {
    errno.ENOSPC: "free some space on that disk or choose another folder with --out",
    errno.EDQUOT: "free some space (disk quota) or choose another folder with --out",
    errno.EROFS: "the disk is read-only: choose another folder with --out",
    errno.EACCES: "make the folder writable (chmod u+w) or choose another with --out",
    errno.EPERM: "make the folder writable (chmod u+w) or choose another with --out",
}


#: Actions waiting for the results of a staging folder to be in place (see :func:`after_results`).
_AFTER_RESULTS: dict[Path, list[Callable[[], object]]] = {}


@contextlib.contextmanager
def staged_output(out_dir: str | Path) -> Iterator[Path]:
    """Yield a staging folder; on success make it the output folder ``out_dir``, all at once.

    The staging folder is ``.<name>.staging-<pid>-<random>`` beside ``out_dir``. When the block
    succeeds, entries of ``out_dir`` that the run did not produce are carried over into it (hard
    links, or copies across devices), then the whole folder is replaced by renames: ``out_dir`` to
    ``.<name>.backup-...``, staging to ``out_dir``, backup deleted. Entries the run produced
    replace the old ones whatever they were (a folder, a file or a symlink). On an exception the
    staging folder is removed and ``out_dir`` is as it was.

    A run killed part-way is recovered at the next start (:func:`recover_output`). Read-only
    folders and full disks raise one :class:`~netcover.errors.OutputError` naming the path and
    the fix.
    """
    out = Path(out_dir).resolve()  # a symlinked output folder: its target is replaced
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover_output(out)
        stage = _sibling(out, _STAGING)
        stage.mkdir()
        if out.is_dir():
            shutil.copymode(out, stage)
    except OSError as exc:
        raise _output_error(exc, out) from exc
    actions = _AFTER_RESULTS.setdefault(stage, [])
    try:
        yield stage
        _carry_over(out, stage)
        _replace(out, stage)
    except OSError as exc:
        if isinstance(exc, OutputError) or not _writing_results(exc, out):
            raise
        raise _output_error(exc, out) from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        _AFTER_RESULTS.pop(stage, None)
    for action in actions:
        action()


def after_results(path: str | Path, action: Callable[[], object]) -> None:
    """Run ``action`` once the results that ``path`` is part of are in place.

    Inside :func:`staged_output` (``path`` in its staging folder) the action runs after the
    staging folder has replaced the output folder, and not at all if the run fails; elsewhere it
    runs now. ``netcover run`` commits its monitoring snapshot this way.
    """
    p = Path(path).resolve()
    for stage in (p, *p.parents):
        if stage in _AFTER_RESULTS:
            _AFTER_RESULTS[stage].append(action)
            return
    action()


def recover_output(out_dir: str | Path) -> list[Path]:
    """Clean up after runs into ``out_dir`` that were killed; return the folders removed or restored.

    A backup left by a run killed between its renames is restored when ``out_dir`` is missing,
    else deleted; staging folders of runs that are no longer alive are deleted (also the
    ``.staging-*`` folders older versions made inside ``out_dir``). Folders of a run still alive
    (same machine) are left alone.
    """
    out = Path(out_dir)
    done: list[Path] = []
    backups = sorted(_leftovers(out, _BACKUP), key=lambda p: p.stat().st_mtime)
    if backups and not out.exists():
        _move(backups.pop(), out)
        done.append(out)
    stale = [*backups, *_leftovers(out, _STAGING)]
    if out.is_dir() and not out.is_symlink():
        stale += [p for p in out.glob(".staging-*") if p.is_dir()]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
        done.append(folder)
    return done


def _sibling(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _leftovers(out: Path, kind: str) -> list[Path]:
    """Staging or backup folders beside ``out`` whose run (process id in the name) has ended."""
    found = []
    for path in out.parent.glob(f".{glob.escape(out.name)}.{kind}-*"):
        pid = path.name.rsplit(f".{kind}-", 1)[1].split("-", 1)[0]
        if path.is_dir() and not (pid.isdigit() and _alive(int(pid))):
            found.append(path)
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier run of this process (e.g. tests) cannot still be running
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _carry_over(out: Path, stage: Path) -> None:
    """Link (or copy) into ``stage`` the entries of ``out`` that the run did not produce."""
    if not out.is_dir():
        return
    for entry in sorted(out.iterdir()):
        target = stage / entry.name
        if target.exists() or target.is_symlink() or entry.name.startswith(".staging-"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, target)


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    if Path(src).is_symlink():
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _replace(out: Path, stage: Path) -> None:
    """``out`` -> backup, ``stage`` -> ``out``, backup deleted (each step a rename or a delete).

    A process working in ``out`` (``--out .``) keeps working in the new ``out``.
    """
    backup = _sibling(out, _BACKUP) if out.exists() or out.is_symlink() else None
    try:
        inside = Path.cwd().relative_to(out)
    except (ValueError, OSError):
        inside = None
    if backup is not None:
        _move(out, backup)
    _move(stage, out)
    if inside is not None:
        os.chdir(out / inside if (out / inside).is_dir() else out)
    if backup is not None:
        _remove(backup)


def _move(src: Path, dst: Path) -> None:
    """One rename of the replacement (tests interrupt the replacement here)."""
    os.rename(src, dst)


def _remove(path: Path) -> None:
    """Delete the old results (tests interrupt the replacement here); what is left is deleted by
    the next run's :func:`recover_output`."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _writing_results(exc: OSError, out: Path) -> bool:
    """Whether ``exc`` is a failure to write the results (into ``out``, its staging or backup
    folders), as opposed to e.g. an unreadable input."""
    if exc.errno not in _OUTPUT_FIX:
        return False
    if not isinstance(exc.filename, str | os.PathLike):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
    try:
        first = Path(os.path.abspath(exc.filename)).relative_to(out.parent).parts[0]
    except (ValueError, IndexError):
        return False
    return first == out.name or first.startswith(f".{out.name}.")


def _output_error(exc: OSError, out: Path) -> OutputError:
    where = exc.filename if isinstance(exc.filename, str | os.PathLike) else out
    fix = _OUTPUT_FIX.get(exc.errno or 0, "check the folder and choose another with --out if needed")
    msg = f"{where}: cannot write the results into {out} ({exc.strerror or exc}); {fix}"
    return OutputError(msg)
