"""One front door: ``make help``, generated from the ``##`` comments, lists every phony target, and every
workflow a contributor needs is one of them."""

from __future__ import annotations

import subprocess

from server.settings import REPO_ROOT

WORKFLOWS = {
    "install", "run", "build", "check", "serve", "stats", "test", "test-fast", "browser", "stores", "bench",
    "lint", "typecheck", "format", "lock", "vendor", "clean",
}  # fmt: skip


def phony_targets() -> set[str]:
    lines = (REPO_ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    return {target for line in lines if line.startswith(".PHONY:") for target in line.partition(":")[2].split()}


def help_targets() -> set[str]:
    shown = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    return {line.split()[1] for line in shown.splitlines() if line.strip().startswith("make ")}


def test_make_help_lists_every_phony_target_from_its_comment() -> None:
    assert help_targets() == phony_targets()


def test_make_help_lists_every_contributor_workflow() -> None:
    assert sorted(WORKFLOWS - help_targets()) == []
