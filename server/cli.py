"""The ``migkg`` command: build, check, query, serve, stats, partner, release, backup, restore. Each command is a few
lines over the package."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from server import media
from server.settings import Settings

if TYPE_CHECKING:
    from server.partners.registry import Partner


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_build(settings: Settings, args: argparse.Namespace, *, publish: bool = True) -> int:
    from server.pipeline import build
    from server.pipeline.errors import BuildError

    started = time.perf_counter()
    try:
        result = build.run(settings, publish_release=publish, progress=_say)
    except BuildError as e:
        _say(f"\nFAILED in step '{e.step}'; nothing was published (the current release is unchanged):")
        for problem in e.problems:
            _say(f"  {problem}")
        return 1
    except OSError as e:  # a full disk, a file-size limit, a read-only build directory
        _say(f"\nFAILED writing the build's files: {e}; nothing was published (the current release is unchanged)")
        return 1
    total = time.perf_counter() - started
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
    _say(
        f"\n{'built' if publish else 'checked'}: {len(result.quads)} quads, {result.excerpts} excerpts "
        f"from {result.curated_files} curated file(s), 0 violations, {len(result.findings)} warning(s)"
    )
    if result.findings:
        from server.pipeline import validate

        _say(validate.format_report(result.findings))
    _say(f"total {total:.2f} s ({steps})")
    if result.release:
        _say(f"release: {result.release}")
    if publish and result.release and settings.store == "remote":
        return publish_remote(settings, Path(result.release))
    return 0


def publish_remote(settings: Settings, release_dir: Path) -> int:
    """Put the release into the SPARQL store of ``MIGKG_STORE_*``, graph by graph, and check the counts."""
    from server.release import Release
    from server.store.base import StoreError
    from server.store.remote import Endpoints, PublishError, Remote, publish, shown

    release, endpoints = Release.open(release_dir), Endpoints.of(settings)
    remote = Remote(endpoints)
    try:
        publish(remote, release.snapshot, release.metadata.graphs, settings.base_iri, progress=_say)
    except (PublishError, StoreError) as e:
        _say(f"\nFAILED publishing release {release.id} into the store: {e}")
        return 1
    finally:
        remote.close()
    _say(f"published into {shown(endpoints.query)}: {len(release.metadata.graphs)} graphs, counts verified")
    return 0


def cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    from server.release import NoReleaseError, open_current
    from server.store.base import Store, StoreError
    from server.store.embedded import EmbeddedStore
    from server.store.remote import Endpoints, RemoteStore

    text = sys.stdin.read() if args.file in (None, "-") else Path(args.file).read_text(encoding="utf-8")
    accept = media.accept_for_format(args.format) if args.format else None
    if args.format and accept is None:
        _say(f"unknown format {args.format!r}; use one of: {', '.join(f.suffix for f in media.FORMATS)}")
        return 2
    try:
        release = open_current(settings.current_release)
        store: Store = (
            RemoteStore(Endpoints.of(settings), release.metadata.graphs, settings.partner_graphs_dir)
            if settings.store == "remote"
            else EmbeddedStore(release.snapshot, settings.partner_graphs_dir)
        )
        outcome = store.query(text, accept=accept, base_iri=settings.base_iri)
    except (NoReleaseError, StoreError) as e:
        _say(f"error: {e}")
        return 1
    sys.stdout.buffer.write(outcome.body)
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.release import NoReleaseError
    from server.web.app import create_app
    from server.web.connections import uvicorn_config

    settings = settings.model_copy(update={"host": args.host or settings.host, "port": args.port or settings.port})
    try:
        app = create_app(settings)
    except NoReleaseError as e:
        _say(f"error: {e}")
        return 1
    if app.state.service.release_problem is not None:
        _say(f"error: {app.state.service.release_problem}")
    _say(f"serving http://{settings.host}:{settings.port}/sparql (release {app.state.service.release_id})")
    server = uvicorn.Server(uvicorn_config(app, settings, log_level=args.log_level))
    server.run()
    return 0 if server.started else 3  # uvicorn's own exit status when it cannot start (a port in use)


def cmd_release(settings: Settings, args: argparse.Namespace) -> int:
    """``migkg release list|switch ID|rollback`` (``use`` is ``switch``): the releases kept under build/releases,
    and switching ``current`` to one, which a running ``migkg serve`` follows (``server.web.switching``)."""
    from server import release as releases

    current = settings.current_release
    now = releases.current_name(current)
    before = releases.previous(releases.served_history(current), now)
    if args.action == "list":
        for kept in releases.intact_releases(settings.releases_dir):
            mark = "*" if kept.path.name == now else "^" if kept.path.name == before else " "
            print(
                f"{mark} {kept.id}  created {kept.metadata.created}  sha256:{kept.content_hash[:16]}  "
                f"{kept.metadata.triples} triples in {len(kept.metadata.graphs)} graphs"
            )
        return 0
    target = args.id if args.action in ("switch", "use") else before
    if target is None:
        _say("error: no release was served before this one; nothing to roll back to")
        return 1
    try:
        chosen = releases.check(settings.releases_dir / target)
    except releases.BrokenReleaseError as e:
        _say(f"error: release {target} is not usable: {e}")
        return 1
    releases.switch_current(current, chosen.path)
    pruned = releases.prune(current, settings.releases_dir, settings.release_keep)
    print(f"{current} now points to release {chosen.id} (was {now})")
    if pruned:
        print(f"pruned {len(pruned)} old release(s), keeping {settings.release_keep}: {', '.join(pruned)}")
    print(f"a running `migkg serve` switches to it within {settings.release_poll:g} s (MIGKG_RELEASE_POLL)")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from server import backup

    manifest = backup.create(settings, Path(args.archive))
    print(f"{args.archive}: {len(manifest.members)} files, each with its sha256 in {backup.MANIFEST}")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from server import backup

    try:
        manifest = backup.restore(Path(args.archive), settings)
    except backup.BackupError as e:
        _say(f"error: {e}")
        return 1
    where = f"{settings.state_dir} and {settings.build_dir}"
    print(f"restored {len(manifest.members)} files (every sha256 checked) into {where}")
    return 0


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    from server import stats
    from server.release import NoReleaseError, open_current

    try:
        release = open_current(settings.current_release)
    except NoReleaseError as e:
        _say(f"error: {e}")
        return 1
    print(f"release {release.id}: {release.metadata.triples} triples in {len(release.metadata.graphs)} graphs")
    print(stats.render(stats.compute(stats.load(release.snapshot), release.metadata.graphs)))
    return 0


def cmd_partner(settings: Settings, args: argparse.Namespace) -> int:
    """``migkg partner add|list|revoke``: the token is printed once, as the last line of ``add``'s output."""
    from server.partners.registry import Registry, RegistryError

    registry = Registry(settings.partners_file)
    try:
        if args.action == "add":
            partner, token = registry.add(args.agency, origins=tuple(args.origin or ()), name=args.name)
            print(f"partner {partner.agency} added ({partner.name}); it may write graphs under {partner.graphs}")
            print(f"origins allowed to write from a browser: {', '.join(partner.origins) or 'none'}")
            print(f"token id {partner.token_ids[0]}; the token follows, shown this once (only its hash is kept):")
            print(token)
        elif args.action == "revoke":
            partner = registry.revoke(args.agency)
            print(f"partner {partner.agency} revoked on {partner.revoked}; its graphs stay, read-only")
        else:
            print(_partner_table(registry.partners()))
    except RegistryError as e:
        _say(f"error: {e}")
        return 2
    return 0


def _partner_table(partners: list[Partner]) -> str:
    if not partners:
        return "no partners (add one with: migkg partner add AGENCY --origin https://… --name NAME)"
    rows = [("agency", "name", "status", "created", "token ids", "origins")]
    rows += [
        (
            p.agency,
            p.name,
            f"revoked {p.revoked}" if p.revoked else "active",
            p.created,
            " ".join(p.token_ids) or "-",
            " ".join(p.origins) or "-",
        )
        for p in partners
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="migkg", description="Migration Governance Knowledge Graph")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="load, check quotes, reason, materialise, validate and publish a release")
    c = sub.add_parser("check", help="everything build does except publishing; a readable report")
    for cmd in (b, c):
        cmd.add_argument("--reasoner", choices=("pellet", "hermit"), help="override MIGKG_REASONER")
    q = sub.add_parser("query", help="run a SPARQL query against the current release")
    q.add_argument("file", nargs="?", help="a .rq file, or - / nothing for standard input")
    q.add_argument("-f", "--format", help="result format: json, xml, csv, tsv, ttl, nt, nq, trig, jsonld, rdf …")
    s = sub.add_parser("serve", help="serve the current release over HTTP")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug", "trace"))
    sub.add_parser("stats", help="triples per graph, instances per class and per source")
    pt = sub.add_parser("partner", help="partner agencies that may write their own graphs, and their tokens")
    actions = pt.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a partner; prints its bearer token once, as the last line")
    add.add_argument("agency", help="slug: lower-case letters, digits and hyphens (graph/partner/<agency>/…)")
    add.add_argument("--origin", action="append", help="a web origin (scheme://host[:port]) that may write (CORS)")
    add.add_argument("--name", help="display name (default: the agency slug)")
    actions.add_parser("list", help="partners, their status, token ids and origins (never a token)")
    revoke = actions.add_parser("revoke", help="revoke a partner and its tokens; its graphs stay, read-only")
    revoke.add_argument("agency")
    r = sub.add_parser("release", help="the releases kept under build/releases; switch build/current to one")
    release_actions = r.add_subparsers(dest="action", required=True)
    release_actions.add_parser("list", help="the intact releases, newest first (* current, ^ previous)")
    switch = release_actions.add_parser(
        "switch", aliases=["use"], help="point build/current at an intact release (checked first); servers follow"
    )
    switch.add_argument("id")
    release_actions.add_parser("rollback", help="switch back to the release served before the current one")
    bk = sub.add_parser("backup", help="partner data (graphs, registry, reports) and releases into one .tar.gz")
    bk.add_argument("archive")
    rs = sub.add_parser("restore", help="unpack a backup into an empty state and build directory, checksums checked")
    rs.add_argument("archive")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    if getattr(args, "reasoner", None):
        settings = settings.model_copy(update={"reasoner": args.reasoner})
    commands = {
        "build": cmd_build,
        "check": lambda s, a: cmd_build(s, a, publish=False),
        "query": cmd_query,
        "serve": cmd_serve,
        "stats": cmd_stats,
        "partner": cmd_partner,
        "release": cmd_release,
        "backup": cmd_backup,
        "restore": cmd_restore,
    }
    return commands[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
