"""`zhen serve` on the command line: the model loaded once, the token printed, loopback by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from conftest import FakeTranslator
from fastapi.testclient import TestClient

import pipeline.server
from pipeline.cli import main


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {"loads": 0}

    def load(_options: Any) -> FakeTranslator:
        seen["loads"] += 1
        return FakeTranslator()

    def run(app: Any, host: str, port: int, **kw: Any) -> None:
        seen.update(app=app, host=host, port=port, kw=kw)

    monkeypatch.setattr(pipeline.server, "load_translator", load)
    monkeypatch.setattr(uvicorn, "run", run)
    return seen


def test_serve_prints_a_generated_token_and_binds_loopback(served: dict[str, Any], tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path), "--port", "8123"])
    assert res.exit_code == 0, res.output
    token = next(ln.split(": ", 1)[1] for ln in res.output.splitlines() if ln.startswith("token: "))
    assert len(token) >= 24 and served["loads"] == 1
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)
    from pipeline.server.connections import GuardedH11

    # issue 31 item 12: the connections `zhen serve` takes have a header deadline and a cap
    assert issubclass(served["kw"]["http"], GuardedH11) and served["kw"]["timeout_keep_alive"] == 5
    with TestClient(served["app"], base_url="http://127.0.0.1") as c:
        assert c.post("/api/jobs", json={"text": "公安部。"}).status_code == 401
        r = c.post("/api/jobs", json={"text": "公安部。"}, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 202
    assert (tmp_path / "glossary.tsv").exists()  # the server's own copy of the term base


def test_serve_takes_the_token_from_zhen_token(served: dict[str, Any], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHEN_TOKEN", "from-the-environment")
    res = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path), "--host", "0.0.0.0"])
    assert res.exit_code == 0, res.output
    assert "token: from-the-environment" in res.output and "beyond loopback" in res.output
    with TestClient(served["app"], base_url="http://127.0.0.1") as c:
        assert c.get("/api/jobs").status_code == 401  # beyond loopback, reads need it too
        assert c.get("/api/jobs", headers={"Authorization": "Bearer from-the-environment"}).status_code == 200


def test_serve_allows_private_urls_only_when_told(served: dict[str, Any], tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0 and "allow-private-urls" not in res.output
    assert served["app"].state.config.allow_private_urls is False
    res = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path), "--allow-private-urls"])
    assert res.exit_code == 0, res.output
    assert served["app"].state.config.allow_private_urls is True and "private addresses" in res.output
