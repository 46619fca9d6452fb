"""Front-end assets are vendored with their licences (no CDN): every file `make vendor` copies is committed,
and every vendored folder carries a licence."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import REPO_ROOT

VENDOR = REPO_ROOT / "server" / "web" / "static" / "vendor"


def listed() -> list[Path]:
    lines = (VENDOR / "FILES").read_text(encoding="utf-8").splitlines()
    return [REPO_ROOT / line.split()[1] for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("path", listed(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_listed_asset_is_committed(path: Path) -> None:
    assert path.is_file() and path.stat().st_size > 0


@pytest.mark.parametrize("folder", sorted({p.parent for p in listed()}), ids=lambda p: p.name)
def test_every_vendored_folder_carries_a_licence(folder: Path) -> None:
    assert any(f.name.upper().startswith("LICENSE") for f in folder.iterdir())
