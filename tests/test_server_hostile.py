"""`zhen serve` against hostile requests and neighbours (issue 31): each test names the item
it closes and fails on the code before the fix. Servers listen on 127.0.0.1 only, every loop
is bounded in count and time, and a server started here is stopped by the process it is."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FakeTranslator
from fastapi.testclient import TestClient
from test_server import wait_done

from pipeline.cli import main
from pipeline.errors import UsageError
from pipeline.server import ServerConfig, create_app, serving

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "hostile-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LOCAL = "http://127.0.0.1"
RELEASE = "公安部召开新闻发布会。\n截至2019年11月，共破获电信网络诈骗案件9.4万起。\n记者：请介绍一下情况。\n"


def _app(data: Path, **kw: Any) -> Any:
    return create_app(FakeTranslator(), ServerConfig(data_dir=data, token=TOKEN, **kw))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(_app(tmp_path / "data"), base_url=LOCAL) as c:
        yield c


def _job(client: TestClient, text: str = RELEASE) -> dict[str, Any]:
    r = client.post("/api/jobs", json={"text": text}, headers=AUTH)
    assert r.status_code == 202, r.text
    return wait_done(client, r.json()["id"])


# ---------------------------------------------------------------------------- item 3


def test_item03_a_second_server_on_one_data_folder_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with TestClient(_app(data), base_url=LOCAL) as first:
        assert first.get("/api/jobs").status_code == 200
        second = TestClient(_app(data), base_url=LOCAL)
        with pytest.raises(UsageError, match="another zhen serve is using this data folder"), second:
            pass
        # `zhen serve` says so in one line, before it loads any model
        r = CliRunner().invoke(main, ["serve", "--data-dir", str(data), "--model", str(tmp_path / "no-model"),
                                      "--port", "0"])
        assert r.exit_code == 2 and "another zhen serve" in r.output and "Traceback" not in r.output, r.output
    with TestClient(_app(data), base_url=LOCAL) as again:  # the first has stopped: its lock went with it
        assert again.get("/api/jobs").status_code == 200


def test_item03_concurrent_edits_of_one_job_are_all_kept(tmp_path: Path) -> None:
    text = "".join(f"公安部通报第{i + 1}起案件。\n" for i in range(18))
    with serving(_app(tmp_path / "data")) as url:
        import httpx

        with httpx.Client(base_url=url, headers=AUTH, timeout=60) as http:
            job_id = http.post("/api/jobs", json={"text": text}).json()["id"]
            for _ in range(2400):  # bounded wait
                job = http.get(f"/api/jobs/{job_id}").json()
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.05)
            segs = [s["id"] for s in http.get(f"/api/jobs/{job_id}").json()["segments"] if s["target"]]
            assert len(segs) == 18
            answers: list[int] = []

            def edit(sid: str) -> None:
                with httpx.Client(base_url=url, headers=AUTH, timeout=60) as own:
                    r = own.put(f"/api/jobs/{job_id}/segments/{sid}", json={"target": f"Edited {sid}."})
                    answers.append(r.status_code)

            threads = [threading.Thread(target=edit, args=(sid,)) for sid in segs]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
            assert answers == [200] * 18
            after = {s["id"]: s["target"] for s in http.get(f"/api/jobs/{job_id}").json()["segments"]}
            assert all(after[sid] == f"Edited {sid}." for sid in segs)  # none lost


# ---------------------------------------------------------------------------- item 8


def test_item08_a_lone_surrogate_is_not_a_500(client: TestClient) -> None:
    body = json.dumps({"text": "公安部\ud800召开新闻发布会。"})  # JSON may escape a lone surrogate
    r = client.post("/api/translate", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    seg = r.json()["segments"][0]
    assert "\ufffd" in seg["text"] and "召开新闻发布会" in seg["text"]
    r = client.post("/api/jobs", content=json.dumps({"text": "记者\udfff：请介绍。\n", "name": "名\ud800字"}),
                    headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 202 and wait_done(client, r.json()["id"])["status"] == "done"


# ---------------------------------------------------------------------------- item 10


def test_item10_a_glossary_deleted_while_the_server_runs(client: TestClient, tmp_path: Path) -> None:
    gfile = tmp_path / "data" / "glossary.tsv"
    assert client.post("/api/glossary", json={"zh": "夏安行动", "en": "Operation Summer Peace",
                                                  "source": "convention: the operation's name"},
                       headers=AUTH).status_code == 200
    terms = client.get("/api/glossary", headers=AUTH).json()["terms"]
    gfile.unlink()
    r = client.get("/api/glossary", headers=AUTH)
    assert r.status_code == 200 and r.json()["terms"] == terms  # none lost that the server had read
    assert client.post("/api/translate", json={"text": "公安部部署夏安行动。"}, headers=AUTH).status_code == 200
    assert _job(client)["status"] == "done"
    gfile.unlink()
    assert client.get("/api/glossary/lint", headers=AUTH).status_code == 200
    gfile.unlink()
    assert client.post("/api/glossary", json={"zh": "云剑", "en": "Cloud Sword"}, headers=AUTH).status_code == 200
    after = {t["zh"] for t in client.get("/api/glossary", headers=AUTH).json()["terms"]}
    assert after == {t["zh"] for t in terms} | {"云剑"}


# ---------------------------------------------------------------------------- item 14


def test_item14_errors_carry_no_server_paths_and_glossary_reads_need_the_token(client: TestClient,
                                                                              tmp_path: Path) -> None:
    for path in ("/api/glossary", "/api/glossary/lint", "/api/glossary/export"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=AUTH).status_code == 200, path
    gfile = tmp_path / "data" / "glossary.tsv"
    gfile.write_bytes(b"zh\ten\n\xff\xfe broken\n")  # not UTF-8: the glossary cannot be read
    for r in (client.get("/api/glossary", headers=AUTH),
              client.post("/api/translate", json={"text": "公安部召开会议。"}, headers=AUTH),
              client.post("/api/glossary", json={"zh": "云剑", "en": "Cloud Sword"}, headers=AUTH)):
        assert r.status_code in (400, 422) and "glossary.tsv" in r.json()["error"], r.text
        assert str(tmp_path) not in r.text and "/tmp" not in r.text, r.text
    job = _job(client)
    assert job["status"] == "failed" and "glossary.tsv" in job["error"] and str(tmp_path) not in job["error"]
    assert str(tmp_path) not in client.get("/api/jobs").text


# ---------------------------------------------------------------------------- item 18


def test_item18_a_term_with_a_slash_can_be_removed(client: TestClient) -> None:
    for zh in ("公安部/国家移民管理局", "110/119"):
        r = client.post("/api/glossary", json={"zh": zh, "en": "a term with a slash", "source": "convention: test"},
                        headers=AUTH)
        assert r.status_code == 200 and r.json()["result"] == "added", r.text
    r = client.delete("/api/glossary/公安部/国家移民管理局", headers=AUTH)
    assert r.status_code == 200 and [t["zh"] for t in r.json()["removed"]] == ["公安部/国家移民管理局"]
    r = client.delete("/api/glossary/110%2F119", headers=AUTH)  # a client that escapes the slash
    assert r.status_code == 200 and [t["zh"] for t in r.json()["removed"]] == ["110/119"]
    found = {t["zh"] for t in client.get("/api/glossary", headers=AUTH).json()["terms"]}
    assert not found & {"公安部/国家移民管理局", "110/119"}
    assert client.delete("/api/glossary/公安部/国家移民管理局", headers=AUTH).status_code == 404


# ---------------------------------------------------------------------------- item 19


def _break_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home-is-a-file"
    home.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ZHEN_HOME", str(home))


def test_item19_an_approval_a_broken_memory_cannot_keep_says_so(client: TestClient, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    job = _job(client)
    _break_memory(tmp_path, monkeypatch)
    r = client.post(f"/api/jobs/{job['id']}/approve", json={}, headers=AUTH)
    assert r.status_code == 200
    warnings = r.json()["warnings"]
    assert len(warnings) == 1 and "not remembered" in warnings[0] and "translation memory unavailable" in warnings[0]
    assert str(tmp_path) not in r.text  # the memory's path stays in the log
    segs = client.get(f"/api/jobs/{job['id']}").json()["segments"]
    assert all("approved" in s["flags"] for s in segs if s["target"])  # the approval itself holds


def test_item19_the_page_shows_that_the_approval_was_not_remembered(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import expect, sync_playwright
    from test_server_browser import CHROMIUM_FLAGS, _chromium

    exe = _chromium()
    with serving(_app(tmp_path / "data")) as url:
        import httpx

        job_id = httpx.post(f"{url}/api/jobs", json={"text": RELEASE}, headers=AUTH, timeout=60).json()["id"]
        for _ in range(2400):  # bounded wait
            if httpx.get(f"{url}/api/jobs/{job_id}", timeout=60).json()["status"] == "done":
                break
            time.sleep(0.05)
        _break_memory(tmp_path, monkeypatch)
        expect.set_options(timeout=60_000)  # a bound for a slow machine
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)
            try:
                page = browser.new_page()
                page.goto(f"{url}/#token={TOKEN}")
                page.goto(f"{url}/#job={job_id}")
                page.click("#approve-all")
                expect(page.locator("#status")).to_contain_text("not remembered")
                expect(page.locator("#status")).to_have_class("bad")
            finally:
                browser.close()


# ---------------------------------------------------------------------------- item 12

_SERVER = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from conftest import FakeTranslator
from pipeline.server import ServerConfig, create_app, serving
app = create_app(FakeTranslator(), ServerConfig(data_dir=Path(sys.argv[1]), token="t"))
with serving(app) as url:
    print(url, flush=True)
    sys.stdin.read()  # until the test closes our standard input
"""


def _get(port: int, path: str = "/api/jobs", timeout: float = 15.0) -> bytes:
    """One plain HTTP/1.1 GET on a new connection; the whole answer (bounded by `timeout` per read)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return data


def test_item12_many_idle_sockets_and_a_request_still_gets_an_answer(tmp_path: Path) -> None:
    """300 idle connections against a server that may hold 256 file descriptors (the attack's
    numbers): the server keeps within its cap by closing the longest-idle, and answers."""
    import resource

    def few_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    proc = subprocess.Popen([sys.executable, "-c", _SERVER.format(tests=str(ROOT / "tests")), str(tmp_path / "d")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=few_descriptors)
    idle: list[socket.socket] = []
    try:
        assert proc.stdout is not None and proc.stdin is not None
        ready, _, _ = select.select([proc.stdout], [], [], 120)  # bounded: the server prints its URL
        assert ready, "the server did not start"
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
        assert _get(port).startswith(b"HTTP/1.1 200")
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        answer = _get(port)
        assert answer.startswith(b"HTTP/1.1 200") and b'"jobs"' in answer
        # and a request that has sent half its headers is not one the server waits on for ever
        half = socket.create_connection(("127.0.0.1", port), timeout=30)
        idle.append(half)
        half.sendall(b"GET /api/jobs HTTP/1.1\r\nHost: 127.")
        assert half.recv(1024) == b""  # closed by the server (at its header deadline at the latest)
        assert proc.poll() is None  # still serving
    finally:
        for s in idle:
            s.close()
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()  # this test's own child, by its process
            proc.wait(timeout=30)


def test_item12_headers_sent_a_byte_at_a_time_meet_a_deadline(tmp_path: Path) -> None:
    with serving(_app(tmp_path / "data"), header_timeout=1.0) as url:
        port = int(url.rsplit(":", 1)[1])
        request = b"GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"x" * 200
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            sent = 0
            try:
                for i in range(len(request)):  # 0.1 s a byte: about 20 s if never cut off
                    s.sendall(request[i : i + 1])
                    sent += 1
                    time.sleep(0.1)
                    if select.select([s], [], [], 0)[0] and s.recv(1024) == b"":
                        break
            except OSError:
                pass  # reset by the server
        assert sent < len(request)  # cut off before the headers were whole
        # a keep-alive connection left idle after its answer is closed too
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(b"GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
            assert data.startswith(b"HTTP/1.1 200")


def test_item03_the_lock_is_the_data_folders(tmp_path: Path) -> None:
    from pipeline.server.jobs import claim_data_dir

    lock = claim_data_dir(tmp_path / "d")
    try:
        with pytest.raises(UsageError, match="another zhen serve"):
            claim_data_dir(tmp_path / "d")
        claim_data_dir(tmp_path / "other").release()  # another folder is another server's
    finally:
        lock.release()
    claim_data_dir(tmp_path / "d").release()
