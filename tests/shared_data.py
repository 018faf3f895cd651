"""Where ../shared lies: beside the repository, on a developer's machine as in CI (which lays a copy
beside its clone). Tests read it there and never copy its text; a test that reads it carries
`@pytest.mark.needs_shared(PATH)` (tests/conftest.py), which skips locally and fails under CI."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
WMT18 = SHARED / "eval" / "wmt18-zh-en.tsv"
PAGES_DEV = SHARED / "pages-dev"
