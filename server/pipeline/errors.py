"""Errors the build reports to the curator: each names the file (and line, where there is one)."""

from __future__ import annotations


class BuildError(Exception):
    """A step found problems; nothing is published. ``problems`` holds one readable line per problem."""

    def __init__(self, step: str, problems: list[str]) -> None:
        self.step = step
        self.problems = problems
        super().__init__(f"{step}: {len(problems)} problem(s)\n" + "\n".join(f"  - {p}" for p in problems))
