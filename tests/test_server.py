"""`zhen serve`'s JSON API through FastAPI's test client, with the deterministic FakeTranslator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeTranslator
from fastapi.testclient import TestClient

from pipeline.server import ServerConfig, create_app

TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LOCAL = "http://127.0.0.1"  # the server on loopback answers only for loopback host names
RELEASE = "公安部召开新闻发布会。\n截至2019年11月，共破获电信网络诈骗案件9.4万起。\n记者：请介绍一下情况。\n"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path / "data", token=TOKEN, max_body=64_000,
                                                    max_sync_chars=500))
    with TestClient(app, base_url=LOCAL) as c:  # the context runs the lifespan: the workers start and stop
        yield c


def wait_done(client: TestClient, job_id: str) -> dict[str, Any]:
    for _ in range(2400):  # a bound (2 min), not a timing assertion: the first job may load jieba
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never finished: {job}")


def submit(client: TestClient, text: str = RELEASE) -> dict[str, Any]:
    r = client.post("/api/jobs", json={"text": text, "name": "cloud sword"}, headers=AUTH)
    assert r.status_code == 202, r.text
    return wait_done(client, r.json()["id"])


def test_translate_returns_jsonl_segment_fields(client: TestClient) -> None:
    r = client.post("/api/translate", json={"text": "公安部召开新闻发布会。"}, headers=AUTH)
    assert r.status_code == 200, r.text
    segs = r.json()["segments"]
    assert len(segs) == 1
    seg = segs[0]
    for key in ("id", "block", "kind", "text", "norm", "target", "flags", "hits", "facts", "risk", "checks"):
        assert key in seg
    assert seg["type"] == "segment" and seg["text"] == "公安部召开新闻发布会。"
    # the glossary is enforced through the fake model: the term comes back in the glossary's English
    assert "Ministry of Public Security" in seg["target"]


def test_every_write_needs_the_token(client: TestClient) -> None:
    for method, path, body in (("post", "/api/translate", {"text": "你好。"}),
                               ("post", "/api/jobs", {"text": "你好。"}),
                               ("post", "/api/glossary", {"zh": "测试", "en": "test"})):
        r = getattr(client, method)(path, json=body)
        assert r.status_code == 401 and "token" in r.json()["error"]
        r = getattr(client, method)(path, json=body, headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401
    assert client.delete("/api/glossary/公安部").status_code == 401
    # reads on loopback need none
    assert client.get("/api/jobs").status_code == 200


def test_beyond_loopback_every_request_needs_the_token(tmp_path: Path) -> None:
    app = create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path, token=TOKEN, host="0.0.0.0"))
    with TestClient(app, base_url=LOCAL) as c:
        assert c.get("/api/jobs").status_code == 401
        assert c.get("/api/jobs", headers=AUTH).status_code == 200
        assert c.get("/").status_code == 200  # the page shell holds no data; its script sends the token


def test_loopback_server_refuses_other_host_names(client: TestClient) -> None:
    # a page elsewhere whose name was rebound to 127.0.0.1 sends its own Host
    r = client.get("/api/jobs", headers={"Host": "evil.example"})
    assert r.status_code == 421 and "loopback" in r.json()["error"]
    assert client.get("/api/jobs", headers={"Host": "localhost:8000"}).status_code == 200


def test_size_limits_answer_413(client: TestClient) -> None:
    r = client.post("/api/translate", json={"text": "公安部。" * 200}, headers=AUTH)
    assert r.status_code == 413 and "/api/jobs" in r.json()["error"]
    r = client.post("/api/jobs", json={"text": "公安部。" * 20_000}, headers=AUTH)
    assert r.status_code == 413 and "limit" in r.json()["error"]
    files = {"file": ("big.txt", "公安部。".encode() * 20_000, "text/plain")}
    assert client.post("/api/jobs", files=files, headers=AUTH).status_code == 413


def test_job_lifecycle_edit_rechecks_risk_then_approve(client: TestClient) -> None:
    job = submit(client)
    assert job["status"] == "done", job
    segs = {s["text"]: s for s in job["segments"]}
    fact = segs["截至2019年11月，共破获电信网络诈骗案件9.4万起。"]
    assert fact["target"].startswith("EN<")
    r = client.put(f"/api/jobs/{job['id']}/segments/{fact['id']}", json={"target": "  "}, headers=AUTH)
    assert r.status_code == 400 and "empty" in r.json()["error"]
    r = client.put(f"/api/jobs/{job['id']}/segments/{fact['id']}", json={"english": "x"}, headers=AUTH)
    assert r.status_code == 422 and "target" in r.json()["error"]
    # A wrong figure typed by the reviewer is caught by the same checks as the model's output.
    bad = "As of November 2019, 9.4 million telecom fraud cases were solved."
    r = client.put(f"/api/jobs/{job['id']}/segments/{fact['id']}", json={"target": bad}, headers=AUTH)
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["target"] == bad and "reviewed" in edited["flags"]
    assert edited["risk"] in ("check", "bad") and any(c["kind"].startswith("fact") for c in edited["checks"])
    assert client.post(f"/api/jobs/{job['id']}/approve", json={}, headers=AUTH).status_code == 200
    good = "As of November 2019, 94,000 telecom network fraud cases were solved."
    edited = client.put(f"/api/jobs/{job['id']}/segments/{fact['id']}", json={"target": good}, headers=AUTH).json()
    assert not any(c["kind"].startswith("fact") for c in edited["checks"])
    # edited after approval: to be approved again; reviewed once, however often edited
    assert "approved" not in edited["flags"] and edited["flags"].count("reviewed") == 1
    # the summary quotes the edit (it picks the release's key sentences by id)
    summary = client.get(f"/api/jobs/{job['id']}").json()["summary"]
    assert summary["type"] == "summary" and summary["sentences"]
    quoted = {p["id"]: p["en"] for p in summary["sentences"]}
    assert quoted[fact["id"]] == good  # s2, the figure, is one of the key sentences
    # the edit is in every output
    xliff = client.get(f"/api/jobs/{job['id']}/output/xliff")
    assert xliff.status_code == 200 and good in xliff.text
    assert good in client.get(f"/api/jobs/{job['id']}/output/txt").text
    # approve one, then all: the flags say so in the JSONL
    r = client.post(f"/api/jobs/{job['id']}/approve", json={"segments": [fact["id"]]}, headers=AUTH)
    assert r.json() == {"approved": [fact["id"]], "warnings": []}
    jsonl = client.get(f"/api/jobs/{job['id']}/output/jsonl").text
    assert '"approved"' in jsonl
    # the XLIFF says so as a CAT tool would: the approved unit signed off, its English the edit
    xliff = client.get(f"/api/jobs/{job['id']}/output/xliff").text
    assert f'state="signed-off">{good}</target>' in xliff
    assert client.post(f"/api/jobs/{job['id']}/approve", json={}, headers=AUTH).status_code == 200
    after = client.get(f"/api/jobs/{job['id']}").json()["segments"]
    assert all({"reviewed", "approved"} <= set(s["flags"]) for s in after if s["target"])
    # and the translation memory has learnt them: a later run anywhere keeps this English
    from pipeline.memory import TranslationMemory

    learnt = TranslationMemory().reviewed_get([s["norm"] for s in after if s["target"]])
    assert learnt[fact["norm"]][0] == good
    assert len(learnt) == len([s for s in after if s["target"]])


def test_upload_a_file(client: TestClient) -> None:
    files = {"file": ("release.txt", RELEASE.encode("gb18030"), "text/plain")}
    r = client.post("/api/jobs", files=files, headers=AUTH)
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["id"])
    assert job["status"] == "done" and job["name"] == "release.txt"
    assert any(s["text"] == "公安部召开新闻发布会。" for s in job["segments"])


def test_unknown_and_path_like_ids(client: TestClient) -> None:
    assert client.get("/api/jobs/0123456789abcdef").status_code == 404
    assert "no such job" in client.get("/api/jobs/0123456789abcdef").json()["error"]
    for bad in ("..", "..%2F..%2Fetc", "%2e%2e", "0123456789ABCDEF", "abc", "0123456789abcdef%0A"):
        r = client.get(f"/api/jobs/{bad}/output/jsonl")
        assert r.status_code in (400, 404), (bad, r.status_code)
        assert "root:" not in r.text
    r = client.get("/api/jobs/..")
    assert r.status_code in (400, 404)
    r = client.get("/api/jobs/0123456789abcdef%0A")  # a well-formed id and a newline
    assert r.status_code == 400 and "not a job id" in r.json()["error"]
    job = submit(client)
    assert client.get(f"/api/jobs/{job['id']}/output/..%2Finput").status_code == 404
    assert client.get(f"/api/jobs/{job['id']}/output/passwd").status_code == 404
    r = client.put(f"/api/jobs/{job['id']}/segments/s999", json={"target": "x"}, headers=AUTH)
    assert r.status_code == 404 and "s999" in r.json()["error"]
    assert client.delete("/api/jobs/..", headers=AUTH).status_code in (400, 404, 405)
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 401
    assert client.delete(f"/api/jobs/{job['id']}", headers=AUTH).json() == {"deleted": job["id"]}
    assert client.get(f"/api/jobs/{job['id']}").status_code == 404


def test_queue_full_answers_503(tmp_path: Path) -> None:
    app = create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path, token=TOKEN, queue_size=1))
    # no lifespan: no workers drain the queue, so the second job finds it full
    c = TestClient(app, base_url=LOCAL)
    assert c.post("/api/jobs", json={"text": RELEASE}, headers=AUTH).status_code == 202
    r = c.post("/api/jobs", json={"text": RELEASE}, headers=AUTH)
    assert r.status_code == 503 and r.headers["retry-after"] and "queue" in r.json()["error"]


def test_a_job_left_running_resumes_after_a_restart(tmp_path: Path) -> None:
    app = create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path, token=TOKEN))
    job_id = TestClient(app, base_url=LOCAL).post("/api/jobs", json={"text": RELEASE}, headers=AUTH).json()["id"]
    # the "killed" server never ran it; a new one picks it up from disk
    with TestClient(create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path, token=TOKEN)), base_url=LOCAL) as c:
        assert wait_done(c, job_id)["status"] == "done"


def test_glossary_search_add_remove(client: TestClient) -> None:
    found = client.get("/api/glossary", params={"q": "公安部"}, headers=AUTH).json()["terms"]
    assert any(t["zh"] == "公安部" for t in found)
    # the term base has 云剑 as Cloud Sword: the same English again changes nothing (empty fields keep
    # the entry's note and source), another English changes it and keeps them
    r = client.post("/api/glossary", json={"zh": "云剑", "en": "Cloud Sword", "kind": "campaign"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["result"] == "unchanged"
    r = client.post("/api/glossary", json={"zh": "云剑", "en": "Cloud Sword campaign", "kind": "campaign"},
                    headers=AUTH)
    assert r.status_code == 200 and r.json()["result"] == "changed"
    terms = client.get("/api/glossary", params={"q": "云剑"}, headers=AUTH).json()["terms"]
    now = next(t for t in terms if t["zh"] == "云剑")
    assert now["en"] == "Cloud Sword campaign" and now["note"].startswith("the operation's name")
    r = client.post("/api/glossary", json={"zh": "测试词", "en": "test term", "source": "convention: a test"},
                    headers=AUTH)
    assert r.json()["result"] == "added"
    found = client.get("/api/glossary", params={"q": "测试词"}, headers=AUTH).json()["terms"]
    assert [t["en"] for t in found] == ["test term"]
    # a new term is used by the next translation
    seg = client.post("/api/translate", json={"text": "这是测试词。"}, headers=AUTH).json()["segments"][0]
    assert "test term" in seg["target"]
    assert client.delete("/api/glossary/测试词", headers=AUTH).status_code == 200
    assert client.get("/api/glossary", params={"q": "测试词"}, headers=AUTH).json()["terms"] == []
    r = client.delete("/api/glossary/测试词", headers=AUTH)
    assert r.status_code == 404 and "测试词" in r.json()["error"]
    assert client.post("/api/glossary", json={"zh": "x", "en": "y", "kind": "nope"}, headers=AUTH).status_code == 422
    # lint: a term whose English drops the English of a term inside it is reported, by file name only
    client.post("/api/glossary", json={"zh": "公安部党委", "en": "Party committee", "source": "convention: a test"},
                headers=AUTH)
    findings = client.get("/api/glossary/lint", headers=AUTH).json()["findings"]
    mine = [f for f in findings if "公安部党委" in f["message"] and "Ministry of Public Security" in f["message"]]
    assert mine and all(f["where"].startswith("glossary.tsv:") for f in findings)


def test_openapi_documents_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/translate", "/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/output/{fmt}",
              "/api/jobs/{job_id}/segments/{seg_id}", "/api/jobs/{job_id}/approve", "/api/glossary"):
        assert p in paths
    assert client.get("/docs").status_code == 200


def test_page_is_self_contained(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "script-src 'sha256-" in r.headers["content-security-policy"]
    assert "http://" not in r.text and "https://" not in r.text
    assert "innerHTML" not in r.text  # release text goes in as text only


class BrokenTranslator(FakeTranslator):
    def translate(self, texts: Any, progress: Any = None) -> Any:
        raise RuntimeError("the model fell over")


def test_a_failing_model_fails_the_job_and_answers_one_line(tmp_path: Path) -> None:
    app = create_app(BrokenTranslator(), ServerConfig(data_dir=tmp_path, token=TOKEN))
    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as c:
        r = c.post("/api/translate", json={"text": "公安部召开新闻发布会。"}, headers=AUTH)
        assert r.status_code == 500 and r.json() == {"error": "internal error (RuntimeError); see the server's log"}
        job = wait_done(c, c.post("/api/jobs", json={"text": RELEASE}, headers=AUTH).json()["id"])
        assert job["status"] == "failed" and "the model fell over" in job["error"]
        assert c.get(f"/api/jobs/{job['id']}/output/xliff").status_code == 409  # no half outputs to fetch
        assert c.post("/api/jobs", json={"text": RELEASE}, headers=AUTH).status_code == 202  # the worker lives on


def test_two_workers_finish_every_job(tmp_path: Path) -> None:
    app = create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path, token=TOKEN, workers=2))
    with TestClient(app, base_url=LOCAL) as c:
        ids = [c.post("/api/jobs", json={"text": RELEASE, "name": f"r{i}"}, headers=AUTH).json()["id"]
               for i in range(6)]
        assert len(set(ids)) == 6
        assert all(wait_done(c, i)["status"] == "done" for i in ids)
        assert {j["id"] for j in c.get("/api/jobs").json()["jobs"]} == set(ids)


def test_edit_checks_run_without_saving(client: TestClient) -> None:
    job = submit(client)
    fact = next(s for s in job["segments"] if "9.4万起" in s["text"])
    url = f"/api/jobs/{job['id']}/segments/{fact['id']}/check"
    assert client.post(url, json={"target": "x"}).status_code == 401  # a POST: the token, as for writes
    # an English figure the Chinese does not have is flagged as the reviewer types
    r = client.post(url, json={"target": "As of November 2019, 94,000 cases were solved and 777 people held."},
                    headers=AUTH)
    assert r.status_code == 200, r.text
    live = r.json()
    assert live["risk"] in ("check", "bad") and any("777" in c["reason"] for c in live["checks"])
    assert "reviewed" in live["flags"]  # as it would be once saved
    # nothing was written: the job's segment and its outputs are as they were
    again = client.get(f"/api/jobs/{job['id']}").json()["segments"]
    assert next(s for s in again if s["id"] == fact["id"])["target"] == fact["target"]
    assert "777 people held" not in client.get(f"/api/jobs/{job['id']}/output/xliff").text
    assert client.post(url, json={"target": " "}, headers=AUTH).status_code == 400
    r = client.post(f"/api/jobs/{job['id']}/segments/s999/check", json={"target": "x"}, headers=AUTH)
    assert r.status_code == 404


def test_glossary_export_and_import(client: TestClient) -> None:
    r = client.get("/api/glossary/export", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/tab-separated-values")
    assert "attachment" in r.headers["content-disposition"]
    exported = r.text
    assert exported.startswith("zh\ten\tkind\tnote") and "公安部\tMinistry of Public Security" in exported
    upload = ("zh\ten\tkind\tnote\n"
              "# a comment line\n"
              "夏安行动\tOperation Summer Peace\tcampaign\tcomposed for this test\n"
              "公安部\tPolice Ministry\n"  # another English for a term already there: a conflict
              "坏行\t\n"  # no English
              "净网\tClean Network\tnonsense-kind\n"
              "反诈宣传月\tAnti-Fraud Publicity Month\tcampaign\n")
    files = {"file": ("../../etc/mine.tsv", upload.encode(), "text/tab-separated-values")}
    assert client.post("/api/glossary/import", files=files).status_code == 401
    r = client.post("/api/glossary/import", files=files, headers=AUTH)
    assert r.status_code == 200, r.text
    res = r.json()
    assert (res["added"], res["updated"], res["rejected"]) == (2, 0, 3)
    why = {x["line"]: x["reason"] for x in res["rejections"]}
    assert set(why) == {4, 5, 6}
    assert "conflict" in why[4] and "Ministry of Public Security" in why[4]
    assert "empty zh or en" in why[5] and "mine.tsv:5" in why[5]  # the upload's name only, never its path
    assert "unknown kind" in why[6]
    found = client.get("/api/glossary", params={"q": "Summer Peace"}, headers=AUTH).json()["terms"]
    terms = {t["zh"]: t for t in found}
    assert terms["夏安行动"]["kind"] == "campaign"
    # with overwrite the conflict becomes an update
    files = {"file": ("mine.tsv", "zh\ten\n公安部\tPolice Ministry\n".encode(), "text/plain")}
    res = client.post("/api/glossary/import", params={"overwrite": "true"}, files=files, headers=AUTH).json()
    assert (res["added"], res["updated"], res["rejected"]) == (0, 1, 0)
    assert res["changes"] == [{"zh": "公安部", "from": "Ministry of Public Security", "to": "Police Ministry"}]
    # the export has the import in it, and reads back as a glossary
    assert "夏安行动\tOperation Summer Peace\tcampaign" in client.get("/api/glossary/export", headers=AUTH).text
    # a file that is not a glossary changes nothing
    for bad in (b"english\tchinese\nx\ty\n", "zh\ten\n公安部\tx\n".encode("utf-16"), b""):
        r = client.post("/api/glossary/import", files={"file": ("bad.tsv", bad, "text/plain")}, headers=AUTH)
        assert r.status_code == 422 and r.json()["error"], r.text
    assert client.get("/api/glossary/export", headers=AUTH).text.count("\n") == exported.count("\n") + 2


def test_docs_are_served_without_the_network(client: TestClient) -> None:
    import re

    r = client.get("/docs")
    assert r.status_code == 200 and "swagger" in r.text.lower()
    assert "http://" not in r.text and "https://" not in r.text and "//cdn" not in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in csp and "http" not in csp
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert {"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"} <= set(refs)
    for ref in refs:
        got = client.get(ref)
        assert got.status_code == 200 and len(got.content) > 500, ref
    assert client.get("/redoc").status_code == 404  # ReDoc would load from a CDN: not offered
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for p in ("/api/jobs/{job_id}/segments/{seg_id}/check", "/api/glossary/import", "/api/glossary/export"):
        assert p in spec["paths"]


def test_docs_beyond_loopback_load_in_a_browser_the_api_stays_behind_the_token(tmp_path: Path) -> None:
    # issue 31 item 20: a browser sends no Bearer header, so the docs page (and what it loads:
    # Swagger UI's files, the OpenAPI document, which hold no data) comes without one
    app = create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path, token=TOKEN, host="0.0.0.0"))
    with TestClient(app, base_url=LOCAL) as c:
        assert c.get("/docs").status_code == 200 and "swagger" in c.get("/docs").text.lower()
        assert c.get("/docs/swagger-ui-bundle.js").status_code == 200
        assert "/api/jobs" in c.get("/openapi.json").json()["paths"]
        for path in ("/api/jobs", "/api/glossary", "/api/glossary/lint", "/api/glossary/export", "/docs/other"):
            assert c.get(path).status_code == 401, path
        assert c.post("/api/translate", json={"text": "公安部。"}).status_code == 401


def test_review_page_corrects_a_block_kind_and_speaker(client: TestClient) -> None:
    job = submit(client)
    turn = next(s for s in job["segments"] if s["kind"] == "turn")
    assert turn["speaker"] == "记者"
    url = f"/api/jobs/{job['id']}/blocks/{turn['block']}"
    assert client.put(url, json={"kind": "turn", "speaker": "x"}).status_code == 401  # a write: the token
    r = client.put(url, json={"kind": "turn", "speaker": "人民网记者"}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert [(s["kind"], s["speaker"]) for s in r.json()["segments"]] == [("turn", "人民网记者")]
    again = client.get(f"/api/jobs/{job['id']}").json()
    assert next(b for b in again["blocks"] if b["index"] == turn["block"])["speaker"] == "人民网记者"
    assert next(s for s in again["segments"] if s["id"] == turn["id"])["target"] == turn["target"]  # English kept
    assert "人民网记者" in client.get(f"/api/jobs/{job['id']}/output/md").text  # the release is written again
    title = job["segments"][0]
    r = client.put(f"/api/jobs/{job['id']}/blocks/{title['block']}", json={"kind": "heading"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["segments"][0]["kind"] == "heading"
    r = client.put(url, json={"kind": "chapter"}, headers=AUTH)
    assert r.status_code == 400 and "kind" in r.json()["error"]
    assert client.put(f"/api/jobs/{job['id']}/blocks/99", json={"kind": "paragraph"}, headers=AUTH).status_code == 400
    assert 'class: "restructure"' in client.get("/").text  # the page offers it


def test_names_panel_changes_a_name_in_every_segment(client: TestClient) -> None:
    release = "市公安局副局长王建军出席发布会。\n王建军介绍，专案组破获案件12起。\n王建军表示，将持续开展打击行动。\n"
    job = submit(client, release)
    assert job["status"] == "done", job
    names = client.get(f"/api/jobs/{job['id']}/names").json()["names"]
    assert names == [{"zh": "王建军", "en": "Wang Jianjun", "kind": "person", "count": 3}]
    r = client.put(f"/api/jobs/{job['id']}/names", json={"zh": "王建军", "en": "Wang Jian-jun"}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert len(r.json()["changed"]) == 3
    segs = client.get(f"/api/jobs/{job['id']}").json()["segments"]
    assert all("Wang Jian-jun" in s["target"] and "Wang Jianjun" not in s["target"] for s in segs)
    assert all("reviewed" in s["flags"] for s in segs)  # through merge: kept as a reviewer's English
    assert client.get(f"/api/jobs/{job['id']}/names").json()["names"][0]["en"] == "Wang Jian-jun"
    r = client.put(f"/api/jobs/{job['id']}/names", json={"zh": "李四", "en": "Li Si"}, headers=AUTH)
    assert r.status_code == 404
