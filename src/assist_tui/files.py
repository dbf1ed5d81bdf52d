"""Private files: every directory the product owns is mode 700 and every file it writes
600 (stores with their WAL and SHM, outbox, logs, exports, screenshots, keys)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDES = ("-wal", "-shm", "-journal")


def restrict_umask() -> None:
    """Files and directories this process creates are private unless said otherwise
    (covers what libraries write for us: SQLite's side files, screenshots, rotated logs)."""
    os.umask(0o077)


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` (and parents) as 700; ``tighten`` also makes an existing one 700.

    Only for directories the product owns: never tighten a directory a user named for
    other uses (``/tmp``)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if tighten:
        with contextlib.suppress(OSError):
            os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Make an existing file 600 (no error if it is not there)."""
    with contextlib.suppress(OSError):
        os.chmod(path, FILE_MODE)


def private_sqlite(path: Path, *, tighten_dir: bool) -> None:
    """Before SQLite opens ``path``: the file exists as 600, so the WAL and SHM files it
    makes take the same mode; side files already there are made 600 too."""
    private_dir(path.parent, tighten=tighten_dir)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    private_file(path)
    for side in SQLITE_SIDES:
        private_file(path.with_name(path.name + side))


@contextlib.contextmanager
def private_output(path: Path) -> Iterator[TextIO]:
    """Open ``path`` for writing text as a 600 file (an export, a transcript)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with contextlib.suppress(OSError):
        os.fchmod(fd, FILE_MODE)  # it may have existed with a wider mode
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        yield handle
