"""The source folders of the project, read from pyproject.toml's package-dir mapping: the one list of them
the tests share (the layering, the no-pickle rule, the infra checks)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# folder -> its package: "governance" -> "longloop.governance", "longloop" -> "longloop"
PACKAGE_OF_FOLDER = {
    folder: package
    for package, folder in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ].items()
}
SOURCE_FOLDERS = tuple(sorted(PACKAGE_OF_FOLDER))
