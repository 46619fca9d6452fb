"""The synthetic graph of ``make bench-compare`` (``tools.synthetic``): the same seed gives the same bytes, at least
the triples asked for come out, and every request of the synthetic query mix finds the entity it asks about."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from tools import synthetic
from tools.bench_compare import TEMPLATES, synthetic_mix

TRIPLES = 5_000
BY_COUNTRY = {"two-hop-join", "count-group-by", "order-by-limit"}  # a small graph leaves some countries without any


def test_generate_synthetic_graph_same_bytes_for_same_seed(tmp_path: Path) -> None:
    first, again, other = tmp_path / "first.nq", tmp_path / "again.nq", tmp_path / "other.nq"
    assert synthetic.write(first, TRIPLES, seed=7) == synthetic.write(again, TRIPLES, seed=7)
    synthetic.write(other, TRIPLES, seed=8)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_generate_synthetic_graph_whole_rounds_up_to_the_triples_asked(tmp_path: Path) -> None:
    path = tmp_path / "graph.nq"
    summary = synthetic.write(path, TRIPLES, seed=1)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    one_round = max(len(block) for block in list(synthetic.blocks(TRIPLES, 1))[1:])
    assert TRIPLES <= summary.triples < TRIPLES + one_round
    assert len(store) == summary.triples == sum(summary.graphs.values())  # no quad written twice
    assert set(summary.graphs) == {synthetic.DATA, synthetic.INFERRED, synthetic.PROVENANCE, synthetic.MENTIONS,
                                   synthetic.REFERENCE, synthetic.SOURCE_DOCUMENTS}  # fmt: skip
    last_event = ox.NamedNode(synthetic.iri("event", summary.rounds - 1))
    assert list(store.quads_for_pattern(last_event, None, None))
    assert not list(store.quads_for_pattern(ox.NamedNode(synthetic.iri("event", summary.rounds)), None, None))


def test_answer_synthetic_mix_every_request_finds_its_subject(tmp_path: Path) -> None:
    path = tmp_path / "graph.nq"
    summary = synthetic.write(path, TRIPLES, seed=3)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    mix = synthetic_mix(summary.rounds, seed=3, per_template=4)
    assert [r.name for r in mix[: len(TEMPLATES)]] == list(TEMPLATES)
    empty = []
    for request in mix:
        result = store.query(request.query, use_default_graph_as_union=True)
        found = bool(result) if isinstance(result, ox.QueryBoolean) else bool(list(result))
        if not found and request.name not in BY_COUNTRY:
            empty.append(request.name)
    assert empty == []
