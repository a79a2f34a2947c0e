"""The house rules: one direction of dependency, Prefect only in tasks and flows, no pickle loading."""

import ast
from pathlib import Path

import pytest

from tests.package_layout import SOURCE_FOLDERS

ROOT = Path(__file__).resolve().parents[1]
OURS = set(SOURCE_FOLDERS)
# What each package may import from ours. The CLI sits on top; config and dataset I/O at the bottom.
ALLOWED = {
    "settings": set(),
    "corpus": set(),
    "versioning": set(),
    "governance": {"corpus", "settings"},
    "training": {"corpus", "settings"},
    "evaluation": {"training", "corpus", "settings"},
    "registry": {"training", "corpus", "settings"},
    "monitoring": {"governance", "corpus", "settings"},
    "serving": {"registry", "training", "governance", "corpus", "settings"},
    "tasks": OURS - {"flows", "longloop", "tasks"},
    "flows": {"tasks", "flows", "settings", "corpus"},
    "longloop": OURS - {"tasks"},
}
LIBRARIES = (
    "settings",
    "corpus",
    "versioning",
    "governance",
    "training",
    "evaluation",
    "registry",
    "serving",
    "monitoring",
)


def _package_of(module: str) -> str:
    """``longloop.governance.gate`` -> ``governance``; ``longloop.cli`` -> ``longloop``; ``prefect.x`` -> ``prefect``"""
    parts = module.split(".")
    if parts[0] == "longloop" and len(parts) > 1 and parts[1] in OURS:
        return parts[1]
    return parts[0]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {_package_of(a.name) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(_package_of(node.module))
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way(package):
    for path in (ROOT / package).rglob("*.py"):
        ours = (_imports(path) & OURS) - {package}
        assert ours <= ALLOWED[package], f"{path.relative_to(ROOT)} imports {sorted(ours - ALLOWED[package])}"


@pytest.mark.parametrize("package", LIBRARIES)
def test_libraries_do_not_import_prefect(package):
    for path in (ROOT / package).rglob("*.py"):
        assert "prefect" not in _imports(path), f"{path.relative_to(ROOT)} imports prefect"


def test_every_import_of_ours_is_under_the_longloop_namespace():
    """Nothing generic goes into site-packages: our code imports itself as ``longloop.<package>``."""
    for package in OURS:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                mods = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module]
                    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                    else []
                )
                bare = [m for m in mods if m.split(".")[0] in OURS - {"longloop"}]
                assert not bare, f"{path.relative_to(ROOT)} imports {bare} outside the longloop namespace"


def test_no_pickle_loading_anywhere():
    for package in OURS:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            for bad in ("import pickle", "pickle.load", "torch.load(", "joblib.load", "cloudpickle"):
                assert bad not in text, f"{path.relative_to(ROOT)} uses {bad}"
