"""``migkg partner add|list|revoke`` as an operator meets it: the token once, as the last line; exit 2 on errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.cli import main
from server.partners.registry import Registry, token_hash


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MIGKG_STATE_DIR", str(tmp_path))
    return tmp_path


def add(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["partner", "add", *args]) == 0
    return capsys.readouterr().out


def test_partner_add_prints_the_token_as_the_last_line(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = add(capsys, "acme", "--origin", "https://acme.example", "--name", "ACME Migration Agency")
    token = out.splitlines()[-1]
    assert token.startswith("migkg_") and " " not in token
    assert out.count(token) == 1
    partner = Registry(state / "partners.json").authenticate(token)
    assert partner is not None and partner.name == "ACME Migration Agency"
    assert partner.origins == ("https://acme.example",)


def test_partner_list_shows_no_token_and_no_hash(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = add(capsys, "acme").splitlines()[-1]
    assert main(["partner", "list"]) == 0
    listed = capsys.readouterr().out
    assert "acme" in listed and "active" in listed
    assert token not in listed and token_hash(token) not in listed


def test_partner_revoke_stops_the_token(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = add(capsys, "acme").splitlines()[-1]
    assert main(["partner", "revoke", "acme"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert Registry(state / "partners.json").authenticate(token) is None
    assert main(["partner", "list"]) == 0
    assert "revoked" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["partner", "add", "acme"], "already exists"),
        (["partner", "add", "Bad Name"], "invalid agency"),
        (["partner", "add", "bee", "--origin", "https://bee.example/app"], "invalid origin"),
        (["partner", "revoke", "nope"], "unknown partner 'nope'"),
    ],
)
def test_partner_command_errors_exit_2_with_the_reason(
    state: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    add(capsys, "acme")
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
