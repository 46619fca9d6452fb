"""DESIGN.md §6: web never imports pipeline, owlready2 or pyshacl; pipeline never imports fastapi; nothing
imports cli; owlready2 only in pipeline/reason.py and pyshacl only in pipeline/validate.py; the runtime package
never imports tools/ or tests/ (tools may import server); settings.py alone reads the environment. Of server.partners,
only gate and writer reach the pipeline, and web imports neither.

Inside web, two jobs: routers (modules under web/protocol/ and web/pages/ that define an APIRouter) hold routes
only and never import another router; shared web modules never import a router; the SPARQL service (protocol)
and the researcher's pages (pages, and views, what they show) never import each other; views never import
FastAPI or Starlette."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from server.settings import REPO_ROOT

PACKAGE = REPO_ROOT / "server"
MODULES = sorted(PACKAGE.rglob("*.py"))
TOOLS = sorted((REPO_ROOT / "tools").rglob("*.py"))
# The tests folders have no __init__.py: their helpers are imported by basename (``from browsing import …``).
TEST_MODULES = ("tests", *sorted({p.stem for p in (REPO_ROOT / "tests").rglob("*.py")}))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def offends(names: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


def rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts).removesuffix(".__init__")


def is_router(path: Path) -> bool:
    """A module of web/protocol/ or web/pages/ that makes an ``APIRouter``."""
    if path.parent.name not in ("protocol", "pages") or path.parent.parent != WEB:
        return False
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "APIRouter" for n in ast.walk(tree))


def route_handlers(tree: ast.Module) -> tuple[list[str], list[str]]:
    """The module's top-level functions: (route handlers, the others)."""
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]

    def registers(d: ast.expr) -> bool:  # @router.get(…), or @representations.negotiated(router, …) (one per type)
        if not isinstance(d, ast.Call):
            return False
        if getattr(d.func, "attr", "") in ("get", "post", "put", "delete"):
            return getattr(d.func.value, "id", "") == "router"
        return getattr(d.func, "attr", "") == "negotiated" and getattr(d.args[0], "id", "") == "router"

    def is_route(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        return any(registers(d) for d in node.decorator_list)

    return [f.name for f in functions if is_route(f)], [f.name for f in functions if not is_route(f)]


WEB = PACKAGE / "web"
WEB_MODULES = sorted(WEB.rglob("*.py"))
ROUTERS = [p for p in WEB_MODULES if is_router(p)]
ROUTER_NAMES = {module_name(p) for p in ROUTERS}
SHARED = [p for p in WEB_MODULES if p not in ROUTERS and p != WEB / "app.py"]
PROTOCOL = [p for p in WEB_MODULES if p.is_relative_to(WEB / "protocol")]
PAGES_AND_VIEWS = [p for p in WEB_MODULES if p.is_relative_to(WEB / "pages") or p.is_relative_to(WEB / "views")]


@pytest.mark.parametrize("path", [p for p in MODULES if "web" in p.relative_to(PACKAGE).parts], ids=rel)
def test_web_module_never_imports_pipeline_owlready2_or_pyshacl(path: Path) -> None:
    assert offends(imported(path), ("server.pipeline", "owlready2", "pyshacl")) == []


@pytest.mark.parametrize("path", [p for p in MODULES if "pipeline" in p.relative_to(PACKAGE).parts], ids=rel)
def test_pipeline_module_never_imports_fastapi_or_web(path: Path) -> None:
    assert offends(imported(path), ("fastapi", "starlette", "uvicorn", "server.web")) == []


@pytest.mark.parametrize("path", [p for p in MODULES if "federation" in p.relative_to(PACKAGE).parts], ids=rel)
def test_federation_module_never_imports_web_or_pipeline(path: Path) -> None:
    """Federation sits below the web layer (every backend gets it) and beside the store."""
    assert offends(imported(path), ("fastapi", "starlette", "server.web", "server.pipeline")) == []


@pytest.mark.parametrize("path", MODULES + TOOLS, ids=rel)
def test_no_module_imports_cli(path: Path) -> None:
    assert offends(imported(path), ("server.cli",)) == []


@pytest.mark.parametrize("path", MODULES, ids=rel)
def test_runtime_module_never_imports_tools_or_tests(path: Path) -> None:
    assert offends(imported(path), ("tools", *TEST_MODULES)) == []


@pytest.mark.parametrize("path", TOOLS, ids=rel)
def test_tools_module_never_imports_tests(path: Path) -> None:
    assert offends(imported(path), TEST_MODULES) == []


def reads_environment(path: Path) -> list[int]:
    """Lines that touch the process environment: ``os.environ``/``environb``, ``getenv``/``putenv``/``unsetenv``."""
    names = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.Attribute) and node.attr in names)
        or (isinstance(node, ast.Name) and node.id in names)
        or (isinstance(node, ast.alias) and node.name in names)
    )


@pytest.mark.parametrize("path", [p for p in MODULES if p != PACKAGE / "settings.py"], ids=rel)
def test_runtime_module_never_reads_the_environment(path: Path) -> None:
    """Settings (pydantic-settings, prefix MIGKG_) is the one reader; everything else is handed a Settings."""
    assert reads_environment(path) == []


@pytest.mark.parametrize(
    ("library", "allowed"), [("owlready2", "pipeline/reason.py"), ("pyshacl", "pipeline/validate.py")]
)
def test_reasoner_and_shacl_libraries_have_one_home(library: str, allowed: str) -> None:
    users = {str(p.relative_to(PACKAGE)) for p in MODULES if offends(imported(p), (library,))}
    assert users <= {allowed}


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if "partners" in p.relative_to(PACKAGE).parts and p.name not in ("gate.py", "writer.py")],
    ids=rel,
)
def test_partner_module_reaches_the_pipeline_only_through_gate_and_writer(path: Path) -> None:
    """What the web layer may import of server.partners never brings in pySHACL or owlready2."""
    assert offends(imported(path), ("server.pipeline", "server.partners.gate", "server.partners.writer")) == []


@pytest.mark.parametrize("path", [p for p in MODULES if "web" in p.relative_to(PACKAGE).parts], ids=rel)
def test_web_module_never_imports_the_partner_gate_or_writer(path: Path) -> None:
    assert offends(imported(path), ("server.partners.gate", "server.partners.writer")) == []


def test_test_modules_have_unique_basenames() -> None:
    """The tests folders have no __init__.py, so pytest imports modules by basename: two test_x.py in different
    folders collide at collection (and only when both are collected, as in the full run)."""
    from collections import Counter

    from server.settings import REPO_ROOT

    names = Counter(p.name for p in (REPO_ROOT / "tests").rglob("test_*.py"))
    assert [n for n, count in names.items() if count > 1] == []


def test_web_has_routers_for_both_jobs() -> None:
    jobs = {p.parent.name for p in ROUTERS}
    assert jobs == {"protocol", "pages"} and len(ROUTERS) >= 10
    assert (WEB / "app.py") not in SHARED and all(p in SHARED for p in WEB.glob("views/*.py"))


def test_app_mounts_every_router_module() -> None:
    from server.web import app

    mounted = {module.__name__ for module in (*app.PROTOCOL, *app.PAGES)}
    assert mounted == ROUTER_NAMES


@pytest.mark.parametrize("path", ROUTERS, ids=rel)
def test_router_never_imports_another_router(path: Path) -> None:
    assert sorted(imported(path) & (ROUTER_NAMES - {module_name(path)})) == []


@pytest.mark.parametrize("path", ROUTERS, ids=rel)
def test_router_module_holds_routes_only(path: Path) -> None:
    """Handlers parse, call and render; whatever else a page or the protocol needs lives in a module no router owns."""
    handlers, others = route_handlers(ast.parse(path.read_text(encoding="utf-8")))
    assert handlers != [] and others == []


@pytest.mark.parametrize("path", SHARED, ids=rel)
def test_shared_web_module_never_imports_a_router(path: Path) -> None:
    assert sorted(imported(path) & ROUTER_NAMES) == []


@pytest.mark.parametrize("path", PROTOCOL, ids=rel)
def test_protocol_module_never_imports_pages_or_views(path: Path) -> None:
    assert offends(imported(path), ("server.web.pages", "server.web.views")) == []


@pytest.mark.parametrize("path", PAGES_AND_VIEWS, ids=rel)
def test_page_or_view_module_never_imports_protocol(path: Path) -> None:
    assert offends(imported(path), ("server.web.protocol",)) == []


@pytest.mark.parametrize("path", sorted(WEB.glob("views/*.py")), ids=rel)
def test_view_module_never_imports_fastapi_or_starlette(path: Path) -> None:
    assert offends(imported(path), ("fastapi", "starlette")) == []
