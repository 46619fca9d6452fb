"""A partner-storage writer to be killed: ``python storage_writer.py ROOT TRIPLES`` commits two versions of one
graph in turn, forever, after printing "ready" once the first commit is durable (used with SIGKILL by
test_partner_storage.py). Each commit's description differs, as real ones do (their time), so every commit
writes a new file of the whole graph."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox

from server import prefixes
from server.partners.storage import PartnerStorage

GRAPH = prefixes.GRAPH_PARTNER + "acme/programmes"


def version(n: int, v: int) -> list[ox.Triple]:
    """``n`` triples, every one of them different in version 0 and version 1."""
    return [
        ox.Triple(
            ox.NamedNode(f"https://example.org/p/{i // 5}"),
            ox.NamedNode(f"https://example.org/v{v}"),
            ox.Literal(str(i)),
        )
        for i in range(n)
    ]


def described(commit: int) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(GRAPH), ox.NamedNode(prefixes.RDFS + "comment"), ox.Literal(f"commit {commit}"))]


def main(root: Path, n: int) -> None:
    storage = PartnerStorage(root)
    versions = [version(n, 0), version(n, 1)]
    storage.commit(GRAPH, versions[0], described(0))
    print("ready", flush=True)
    i = 1
    while True:
        storage.commit(GRAPH, versions[i % 2], described(i))
        i += 1


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
