"""The settings of connections and hosts (server/settings.py): read from the environment's text, normalised, and
a value the service cannot use stops start-up with the variable's name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.settings import Settings
from server.web.connections import Limits


def test_public_url_is_kept_as_its_origin() -> None:
    assert Settings(public_url="HTTPS://KG.Example.org/").public_url == "https://kg.example.org"  # type: ignore[call-arg]
    assert Settings(public_url="").public_url is None  # type: ignore[call-arg]


@pytest.mark.parametrize("url", ["https://kg.example.org/migkg", "ftp://kg.example.org", "kg.example.org"])
def test_public_url_with_a_path_or_another_scheme_stops_start_up(url: str) -> None:
    with pytest.raises(ValidationError, match="MIGKG_PUBLIC_URL"):
        Settings(public_url=url)  # type: ignore[call-arg]


def test_allowed_hosts_are_read_comma_separated_without_ports() -> None:
    settings = Settings(allowed_hosts="KG.example.org:8443, [::1], 10.0.0.5")  # type: ignore[call-arg]
    assert settings.allowed_hosts == ["kg.example.org", "::1", "10.0.0.5"]


def test_allowed_host_that_is_no_host_stops_start_up() -> None:
    with pytest.raises(ValidationError, match="MIGKG_ALLOWED_HOSTS"):
        Settings(allowed_hosts="kg.example.org, evil example")  # type: ignore[call-arg]


@pytest.mark.parametrize("name", ["header_timeout", "body_timeout", "keep_alive_timeout", "max_connections"])
def test_connection_limit_must_be_positive(name: str) -> None:
    with pytest.raises(ValidationError):
        Settings(**{name: 0})  # type: ignore[arg-type]


def test_limits_follow_the_settings() -> None:
    limits = Limits.of(Settings(header_timeout=3, body_timeout=4, max_connections=7, retry_after=9))  # type: ignore[call-arg]
    assert limits == Limits(3.0, 4.0, 7, 9)
