"""Switching, rolling back and pruning releases as an operator does (``migkg release switch|rollback``, ``migkg
build``'s publish): rollback goes to the release served before, pruning keeps ``MIGKG_RELEASE_KEEP`` releases and
never the current one nor the previous one."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_release_check import release, use

from server.pipeline.publish import publish
from server.release import current_name, served_history


@pytest.fixture
def four(tmp_path: Path) -> Path:
    """A build directory where four releases were published in turn (the newest current), all kept."""
    build = tmp_path / "build"
    for day in range(1, 5):
        publish(release(build, f"r{day}", day), build / "current", keep=10)
    return build


def names(build: Path) -> list[str]:
    return sorted(p.name for p in (build / "releases").iterdir())


def test_rollback_release_returns_to_the_one_served_before(four: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r1, _, r3, r4 = names(four)
    assert use(four, monkeypatch, "rollback") == 0
    assert current_name(four / "current") == r3
    assert use(four, monkeypatch, "rollback") == 0  # the one served before r3 is r4 again
    assert current_name(four / "current") == r4
    assert use(four, monkeypatch, "switch", r1) == 0
    assert use(four, monkeypatch, "rollback") == 0
    assert current_name(four / "current") == r4
    assert served_history(four / "current")[-4:] == [r3, r4, r1, r4]


def test_rollback_release_refuses_without_an_earlier_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build = tmp_path / "build"
    publish(release(build, "only", 1), build / "current")
    assert use(build, monkeypatch, "rollback") == 1
    assert "nothing to roll back to" in capsys.readouterr().err


def test_switch_release_prunes_beyond_keep_but_never_current_or_previous(
    four: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r1, _, r3, r4 = names(four)
    monkeypatch.setenv("MIGKG_RELEASE_KEEP", "2")
    assert use(four, monkeypatch, "switch", r1) == 0  # keeps the newest two, r1 (current) and r4 (previous)
    assert names(four) == [r1, r3, r4]
    assert use(four, monkeypatch, "rollback") == 0
    assert current_name(four / "current") == r4 and names(four) == [r1, r3, r4]


def test_publish_release_prunes_to_keep(four: Path) -> None:
    publish(release(four, "r5", 5), four / "current", keep=2)
    assert len(names(four)) == 2 and current_name(four / "current") == names(four)[-1]
