"""The pure parts of ``make bench-scale`` (``tools.bench_scale``): sizes, percentiles, memory read from /proc, the
request mix, the table, and keeping an earlier run's figures for the sizes not run again."""

from __future__ import annotations

import argparse
import os
from typing import Any

import pytest

from server.settings import Settings
from tools import bench_scale, synthetic

SMAPS = """\
55d0c0000000-7ffd2d5f0000 ---p 00000000 00:00 0                          [rollup]
Rss:              123456 kB
Pss:               61728 kB
Pss_Anon:          50000 kB
Shared_Clean:       4096 kB
"""


def test_parse_size_suffixes_and_plain_numbers() -> None:
    assert [bench_scale.parse_size(s) for s in ("1M", "10M", "100k", "2.5M", "20000")] == [
        1_000_000, 10_000_000, 100_000, 2_500_000, 20_000,
    ]  # fmt: skip
    with pytest.raises(ValueError):
        bench_scale.parse_size("ten")


def test_compute_percentile_interpolates_between_ranks() -> None:
    values = [float(n) for n in range(1, 101)]  # 1 … 100
    assert bench_scale.percentile(values, 50) == pytest.approx(50.5)
    assert bench_scale.percentile(values, 95) == pytest.approx(95.05)
    assert bench_scale.percentile([7.0], 95) == 7.0
    assert bench_scale.percentile([3.0, 1.0, 2.0], 50) == 2.0  # order does not matter


@pytest.mark.parametrize(("values", "q"), [([], 50), ([1.0, 2.0], 0), ([1.0, 2.0], 100)])
def test_compute_percentile_refuses_no_values_or_out_of_range(values: list[float], q: int) -> None:
    with pytest.raises(ValueError):
        bench_scale.percentile(values, q)


def test_summarise_latencies_in_milliseconds() -> None:
    assert bench_scale.latencies([0.010, 0.020, 0.030]) == {"count": 3, "p50_ms": 20.0, "p95_ms": 29.0}


def test_read_smaps_rollup_rss_and_pss_in_bytes() -> None:
    assert bench_scale.smaps_rollup(SMAPS) == {"rss": 123456 * 1024, "pss": 61728 * 1024}


def test_read_process_memory_of_this_process() -> None:
    found = bench_scale.process_memory(os.getpid())
    assert found is not None
    assert found["pid"] == os.getpid() and "python" in found["command"]
    assert 0 < found["pss"] <= found["rss"]
    assert bench_scale.process_memory(2**22 + 1) is None  # above the kernel's largest pid: no such process


def test_name_replica_process_roles() -> None:
    worker = "python -B -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=9, pipe_handle=17)"
    assert [bench_scale.role(worker, rank, workers=2) for rank in range(3)] == ["query worker"] * 2 + ["partner writer"]
    assert bench_scale.role(worker, rank=0, workers=0) == "partner writer"  # over a remote store: no query worker
    assert bench_scale.role("python -m server.cli serve --port 1", rank=0, workers=2) == "server"


def test_read_process_start_time_later_for_a_later_process() -> None:
    assert 0 < bench_scale.started_at(os.getppid()) <= bench_scale.started_at(os.getpid())
    assert bench_scale.started_at(2**22 + 1) == 0


def test_sum_memory_of_replica_apart_from_store_server() -> None:
    processes = [
        {"role": "server", "rss": 100, "pss": 90},
        {"role": "query worker", "rss": 1000, "pss": 800},
        {"role": "resource tracker", "rss": 10, "pss": 5},
        {"role": "virtuoso server", "rss": 5000, "pss": 4000},
    ]
    assert bench_scale.totals(processes) == {
        "replica_rss": 1110, "replica_pss": 895, "store_rss": 5000, "store_pss": 4000,
    }  # fmt: skip


def test_build_scale_mix_pages_search_and_catalogue_of_existing_entities() -> None:
    catalogue = {"20-topics.rq": "SELECT * WHERE { ?s ?p ?o }"}
    mix = bench_scale.scale_mix(rounds=50, seed=3, catalogue=catalogue, cycles=4)
    assert mix == bench_scale.scale_mix(rounds=50, seed=3, catalogue=catalogue, cycles=4)  # seeded
    per_cycle = 1 + len(bench_scale.AD_HOC) + len(bench_scale.PAGES) + 1
    assert len(mix) == 4 * per_cycle
    assert {c.kind for c in mix} == {"catalogue", "query", "page", "search"}
    pages = [c for c in mix if c.kind == "page"]
    assert all(c.path.startswith("/doc/") and c.accept == bench_scale.HTML for c in pages)
    assert {c.name for c in pages} == set(bench_scale.PAGES)
    numbers = [int(c.path.rsplit("/", 1)[1][1:]) for c in pages if c.name in ("event", "commitment")]
    assert all(n < 50 for n in numbers)  # an entity of a round that exists
    assert all(c.path.startswith("/search?q=") for c in mix if c.kind == "search")
    assert [c.name for c in mix if c.kind == "catalogue"] == ["20-topics.rq"] * 4


def test_catalogue_subset_names_existing_queries() -> None:
    queries = bench_scale.catalogue(Settings().queries_dir)
    assert list(queries) == list(bench_scale.CATALOGUE)
    assert all("SELECT" in text or "ASK" in text for text in queries.values())


def info_with(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": "2026-12-06T12:00:00+00:00",
        "seconds": 60.0,
        "machine": {"host": "vm", "cpu": "cpu", "platform": "linux", "cpus": 2, "load_average": [1.0, 1.0, 1.0],
                    "load_average_end": [2.0, 2.0, 2.0]},
        "ours": {},
        "query_workers": 2,
        "virtuoso_buffers": bench_scale.VIRTUOSO_BUFFERS,
        "seconds_per_cell": 20,
        "clients": [1, 8],
        "catalogue": list(bench_scale.CATALOGUE),
        "data": [{"name": "synthetic-1M", "triples": 1_000_000, "partner_triples": 10_000, "requests": 200}],
        "results": [result],
    }  # fmt: skip


def test_render_scale_table_row_per_store_with_memory_and_cells() -> None:
    cell = {"ok_per_second": 12.5, "p50_ms": 40.0, "p95_ms": 90.0, "non2xx": 0, "load_average": [3.5, 3.0, 2.0]}
    result = {
        "store": "virtuoso", "data": "synthetic-1M", "triples": 1_000_000,
        "load": {"seconds": 50.0, "triples_per_second": 20_000, "what": "publish"},
        "disk": {"release": 200 * 2**20, "partner_storage": 2**20, "store_data": 300 * 2**20},
        "memory": {"replica_rss": 150 * 2**20, "replica_pss": 120 * 2**20, "store_rss": 900 * 2**20,
                   "store_pss": 890 * 2**20},
        "memory_after": [{"role": "server", "rss": 150 * 2**20, "pss": 120 * 2**20}],
        "cells": [{**cell, "clients": 1}, {**cell, "clients": 8, "ok_per_second": 30.0}],
        "check": {"answered": 3, "failed": {}, "unchecked": 0,
                  "kinds": {"page": {"count": 3, "p50_ms": 45.0, "p95_ms": 80.0}}},
    }  # fmt: skip
    text = bench_scale.markdown(info_with(result))
    assert (
        "| synthetic-1M | virtuoso | 50.0 s, 20,000/s | 200 / 300 | 150 / 120 | 900 | 12.5 | 40.0 / 90.0 | 0 (3.5) | "
        "30.0 | 40.0 / 90.0 | 0 (3.5) |  |"
    ) in text
    assert "| synthetic-1M | virtuoso | page | 3 | 45.0 | 80.0 |" in text
    assert "| synthetic-1M | virtuoso | server | 150 | 120 |" in text


def test_render_scale_table_failed_store_keeps_its_error() -> None:
    result = {"store": "oxigraph", "data": "synthetic-1M", "triples": 1_000_000, "cells": [], "error": "boom"}
    row = bench_scale.table_rows(info_with(result))[0]
    assert row.startswith("| synthetic-1M | oxigraph | – |") and row.endswith("| boom |")


def test_keep_earlier_results_of_sizes_not_run_again() -> None:
    args = argparse.Namespace(sizes=[10_000_000], stores=["embedded"], seed=1, duration=20)
    earlier = {
        "seed": 1,
        "seconds_per_cell": 20,
        "data": [{"name": "synthetic-1M"}, {"name": "synthetic-10M"}],
        "results": [
            {"data": "synthetic-1M", "store": "embedded"},
            {"data": "synthetic-10M", "store": "embedded"},
            {"data": "synthetic-10M", "store": "virtuoso"},
        ],
    }
    assert bench_scale.kept_results(earlier, args) == {
        "data": [{"name": "synthetic-1M"}, {"name": "synthetic-10M"}],
        "results": [{"data": "synthetic-1M", "store": "embedded"}, {"data": "synthetic-10M", "store": "virtuoso"}],
    }
    assert bench_scale.kept_results(earlier | {"seconds_per_cell": 5}, args) == {}  # not comparable


def test_generate_partner_graphs_share_of_release_with_descriptions() -> None:
    changes = synthetic.partner_changes(rounds=10, triples=100_000, seed=1)
    assert list(changes) == [synthetic.partner_graph(a) for a in range(synthetic.PARTNER_AGENCIES)]
    total = sum(len(c.data) for c in changes.values())
    assert 100_000 * synthetic.PARTNER_SHARE <= total < 100_000 * synthetic.PARTNER_SHARE + 6 * len(changes)
    for graph, change in changes.items():
        assert any(t.subject.value == graph for t in change.description)
        assert all(not t.subject.value.startswith(synthetic.ID) for t in change.data)  # their own things
    assert synthetic.partner_changes(10, 100_000, 1) == changes
