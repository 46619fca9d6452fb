"""The competency queries' expected answers: how an answer is computed and compared, and how the files are rewritten.

``queries/<name>.csv`` holds the answer of ``queries/<name>.rq`` in SPARQL CSV as the endpoint gives it (header =
the projected variables; IRIs in full; literals by lexical form; an ASK query's answer is ``boolean`` then ``true``
or ``false``). Rows are compared in order when the query has ORDER BY, as a multiset otherwise.

Used by tests/data/test_queries.py, and run by ``make queries-expected`` (``python -m tools.expected_answers``):
it answers every query from the current release (build/current) and rewrites, in place, each expected-answer
file whose answer differs (or is missing), so that ``git diff queries/`` shows what changed. Files whose answer
is the same are left untouched.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

from server import prefixes
from server.release import open_current
from server.settings import Settings
from server.store.embedded import EmbeddedStore

COMMAND = "make queries-expected"
Rows = list[list[str]]


def answer_text(store: EmbeddedStore, query: str) -> str:
    """The answer as the endpoint gives it in CSV (an ASK query's as a one-column table)."""
    outcome = store.query(query, accept="text/csv, application/sparql-results+json;q=0.5", base_iri=prefixes.BASE)
    if outcome.kind == "boolean":
        return f"boolean\n{str(json.loads(outcome.body)['boolean']).lower()}\n"
    return outcome.body.decode("utf-8")


def as_rows(data: str) -> Rows:
    return list(csv.reader(io.StringIO(data)))


def ordered(query: str) -> bool:
    return re.search(r"\bORDER\s+BY\b", query, re.IGNORECASE) is not None


def comparable(query: str, rows: Rows) -> tuple[list[str], Rows]:
    """Header and body, the body sorted unless the query orders it."""
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    return header, body if ordered(query) else sorted(body)


def expected_file(query_file: Path) -> Path:
    return query_file.with_suffix(".csv")


def rewrite(store: EmbeddedStore, query_file: Path) -> bool:
    """Write the query's answer to its expected-answer file unless that already holds the same answer."""
    query = query_file.read_text(encoding="utf-8")
    got = answer_text(store, query)
    target = expected_file(query_file)
    if target.is_file() and comparable(query, as_rows(target.read_text(encoding="utf-8"))) == comparable(
        query, as_rows(got)
    ):
        return False
    target.write_bytes(got.encode("utf-8"))
    return True


def main(settings: Settings) -> int:
    release = open_current(settings.current_release)
    store = EmbeddedStore(release.snapshot)
    changed = [path for path in sorted(settings.queries_dir.glob("*.rq")) if rewrite(store, path)]
    for path in changed:
        rows = len(as_rows(expected_file(path).read_text(encoding="utf-8"))) - 1
        print(f"rewrote {expected_file(path).relative_to(settings.repo_dir)} ({rows} rows)")
    print(
        f"{len(changed)} expected answer(s) rewritten from release {release.id}; review them with `git diff queries/`"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(Settings()))
