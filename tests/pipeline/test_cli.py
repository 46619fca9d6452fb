"""The migkg command as a user meets it: exit codes, readable errors, any result format."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from partner_graphs import GIVES_EFFECT, ITEM, PROGRAMME, publish

from server import prefixes
from server.cli import main
from server.release import Release
from server.settings import REPO_ROOT

ASK = "ASK { ?s a <https://w3id.org/migkg/def#Workshop> }"
SELECT = (
    "SELECT ?l WHERE { <https://w3id.org/migkg/id/event/gfmd-2011-san-salvador-workshop> "
    "<https://w3id.org/migkg/def#heldIn>/<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
)


@pytest.fixture
def current(release: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    build = tmp_path / "build"
    build.mkdir()
    (build / "current").symlink_to(release.path, target_is_directory=True)
    monkeypatch.setenv("MIGKG_BUILD_DIR", str(build))
    monkeypatch.setenv("MIGKG_STATE_DIR", str(tmp_path / "var"))  # never the checkout's partner graphs
    return build


@pytest.mark.build
def test_query_reads_stdin_and_writes_the_requested_format(
    current: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(SELECT))
    assert main(["query", "-f", "csv"]) == 0
    assert capsysbinary.readouterr().out.decode().splitlines() == ["l", "San Salvador"]


@pytest.mark.build
def test_query_from_file_defaults_to_sparql_json(
    current: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    (tmp_path / "q.rq").write_text(ASK, encoding="utf-8")
    assert main(["query", str(tmp_path / "q.rq")]) == 0
    assert b'"boolean":true' in capsysbinary.readouterr().out.replace(b" ", b"")


@pytest.mark.build
def test_query_sees_partner_graphs_beside_the_release(
    current: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    publish(tmp_path / "var" / "partner-graphs", GIVES_EFFECT)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"SELECT ?p WHERE {{ ?p <{prefixes.MIG}givesEffectTo> <{ITEM}> }}"))
    assert main(["query", "-f", "csv"]) == 0
    assert capsysbinary.readouterr().out.decode().splitlines() == ["p", PROGRAMME]


@pytest.mark.build
def test_query_unknown_format_exits_2_listing_formats(
    current: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(ASK))
    assert main(["query", "-f", "docx"]) == 2
    assert "unknown format 'docx'" in capsys.readouterr().err


@pytest.mark.build
def test_query_malformed_exits_1_with_the_parser_message(
    current: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT * WHERE { ?s ?p }"))
    assert main(["query"]) == 1
    assert "error" in capsys.readouterr().err.lower()


def test_query_without_a_release_says_to_build_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MIGKG_BUILD_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(ASK))
    assert main(["query"]) == 1
    assert "migkg build" in capsys.readouterr().err


@pytest.mark.build
def test_stats_reports_graphs_classes_sources_and_quoted_share(
    current: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    for heading in ("Triples per graph", "Instances per class", "per source", "carrying a quote"):
        assert heading in out
    assert "source:gfmd-2011-san-salvador-workshop-report" in out


def test_check_with_a_misquoted_passage_exits_1_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(REPO_ROOT / folder, repo / folder)
    curated = repo / "data" / "curated" / "gfmd-2011-san-salvador-workshop-report.trig"
    text = curated.read_text(encoding="utf-8")
    curated.write_text(text.replace("October 4-5, 2011", "October 4-6, 2011", 1), encoding="utf-8")
    monkeypatch.setenv("MIGKG_REPO_DIR", str(repo))
    monkeypatch.setenv("MIGKG_BUILD_DIR", str(tmp_path / "build"))
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "October 4-5, 2011" in ln)
    assert f"{curated}:{line}:" in err and "quote not found verbatim" in err
    assert not (tmp_path / "build" / "current").exists()
