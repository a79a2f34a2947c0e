"""Build a tree of links that lays the packages out as they are installed (``longloop/<package>``), for mypy.

The packages live at the repository's top level and are mapped into ``longloop.`` by setuptools' package-dir;
mypy does not follow that mapping, so it reads this tree instead. Usage: ``python typecheck_tree.py OUT``.
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(out: Path) -> None:
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    pkg = out / "longloop"
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    for module in (ROOT / mapping["longloop"]).glob("*.py"):
        (pkg / module.name).symlink_to(module)
    for name, folder in mapping.items():
        if name != "longloop":
            (pkg / name.split(".", 1)[1]).symlink_to(ROOT / folder, target_is_directory=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
