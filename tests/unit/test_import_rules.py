"""DESIGN.md §6: web never imports pipeline, owlready2 or pyshacl; pipeline never imports fastapi; nothing
imports cli; owlready2 only in pipeline/reason.py and pyshacl only in pipeline/validate.py; the runtime package
never imports tools/ or tests/ (tools may import server); settings.py alone reads the environment. Of server.partners,
only gate and writer reach the pipeline, and web imports neither."""

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
