"""What the timeline shows (``/timeline``, ``/api/timeline``): every event with a start or end date, at the
precision the source gives: a year (xsd:gYear) spans the year, a month (xsd:gYearMonth) the month, a date the day;
nothing finer is invented. ``?focus=<IRI>`` keeps the events related to one entity; the reason for each is listed.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from server import prefixes
from server.web.deps import Queries, Row
from server.web.i18n import N_
from server.web.labels import iri_ref, iri_values, names
from server.web.rendering import local_path

_HEAD = prefixes.sparql_header(("mig",))

# How an event relates to an agent (the focus, one of its sub-organisations, or a government body of a country).
AGENT_ROLES = ("organisedBy", "hostedBy", "chairedBy", "coChairedBy", "collaborator", "supportedBy", "participant",
               "convenedUnder")  # fmt: skip
PLACE_ROLES = ("heldIn", "participantsFrom")
# Event classes, most specific first: an event's kind is the first of these it has.
KINDS = ("Summit", "Forum", "Conference", "Workshop", "Seminar", "Course", "Meeting", "Session", "Event")
PRECISIONS = {N_("year"): 0, N_("month"): 1, N_("day"): 2}
_LEXICAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:Z|[+-]\d{2}:\d{2})?$")


def dates_query(focus_iri: str | None = None) -> str:
    """Every dated event (``?which`` is start or end), or those related to ``focus_iri`` (``?p`` says how,
    ``?via`` through which sub-organisation, government body or place)."""
    related = ""
    if focus_iri is not None:
        f = iri_ref(focus_iri)
        agents = " ".join(f"mig:{p}" for p in AGENT_ROLES)
        places = " ".join(f"mig:{p}" for p in PLACE_ROLES)
        related = (
            f"{{ VALUES ?p {{ {agents} }} {{ ?e ?p {f} }} UNION {{ ?e ?p ?via . ?via mig:subOrganisationOf {f} }} "
            f"UNION {{ ?e ?p ?via . ?via mig:jurisdiction {f} }} }} "
            f"UNION {{ VALUES ?p {{ {places} }} {{ ?e ?p {f} }} UNION {{ ?e ?p ?via . ?via mig:locatedIn {f} }} }} "
            f"UNION {{ ?e mig:inSeries {f} BIND(mig:inSeries AS ?p) }} "
            f"UNION {{ ?e mig:sessionOf {f} BIND(mig:sessionOf AS ?p) }} "
            f"UNION {{ {f} mig:sessionOf ?e BIND(mig:hasSession AS ?p) }} "
            f"UNION {{ {f} mig:presentedAt ?e BIND(mig:presentation AS ?p) }} "
            f"UNION {{ {f} mig:adoptedAt ?e BIND(mig:adopted AS ?p) }} "
            f"UNION {{ BIND({f} AS ?e) }} "
        )
    return _HEAD + (
        "SELECT DISTINCT ?e ?which ?d ?p ?via WHERE { "
        f"{related}"
        "?e a mig:Event . "
        "{ ?e mig:startDate ?d BIND('start' AS ?which) } UNION { ?e mig:endDate ?d BIND('end' AS ?which) } }"
    )


def context_query(events: Iterable[str]) -> str:
    """The class, series and parent event of each event."""
    return _HEAD + (
        f"SELECT ?e ?type ?series ?parent WHERE {{ VALUES ?e {{ {iri_values(events)} }} "
        "{ ?e a ?type } UNION { ?e mig:inSeries ?series } UNION { ?e mig:sessionOf ?parent } }"
    )


@dataclass(frozen=True, order=True)
class When:
    """A date at the precision its source gives, and the days it covers: [first, after)."""

    first: date
    after: date
    value: str
    precision: str  # year, month, day


def parse_when(lexical: str) -> When | None:
    """A date at the precision given (year, month or day) as the interval it covers; None if unreadable.

    >>> parse_when("2006-11")
    When(first=datetime.date(2006, 11, 1), after=datetime.date(2006, 12, 1), value='2006-11', precision='month')
    >>> [as_text(w) for w in map(parse_when, ("2005", "2006-11", "2006-11-04")) if w]
    ['2005', 'Nov 2006', '4 Nov 2006']
    >>> parse_when("2006-13") is None
    True
    """
    match = _LEXICAL.match(lexical.strip())
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        if month is None:
            return When(date(int(year), 1, 1), date(int(year) + 1, 1, 1), lexical, "year")
        if day is None:
            first = date(int(year), int(month), 1)
            after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return When(first, after, lexical, "month")
        first = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return When(first, first + timedelta(days=1), lexical, "day")


def as_text(when: When) -> str:
    if when.precision == "year":
        return str(when.first.year)
    if when.precision == "month":
        return f"{calendar.month_abbr[when.first.month]} {when.first.year}"
    return f"{when.first.day} {calendar.month_abbr[when.first.month]} {when.first.year}"


def most_precise(values: Iterable[When], latest: bool = False) -> When | None:
    """The most precise value; among equals the earliest (or the latest, for an end)."""
    ranked = sorted(values, key=lambda w: (PRECISIONS[w.precision], w.after if latest else -w.first.toordinal()))
    return ranked[-1] if ranked else None


@dataclass
class Item:
    iri: str
    start: When
    end: When | None
    also: list[str]
    kind: str = prefixes.MIG + "Event"
    series: list[str] = field(default_factory=list)
    parent: str | None = None
    reasons: set[tuple[str, str]] = field(default_factory=set)  # (property, via) ; via "" when direct

    @property
    def until(self) -> date:
        return max(self.start.after, self.end.after) if self.end else self.start.after

    @property
    def text(self) -> str:
        if self.end is None or self.end == self.start:
            return as_text(self.start)
        return f"{as_text(self.start)} – {as_text(self.end)}"


def items(date_rows: Sequence[Row]) -> list[Item]:
    """One item per event from the rows of ``dates_query``, in chronological order. An event the sources
    date differently keeps its most precise start and end; the other values are listed in ``also``."""
    starts: dict[str, set[When]] = {}
    ends: dict[str, set[When]] = {}
    reasons: dict[str, set[tuple[str, str]]] = {}
    for row in date_rows:
        event = row["e"]["value"]
        when = parse_when(row["d"]["value"])
        if when is not None:
            (starts if row["which"]["value"] == "start" else ends).setdefault(event, set()).add(when)
        reason = reasons.setdefault(event, set())
        if "p" in row:
            reason.add((row["p"]["value"], row.get("via", {}).get("value", "")))
    result = []
    for event in starts.keys() | ends.keys():
        start = most_precise(starts.get(event, ())) or most_precise(ends.get(event, ()), latest=True)
        end = most_precise(ends.get(event, ()), latest=True)
        assert start is not None
        given = {w.value for w in starts.get(event, set()) | ends.get(event, set())}
        also = sorted(given - {start.value} - ({end.value} if end else set()))
        result.append(Item(event, start, end, also, reasons=reasons.get(event, set())))
    return sorted(result, key=lambda i: (i.start.first, i.until, i.iri))


def add_context(timeline: Sequence[Item], context_rows: Iterable[Row]) -> None:
    """Sets each item's kind (its most specific event class), series and parent event."""
    by_iri = {item.iri: item for item in timeline}
    classes: dict[str, set[str]] = {}
    for row in context_rows:
        item = by_iri[row["e"]["value"]]
        if "type" in row:
            classes.setdefault(item.iri, set()).add(row["type"]["value"])
        if "series" in row and row["series"]["value"] not in item.series:
            item.series.append(row["series"]["value"])
        if "parent" in row:
            item.parent = row["parent"]["value"]
    for item in timeline:
        have = classes.get(item.iri, set())
        item.kind = next((prefixes.MIG + k for k in KINDS if prefixes.MIG + k in have), prefixes.MIG + "Event")
        item.series.sort()


def iris_to_label(timeline: Iterable[Item]) -> set[str]:
    iris: set[str] = set()
    for item in timeline:
        iris.update([item.iri, item.kind, *item.series])
        iris.update(i for i in (item.parent,) if i)
        for prop, via in item.reasons:
            iris.update(i for i in (prop, via) if i)
    return iris


def as_json(timeline: Sequence[Item], labels: Mapping[str, str], base: str) -> list[dict[str, Any]]:
    def ref(iri: str) -> dict[str, str]:
        return {"iri": iri, "page": local_path(iri, base), "label": labels.get(iri, iri)}

    def when(w: When | None) -> dict[str, str] | None:
        return None if w is None else {"value": w.value, "precision": w.precision, "text": as_text(w)}

    return [
        {
            **ref(item.iri),
            "kind": ref(item.kind),
            "series": [ref(s) for s in item.series],
            "part_of": ref(item.parent) if item.parent else None,
            "start": when(item.start),
            "end": when(item.end),
            "text": item.text,
            "also_given": item.also,
            "from": item.start.first.isoformat(),
            "until": item.until.isoformat(),
            "related_by": [{"relation": ref(p), "via": ref(v) if v else None} for p, v in sorted(item.reasons)],
        }
        for item in timeline
    ]


async def timeline_data(queries: Queries, focus_iri: str | None, languages: Sequence[str]) -> list[dict[str, Any]]:
    """Every dated event (related to ``focus_iri`` when given) as JSON, in chronological order."""
    timeline = items(await queries.rows(dates_query(focus_iri)))
    if timeline:
        add_context(timeline, await queries.rows(context_query(i.iri for i in timeline)))
    labels = await names(queries, iris_to_label(timeline), languages)
    return as_json(timeline, labels, queries.service.base_iri)
