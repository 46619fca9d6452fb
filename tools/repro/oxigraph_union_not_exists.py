"""FILTER NOT EXISTS in pyoxigraph costs a nested loop whose length depends on the order the triples were inserted.

Self-contained (only pyoxigraph): the same few thousand generated triples are loaded into two in-memory stores, in
opposite orders, and the same ASK query runs on each. Both answer alike; one takes tens of times longer. The pattern
inside NOT EXISTS is not reordered and its joins have no keys (``oxigraph query --explain`` shows
``Join(HashBuildLeftProbeRight, keys = )`` under the Filter), so each outer row builds the cartesian product of
``?item ex:topic ?t`` and ``?practice a ex:Practice`` and probes it with every ``?practice ex:topic ?t`` until one
matches — how soon that happens is the insertion order. The same question written with MINUS takes milliseconds
in either order.

    python tools/repro/oxigraph_union_not_exists.py
"""

import random
import time

import pyoxigraph as ox

EX = "http://example.com/"
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ITEM, PRACTICE, TOPIC = (ox.NamedNode(EX + n) for n in ("Item", "Practice", "topic"))
QUERY = f"""PREFIX ex: <{EX}>
ASK {{
  ?item a ex:Item ; ex:topic ?topic .
  FILTER NOT EXISTS {{ ?item ex:topic ?t . ?practice a ex:Practice ; ex:topic ?t }}
}}"""
# The same question with MINUS (equivalent here: ?item is always bound), whose pattern the optimizer does reorder.
MINUS = QUERY.replace("FILTER NOT EXISTS", "MINUS")


def triples(items: int = 150, practices: int = 120, topics: int = 40, seed: int = 1) -> list[ox.Quad]:
    """Items with 2-3 topics each; practices with 1-2 topics each; one popular topic that every item and only the
    first-inserted practice addresses, so NOT EXISTS fails for every item (the answer is false)."""
    rng = random.Random(seed)
    node = lambda kind, i: ox.NamedNode(f"{EX}{kind}/{i}")  # noqa: E731
    quads = []
    for p in range(practices):
        quads.append(ox.Quad(node("practice", p), TYPE, PRACTICE))
        for t in rng.sample(range(1, topics), rng.randint(1, 2)):
            quads.append(ox.Quad(node("practice", p), TOPIC, node("topic", t)))
    quads.append(ox.Quad(node("practice", 0), TOPIC, node("topic", 0)))
    for i in range(items):
        quads.append(ox.Quad(node("item", i), TYPE, ITEM))
        for t in [0, *rng.sample(range(1, topics), rng.randint(1, 2))]:
            quads.append(ox.Quad(node("item", i), TOPIC, node("topic", t)))
    return quads


def timed(store: ox.Store, query: str = QUERY) -> tuple[bool, float]:
    started = time.perf_counter()
    answer = bool(store.query(query))
    return answer, time.perf_counter() - started


def main() -> None:
    data = triples()
    print(f"pyoxigraph {ox.__version__}, {len(data)} triples")
    for name, order in (("inserted in order", data), ("inserted in reverse order", data[::-1])):
        store = ox.Store()
        store.bulk_extend(order)
        for form, query in (("FILTER NOT EXISTS", QUERY), ("MINUS", MINUS)):
            answer, seconds = timed(store, query)
            print(f"{name:26s} {form:17s} ASK -> {answer}  {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
