"""``migkg backup`` / ``migkg restore``: partner data (graphs, registry, reports) and releases, every file checked.

The state is made by the real components (``Registry.add``, ``PartnerStorage.commit``, ``write_release`` +
``publish``); a tampered archive is made by rewriting a real backup with one member changed, dropped or added.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from server import backup
from server.cli import main
from server.partners.registry import Registry
from server.partners.storage import PartnerStorage
from server.pipeline.publish import publish, write_release
from server.release import open_current
from server.settings import REPO_ROOT, Settings

GRAPH = "https://w3id.org/migkg/graph/partner/acme/programmes"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def settings_in(root: Path) -> Settings:
    return Settings(repo_dir=REPO_ROOT, build_dir=root / "build", state_dir=root / "var")


def triple(n: int) -> ox.Triple:
    return ox.Triple(ox.NamedNode(f"https://example.org/acme/programme/{n}"), LABEL, ox.Literal(f"Programa {n}"))


def make_release(settings: Settings, label: str, day: int) -> Path:
    quads = [ox.Quad(ox.NamedNode("https://w3id.org/migkg/id/event/a"), LABEL, ox.Literal(label))]
    when = datetime(2026, 1, day, tzinfo=UTC)
    return write_release(quads, settings.releases_dir, base_iri=settings.base_iri, versions={}, timings={}, now=when)


@pytest.fixture
def live(tmp_path: Path) -> tuple[Settings, str]:
    """A state as a running service leaves it: a partner and its token, two commits of a graph, a gate report,
    two releases with the newer current. Returns the settings and the partner's token."""
    settings = settings_in(tmp_path / "live")
    _, token = Registry(settings.partners_file).add("acme", name="ACME")
    storage = PartnerStorage(settings.partner_graphs_dir)
    storage.commit(GRAPH, [triple(1)], [])
    storage.commit(GRAPH, [triple(1), triple(2)], [])
    (settings.partner_reports_dir).mkdir(parents=True)
    (settings.partner_reports_dir / "report-1.nt").write_text("# conforms\n", encoding="utf-8")
    for day, label in enumerate(("old", "new"), start=1):
        publish(make_release(settings, label, day), settings.current_release)
    return settings, token


def tree(root: Path) -> dict[str, bytes | str]:
    """Every file (its bytes) and symlink (its target) under ``root``, without locks."""
    return {
        str(p.relative_to(root)): (str(p.readlink()) if p.is_symlink() else p.read_bytes())
        for p in sorted(root.rglob("*"))
        if (p.is_file() or p.is_symlink()) and not p.name.endswith(".lock")
    }


def test_restore_gives_back_partner_data_and_releases(live: tuple[Settings, str], tmp_path: Path) -> None:
    settings, token = live
    archive = tmp_path / "migkg.tar.gz"
    manifest = backup.create(settings, archive)
    restored = settings_in(tmp_path / "restored")
    assert backup.restore(archive, restored) == manifest
    assert tree(restored.state_dir) == tree(settings.state_dir)
    assert tree(restored.build_dir) == tree(settings.build_dir)
    assert open_current(restored.current_release).id == open_current(settings.current_release).id
    assert set(PartnerStorage(restored.partner_graphs_dir).quads()) == set(
        PartnerStorage(settings.partner_graphs_dir).quads()
    )
    partner = Registry(restored.partners_file).authenticate(token)
    assert partner is not None and partner.agency == "acme"
    assert token.encode() not in archive.read_bytes() and token not in restored.partners_file.read_text()


def test_backup_leaves_out_damaged_release_and_derived_files(live: tuple[Settings, str], tmp_path: Path) -> None:
    settings, _ = live
    older = sorted(settings.releases_dir.iterdir())[0]
    (older / "snapshot.nq").write_bytes(b"")
    (settings.state_dir / "partner-cache").mkdir()
    (settings.state_dir / "partner-cache" / "dump.trig.gz").write_bytes(b"derived")
    names = backup.create(settings, tmp_path / "b.tar.gz").members
    assert not [n for n in names if older.name in n or "partner-cache" in n or n.endswith(".lock")]
    assert f"build/releases/{open_current(settings.current_release).id}/snapshot.nq" in names


Entry = tuple[tarfile.TarInfo, bytes]


def rewrite(archive: Path, change: Callable[[tarfile.TarInfo, bytes], list[Entry]]) -> None:
    """Copy ``archive`` member by member, each replaced by what ``change`` returns for it (none: dropped)."""
    with tarfile.open(archive) as source:
        members = [(m, source.extractfile(m).read() if m.isfile() else b"") for m in source.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(archive, "w:gz") as target:
        for member, data in members:
            for info, body in change(member, data):
                info.size = len(body) if info.isfile() else 0
                target.addfile(info, io.BytesIO(body) if info.isfile() else None)


def alter_object(member: tarfile.TarInfo, data: bytes) -> list[Entry]:
    if "/objects/" in member.name:
        return [(member, data.replace(b"Programa 2", b"Programa X"))]
    return [(member, data)]


def drop_registry(member: tarfile.TarInfo, data: bytes) -> list[Entry]:
    return [] if member.name == "state/partners.json" else [(member, data)]


def add_member(member: tarfile.TarInfo, data: bytes) -> list[Entry]:
    if member.name == backup.MANIFEST:
        return [(tarfile.TarInfo("state/partner-reports/planted.nt"), b"x"), (member, data)]
    return [(member, data)]


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (alter_object, "state/partner-graphs/objects/.* does not match its sha256"),
        (drop_registry, "state/partners.json is in MANIFEST.json but missing"),
        (add_member, "state/partner-reports/planted.nt is in the archive but not in MANIFEST.json"),
    ],
    ids=["altered", "missing", "added"],
)
def test_restore_refuses_tampered_archive_naming_member_and_restores_nothing(
    live: tuple[Settings, str],
    tmp_path: Path,
    tamper: Callable[[tarfile.TarInfo, bytes], list[Entry]],
    named: str,
) -> None:
    settings, _ = live
    archive = tmp_path / "migkg.tar.gz"
    backup.create(settings, archive)
    rewrite(archive, tamper)
    restored = settings_in(tmp_path / "restored")
    with pytest.raises(backup.BackupError, match=r"member " + named):
        backup.restore(archive, restored)
    root = tmp_path / "restored"
    assert not root.exists() or list(root.iterdir()) == []  # not a file, nor the temporary unpacked copy


def test_restore_refuses_a_target_that_holds_data(live: tuple[Settings, str], tmp_path: Path) -> None:
    settings, _ = live
    archive = tmp_path / "migkg.tar.gz"
    backup.create(settings, archive)
    with pytest.raises(backup.BackupError, match=r"empty state and build directory.*partners\.json"):
        backup.restore(archive, settings)


def test_backup_and_restore_commands_report_and_refuse(
    live: tuple[Settings, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, _ = live
    archive = tmp_path / "migkg.tar.gz"
    monkeypatch.setenv("MIGKG_BUILD_DIR", str(settings.build_dir))
    monkeypatch.setenv("MIGKG_STATE_DIR", str(settings.state_dir))
    assert main(["backup", str(archive)]) == 0
    rewrite(archive, alter_object)
    restored = settings_in(tmp_path / "restored")
    monkeypatch.setenv("MIGKG_BUILD_DIR", str(restored.build_dir))
    monkeypatch.setenv("MIGKG_STATE_DIR", str(restored.state_dir))
    assert main(["restore", str(archive)]) == 1
    assert "does not match its sha256" in capsys.readouterr().err
