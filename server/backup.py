"""``migkg backup`` and ``migkg restore``: partner data and releases in one archive whose every file is checked.

The archive is a gzipped tar. Its members are the state directory's partner data (``state/partners.json``, the
registry with hashed tokens only; ``state/partner-graphs/``, the durable partner graphs with their manifests and
``current`` commit point; ``state/partner-reports/``, the gate's reports) and the build directory's intact
releases (``build/releases/<id>/``, each passing ``release.check``) with ``build/current`` and the history of
releases served (``build/release-history``, for ``migkg release rollback``). The last member,
``MANIFEST.json``, gives the sha256 and size of every file and the target of every symlink.

The backup reads the partner graphs under the storage's writer lock (no commit lands half-way through it); the
registry, the reports and releases are only ever replaced by rename or written once, so each read is whole.
Derived files (the partner cache, locks, killed writers' temporary files) are left out.

``restore`` writes only into an empty state and build directory (a restore never merges with live data). It
unpacks into temporary directories beside them (tarfile's ``data`` filter: no absolute paths, no ``..``, no link
out of the tree), checks every file against the manifest — a member missing, unexpected, of another size or
checksum is refused by name and nothing is restored — and only then moves the files into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Final

from server import __version__
from server.partners import files
from server.release import HISTORY, BrokenReleaseError, check, intact_releases, sha256_of
from server.settings import Settings

MANIFEST: Final = "MANIFEST.json"
STATE: Final = "state"
BUILD: Final = "build"
_FORMAT: Final = 1
_PARTNER_DIRS: Final = ("partner-graphs", "partner-reports")
_STORAGE_LOCK: Final = ".lock"


class BackupError(RuntimeError):
    """An archive that cannot be restored (or a target that is not empty); the message names the member or path."""


@dataclass(frozen=True)
class Member:
    """A file (its size and sha256) or a symlink (its target) in the archive."""

    bytes: int = 0
    sha256: str | None = None
    symlink: str | None = None


@dataclass(frozen=True)
class Manifest:
    created: str
    software: str
    members: dict[str, Member]

    def to_bytes(self) -> bytes:
        body = {"format": _FORMAT, "created": self.created, "software": self.software}
        body["members"] = {name: asdict(m) for name, m in sorted(self.members.items())}
        return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            if raw.get("format") != _FORMAT:
                raise ValueError(f"unknown format {raw.get('format')!r}")
            members = {str(name): Member(**m) for name, m in raw["members"].items()}
            return cls(str(raw["created"]), str(raw["software"]), members)
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise BackupError(f"{MANIFEST} is not a backup manifest ({e})") from None


# --- backup ---------------------------------------------------------------------------------------------------


def _files_under(root: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    """(archive name, path) of every file and symlink under ``root``, without locks and temporary files."""
    for path in sorted(root.rglob("*")) if root.is_dir() else ():
        if (path.is_file() or path.is_symlink()) and not path.name.startswith((files.TMP_PREFIX, _STORAGE_LOCK)):
            yield f"{prefix}/{path.relative_to(root).as_posix()}", path


def _sources(settings: Settings) -> Iterator[tuple[str, Path]]:
    """What a backup holds: partner data, then every intact release, ``current`` when it points to one, and the
    history of releases served."""
    if settings.partners_file.is_file():
        yield f"{STATE}/{settings.partners_file.name}", settings.partners_file
    for folder in _PARTNER_DIRS:
        yield from _files_under(settings.state_dir / folder, f"{STATE}/{folder}")
    releases = intact_releases(settings.releases_dir)
    for release in releases:
        yield from _files_under(release.path, f"{BUILD}/releases/{release.path.name}")
    current = settings.current_release.resolve() if settings.current_release.exists() else None
    if current in {r.path for r in releases}:
        yield f"{BUILD}/{settings.current_release.name}", settings.current_release
    history = settings.current_release.with_name(HISTORY)
    if history.is_file():  # what `migkg release rollback` goes back to
        yield f"{BUILD}/{HISTORY}", history


def _add(archive: tarfile.TarFile, name: str, path: Path, settings: Settings) -> Member:
    """Add ``path`` as ``name`` (a file read once: what is hashed is what is stored); its manifest entry."""
    if path.is_symlink():
        target = os.readlink(path)
        if path == settings.current_release:  # always relative inside the archive, however it was made
            target = f"releases/{path.resolve().name}"
        info = tarfile.TarInfo(name)
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
        archive.addfile(info)
        return Member(symlink=target)
    data = path.read_bytes()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), path.stat().st_mode & 0o777, int(path.stat().st_mtime)
    archive.addfile(info, io.BytesIO(data))
    return Member(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())


def create(settings: Settings, archive_path: Path) -> Manifest:
    """Write the backup of ``settings``' partner data and releases to ``archive_path`` (atomically: a partial
    archive never has the final name); return its manifest."""
    partial = archive_path.with_name(f"{files.TMP_PREFIX}{archive_path.name}")
    members: dict[str, Member] = {}
    storage = settings.partner_graphs_dir
    locked = files.exclusive(storage / _STORAGE_LOCK) if storage.is_dir() else contextlib.nullcontext()
    with locked, tarfile.open(partial, "w:gz") as archive:
        for name, path in _sources(settings):
            members[name] = _add(archive, name, path, settings)
        manifest = Manifest(datetime.now(UTC).isoformat(timespec="seconds"), f"migkg {__version__}", members)
        data = manifest.to_bytes()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(data), 0o644
        archive.addfile(info, io.BytesIO(data))
    with partial.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(partial, archive_path)
    files.fsync_dir(archive_path.parent)
    return manifest


# --- restore --------------------------------------------------------------------------------------------------


def _not_empty(settings: Settings) -> list[Path]:
    """What already holds data where a restore would write."""
    state = [settings.partners_file, *(settings.state_dir / d for d in _PARTNER_DIRS)]
    return [p for p in (*state, settings.releases_dir, settings.current_release) if p.exists() or p.is_symlink()]


def _read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"the archive has no {MANIFEST}: it is not a migkg backup") from None
    extracted = archive.extractfile(member)
    if extracted is None:
        raise BackupError(f"{MANIFEST} in the archive is not a file")
    return Manifest.from_bytes(extracted.read())


def _check_names(archive: tarfile.TarFile, manifest: Manifest) -> None:
    """The archive holds exactly the manifest's members, each under state/ or build/."""
    names = {m.name for m in archive.getmembers() if m.name != MANIFEST}
    for name in sorted(set(manifest.members) - names):
        raise BackupError(f"member {name} is in {MANIFEST} but missing from the archive")
    for name in sorted(names - set(manifest.members)):
        raise BackupError(f"member {name} is in the archive but not in {MANIFEST}")
    for name in sorted(names):
        if PurePosixPath(name).parts[0] not in (STATE, BUILD):
            raise BackupError(f"member {name} is outside {STATE}/ and {BUILD}/")


def _check_member(name: str, path: Path, expected: Member) -> None:
    if expected.symlink is not None:
        if not path.is_symlink() or os.readlink(path) != expected.symlink:
            raise BackupError(f"member {name} is not the symlink to {expected.symlink} that {MANIFEST} records")
        return
    if path.is_symlink() or not path.is_file():
        raise BackupError(f"member {name} is not a regular file, as {MANIFEST} records")
    if path.stat().st_size != expected.bytes or sha256_of(path) != expected.sha256:
        raise BackupError(f"member {name} does not match its sha256 in {MANIFEST}: the archive was altered or damaged")


@contextlib.contextmanager
def _unpacked(archive: tarfile.TarFile, settings: Settings) -> Iterator[dict[str, Path]]:
    """The archive unpacked into a temporary directory beside the state and the build directory (removed after)."""
    roots = {STATE: settings.state_dir, BUILD: settings.build_dir}
    tmps = {top: root.with_name(f".{root.name}.restore-{os.getpid()}") for top, root in roots.items()}
    try:
        for tmp in tmps.values():
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
        for member in archive.getmembers():
            top, _, rest = member.name.partition("/")
            if top in tmps and rest:
                archive.extract(member.replace(name=rest, deep=False), tmps[top], filter="data")
        yield tmps
    except (tarfile.TarError, OSError) as e:
        raise BackupError(f"the archive cannot be unpacked: {e}") from None
    finally:
        for tmp in tmps.values():
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _opened(archive_path: Path) -> Iterator[tarfile.TarFile]:
    try:
        archive = tarfile.open(archive_path, "r:*")  # noqa: SIM115 - closed below, once its errors are told apart
    except (tarfile.TarError, OSError) as e:
        raise BackupError(f"{archive_path} cannot be read as a backup: {e}") from None
    with archive:
        yield archive


def restore(archive_path: Path, settings: Settings) -> Manifest:
    """Restore the backup at ``archive_path`` into ``settings``' empty state and build directories, every file
    checked against the manifest first (BackupError, naming the member, and nothing restored otherwise)."""
    if found := _not_empty(settings):
        raise BackupError(f"restore needs an empty state and build directory; {found[0]} exists")
    with _opened(archive_path) as archive:
        manifest = _read_manifest(archive)
        _check_names(archive, manifest)
        with _unpacked(archive, settings) as tmps:
            for name, expected in sorted(manifest.members.items()):
                top, _, rest = name.partition("/")
                _check_member(name, tmps[top] / rest, expected)
            for top, root in ((STATE, settings.state_dir), (BUILD, settings.build_dir)):
                root.mkdir(parents=True, exist_ok=True)
                for entry in sorted(tmps[top].iterdir()):
                    os.replace(entry, root / entry.name)
                files.fsync_dir(root)
    if settings.current_release.is_symlink():
        try:
            check(settings.current_release.resolve())
        except BrokenReleaseError as e:
            raise BackupError(f"the restored current release does not match its own metadata: {e}") from None
    return manifest
