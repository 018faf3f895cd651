"""`zhen serve` fetching a release page by URL: which addresses it refuses (SSRF), and the whole
way through a tiny page server on 127.0.0.1 (started and stopped here; the operator's
--allow-private-urls is what lets the server reach it)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeTranslator
from fastapi.testclient import TestClient
from release_pages import METADATA, TITLE, TRICKLE, Pages, page_server

from pipeline.server import ServerConfig, create_app
from pipeline.server.fetch import FetchLimits, IPAddress, address_refusal, fetch_page
from pipeline.server.jobs import JobError

TOKEN = "fetch-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LOCAL = "http://127.0.0.1"

@pytest.fixture
def pages() -> Iterator[str]:
    with page_server() as url:
        yield url


def _client(tmp_path: Path, allow: bool) -> TestClient:
    return TestClient(create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path / "data", token=TOKEN,
                                                                 allow_private_urls=allow, max_body=200_000)),
                      base_url=LOCAL)


def _wait(client: TestClient, job_id: str) -> dict[str, Any]:
    import time

    for _ in range(2400):  # a bound for a slow machine, not a timing assertion
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never finished")


@pytest.mark.parametrize(("address", "refused"), [
    ("8.8.8.8", None),
    ("2606:4700:4700::1111", None),
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "not a public"),  # shared address space (carrier-grade NAT)
    ("169.254.169.254", "link-local"),  # cloud metadata
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("198.18.0.1", "private"),  # benchmarking
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:8.8.8.8", None),
    ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 around 169.254.169.254
    ("2001:db8::1", "private"),  # documentation
])
def test_address_check(address: str, refused: str | None) -> None:
    why = address_refusal(ipaddress.ip_address(address))
    if refused is None:
        assert why is None
    else:
        assert why is not None and refused in why


@pytest.mark.parametrize(("url", "words"), [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://example.com/x", "only http and https"),
    ("gopher://127.0.0.1:6379/_x", "only http and https"),
    ("/release.html", "only http and https"),
    ("http://", "no host"),
    ("http://user:pw@example.com/", "user name or password"),
    ("http://example.com:99999/", "not a valid URL"),
    ("http://exa mple.com/", "spaces or control"),
    ("http://a..bé.com/", "not a valid domain name"),
])
def test_bad_urls_answer_400(url: str, words: str) -> None:
    with pytest.raises(JobError) as err:
        fetch_page(url, lookup=lambda *_: pytest.fail("a bad URL was looked up"))
    assert err.value.status == 400 and words in str(err.value)


def test_a_name_is_looked_up_once_and_the_checked_address_is_the_one_connected(pages: str) -> None:
    port = pages.rsplit(":", 1)[1]
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])  # a rebinding DNS server's second answer
    asked: list[str] = []

    def lookup(host: str, _port: int) -> list[str]:
        asked.append(host)
        return next(answers)

    def only_our_page_server(ip: IPAddress) -> str | None:
        return None if str(ip) == "127.0.0.1" else address_refusal(ip)

    Pages.hosts.clear()
    page = fetch_page(f"http://release.test:{port}/release.html", check=only_our_page_server, lookup=lookup)
    assert asked == ["release.test"] and TITLE in page.body.decode()
    assert Pages.hosts == [f"release.test:{port}"]  # the name went in the Host header, the checked IP got it
    # a name that resolves to a public and a private address is refused whole
    with pytest.raises(JobError) as err:
        fetch_page("http://mixed.test/", lookup=lambda *_: ["8.8.8.8", "10.0.0.1"])
    assert err.value.status == 403 and "10.0.0.1 is a private address" in str(err.value)


def test_a_redirect_to_a_private_address_is_refused(pages: str) -> None:
    def only_our_page_server(ip: IPAddress) -> str | None:
        return None if str(ip) == "127.0.0.1" else address_refusal(ip)

    with pytest.raises(JobError) as err:
        fetch_page(f"{pages}/to-metadata", check=only_our_page_server)
    assert err.value.status == 403 and "169.254.169.254 is a link-local address" in str(err.value)
    with pytest.raises(JobError) as err:
        fetch_page(f"{pages}/to-file", check=only_our_page_server)
    assert err.value.status == 400 and "only http and https" in str(err.value)
    with pytest.raises(JobError) as err:
        fetch_page(f"{pages}/loop", check=only_our_page_server)
    assert err.value.status == 502 and "redirects" in str(err.value)


def test_bodies_are_capped_compressed_or_not(pages: str) -> None:
    limits = FetchLimits(max_bytes=100_000)
    for path in ("/big.html", "/bomb.html"):
        with pytest.raises(JobError) as err:
            fetch_page(pages + path, limits, check=lambda _ip: None)
        assert err.value.status == 413, path
    page = fetch_page(pages + "/gzip.html", limits, check=lambda _ip: None)
    assert TITLE in page.body.decode("utf-8")


def test_a_release_page_by_url_end_to_end(pages: str, tmp_path: Path) -> None:
    with _client(tmp_path, allow=True) as c:
        r = c.post("/api/jobs", json={"url": f"{pages}/moved"}, headers=AUTH)  # a redirect on the way
        assert r.status_code == 202, r.text
        job = _wait(c, r.json()["id"])
        assert job["status"] == "done", job
        assert job["name"] == f"{pages}/release.html"
        texts = [s["text"] for s in job["segments"]]
        # the page read as the CLI reads an .html file: title and main text, not the site's chrome
        assert TITLE in texts[0]
        assert any("12.3万起" in t for t in texts)
        assert not any("首页" in t or "ICP" in t for t in texts)
        fact = next(s for s in job["segments"] if "12.3万起" in s["text"])
        assert fact["target"].startswith("EN<")
        # a GBK page, as many older release pages are, comes out as the same Chinese
        job = _wait(c, c.post("/api/jobs", json={"url": f"{pages}/gbk.html", "name": "gbk"}, headers=AUTH)
                    .json()["id"])
        assert job["status"] == "done" and any("12.3万起" in s["text"] for s in job["segments"])
        for path, status, words in (("/image.png", 415, "not HTML"), ("/missing", 502, "404"),
                                    ("/big.html", 413, "limit")):
            r = c.post("/api/jobs", json={"url": pages + path}, headers=AUTH)
            assert r.status_code == status and words in r.json()["error"], (path, r.text)
        r = c.post("/api/jobs", json={"url": f"{pages}/release.html", "text": "公安部。"}, headers=AUTH)
        assert r.status_code == 422 and "either" in r.json()["error"]
        assert c.post("/api/jobs", json={"url": f"{pages}/release.html"}).status_code == 401


def test_without_the_option_loopback_urls_are_refused(pages: str, tmp_path: Path) -> None:
    Pages.hosts.clear()
    with _client(tmp_path, allow=False) as c:
        for url in (f"{pages}/release.html", pages.replace("127.0.0.1", "localhost") + "/release.html",
                    f"http://[::ffff:127.0.0.1]:{pages.rsplit(':', 1)[1]}/release.html", METADATA):
            r = c.post("/api/jobs", json={"url": url}, headers=AUTH)
            assert r.status_code == 403, (url, r.text)
            assert "refused" in r.json()["error"] and "--allow-private-urls" in r.json()["error"]
        assert c.post("/api/jobs", json={"url": "file:///etc/passwd"}, headers=AUTH).status_code == 400
        assert c.get("/api/jobs").json()["jobs"] == []  # nothing was queued
    assert Pages.hosts == []  # and the page server never heard from it


def test_the_deadline_covers_response_headers_sent_a_byte_at_a_time(pages: str) -> None:
    """Issue 31 item 13: each read came within the per-read timeout, so a page trickling its
    headers held a fetch (and its slot) past the deadline; the deadline is the whole exchange's."""
    import time

    Pages.trickled.clear()
    with pytest.raises(JobError) as err:
        fetch_page(f"{pages}/slow-headers", FetchLimits(timeout=5, deadline=1.5), check=lambda _ip: None)
    assert err.value.status == 502 and "took over 2 s" in str(err.value)
    for _ in range(100):  # the page server notices the closed connection at its next byte (bounded wait)
        if Pages.trickled:
            break
        time.sleep(0.05)
    assert Pages.trickled and Pages.trickled[0] < len(TRICKLE)  # given up before the headers were whole
