"""Where ../shared lies: beside the repository, on a developer's machine as in CI (which lays a copy
beside its clone). Tests read it there and never copy its text; a test that reads it carries
`@pytest.mark.needs_shared(PATH)` (tests/conftest.py), which skips locally and fails under CI."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
WMT18 = SHARED / "eval" / "wmt18-zh-en.tsv"
PAGES_DEV = SHARED / "pages-dev"


def require(paths: Iterable[Path | str], env: Mapping[str, str] = os.environ) -> None:
    """Skip the test when a path of ../shared is absent, or fail it under CI (`CI=true`), which
    lays shared/ beside its clone: a quality gate must not pass there by skipping."""
    missing = [str(p) for p in map(Path, paths) if not p.exists()]
    if not missing:
        return
    if env.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{', '.join(missing)} missing: CI must have ../shared beside the clone", pytrace=False)
    pytest.skip(f"{', '.join(missing)} is not here (CI has it)")
