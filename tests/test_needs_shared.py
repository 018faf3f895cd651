"""Quality gates on ../shared (`needs_shared`): present data runs the test, absent data skips
it on a developer's machine and fails it under CI."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_data import require


def test_present_data_runs_the_test(tmp_path: Path) -> None:
    (tmp_path / "pairs.tsv").write_text("zh\ten\n", encoding="utf-8")
    require([tmp_path / "pairs.tsv"], env={"CI": "true"})  # neither skips nor fails


def test_absent_data_skips_locally(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception, match=r"pairs\.tsv is not here"):
        require([tmp_path / "pairs.tsv"], env={})


@pytest.mark.parametrize("ci", ["true", "1"])
def test_absent_data_fails_under_ci(tmp_path: Path, ci: str) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"pairs\.tsv missing: CI must have \.\./shared"):
        require([tmp_path / "pairs.tsv"], env={"CI": ci})


@pytest.mark.needs_shared(Path(__file__))
def test_the_marker_lets_a_test_with_its_data_run() -> None:
    assert Path(__file__).exists()
