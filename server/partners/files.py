"""Durable, atomic file writes and an exclusive lock: what every piece of partner state is written with.

``write_atomic`` writes a sibling temporary file, fsyncs it, renames it over the target and fsyncs the
directory, so after it returns the new content survives a crash (kill -9, or power loss on a file system that
honours fsync), and at any moment a reader sees either the whole old file or the whole new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

TMP_PREFIX = ".tmp-"
_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new entry in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` by ``data``: temporary file, fsync, rename, fsync of the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def replace_symlink(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` atomically (a fresh symlink renamed over it), durably."""
    tmp = link.with_name(f"{TMP_PREFIX}{link.name}.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.symlink_to(target)
    try:
        os.replace(tmp, link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(link.parent)


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` against other processes (flock) and other threads."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(lock_file.resolve(), threading.Lock())
    with thread_lock:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock


def remove_stale_temporaries(directory: Path) -> None:
    """Delete temporary files a killed writer left behind (never visible to readers: they were not renamed)."""
    if directory.is_dir():
        for leftover in directory.glob(f"{TMP_PREFIX}*"):
            leftover.unlink(missing_ok=True)
