from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from shared_data import require

from pipeline.records import ModelRef, Translation

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "cloud-sword-2019-12-25.txt"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_shared(*paths): reads these files of ../shared; a quality gate "
                            "that skips where they are absent, and fails under CI, which must have them")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs_shared"):
        require(mark.args)


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_raw() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny import build_tiny_marian

    return build_tiny_marian(tmp_path_factory.mktemp("models") / "tiny-marian", beams=2)


class FakeTranslator:
    """A deterministic stand-in for a model: tags each input, so results can be checked exactly."""

    engine = "fake"

    def __init__(self, table: dict[str, str] | None = None) -> None:
        self.model = ModelRef(id="fake", path=Path("."), revision="fake-1", origin="folder")
        self.table = table or {}
        self.calls: list[list[str]] = []

    def settings(self) -> dict[str, Any]:
        return {"num_beams": 1}

    def count_tokens(self, text: str) -> int:
        return len(text) + 1

    def translate(self, texts: Sequence[str], progress: Any = None) -> list[Translation]:
        self.calls.append(list(texts))
        if progress:
            progress(len(texts))
        return [Translation(self.table.get(t, f"EN<{t}>")) for t in texts]


@pytest.fixture
def fake_translator() -> FakeTranslator:
    return FakeTranslator()


@pytest.fixture(autouse=True)
def _private_zhen_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests never touch the user's model store or translation memory."""
    home = tmp_path_factory.mktemp("zhen-home")
    monkeypatch.setenv("ZHEN_HOME", str(home))
    return home
