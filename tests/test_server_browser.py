"""`zhen serve` as a reviewer uses it: a real headless chromium (Debian's, through Playwright's
executable_path: no browser is downloaded) against the server running in-process on loopback."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FakeTranslator
from release_pages import TITLE, page_server

from pipeline.server import ServerConfig, create_app, serving

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
TOKEN = "browser-test-token"
RELEASE = ("公安部召开新闻发布会。\n截至2019年11月，共破获电信网络诈骗案件9.4万起。\n记者：请介绍一下情况。\n"
           "公安部刑偵局舉行發(fā)布會(huì)。\n")  # traditional script with pinyin glosses, as pages are copied
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app on a free loopback port, in a thread; stopped (and joined) when the test ends."""
    # allow_private_urls: the release page to fetch is on a loopback page server of this test
    app = create_app(FakeTranslator(), ServerConfig(data_dir=tmp_path / "data", token=TOKEN, allow_private_urls=True))
    with serving(app) as url:
        yield url


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        # Not a skip: CI installs Debian's chromium (.ci/run), and a missing browser must show.
        pytest.fail("chromium is not installed: apt-get install chromium (as .ci/run does)")
    return exe


def test_submit_review_edit_approve_download_in_a_real_browser(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    exe = _chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    # A bound for a slow, shared machine (the first job loads jieba), not a timing assertion.
    expect.set_options(timeout=90_000)
    fixed = "As of November 2019, 94,000 telecom network fraud cases were solved."
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900}, accept_downloads=True)
            page.set_default_timeout(60_000)
            page.goto(f"{server}/#token={TOKEN}")  # as `zhen serve` prints it
            page.fill("#name", "cloud sword briefing")
            page.fill("#text", RELEASE)
            page.click("#go")
            # the review view: one row per segment, Chinese beside English
            row = page.locator("tr", has_text="9.4万起")
            expect(row.locator("textarea.edit")).to_be_visible()
            expect(page.locator("#rows tr")).to_have_count(4)
            # glossary terms are marked in the Chinese, their English on hover
            term = page.locator("#rows tr", has_text="公安部召开").locator("mark.term").first
            expect(term).to_have_text("公安部")
            expect(term).to_have_attribute("title", "Ministry of Public Security")
            # traditional script (its pinyin glosses gone) is marked where its simplified form is a term
            expect(page.locator("#rows tr", has_text="舉行").locator("mark.term").nth(1)).to_have_text("刑偵局")
            page.screenshot(path=str(ARTIFACTS / "server-review.png"), full_page=True)
            # the checks run as the reviewer types: a figure the Chinese does not have is flagged at once
            row.locator("textarea.edit").fill("As of November 2019, 94,000 cases were solved and 777 people held.")
            expect(row.locator("td.risk")).to_contain_text("checked as typed")
            expect(row.locator("td.risk")).to_contain_text("777")
            page.screenshot(path=str(ARTIFACTS / "server-live-check.png"), full_page=True)
            row.locator("textarea.edit").fill(fixed)
            row.locator("button.save").click()
            expect(page.locator("#status")).to_contain_text("saved")
            row = page.locator("tr", has_text="9.4万起")
            expect(row.locator("td.risk")).to_contain_text("reviewed")
            row.locator("button.approve").click()
            expect(page.locator("#status")).to_contain_text("approved")
            expect(page.locator("tr", has_text="9.4万起").locator("td.risk")).to_contain_text("approved")
            with page.expect_download() as info:
                page.click("button[data-fmt=xliff]")
            xliff = tmp_path / "reviewed.xliff"
            assert info.value.suggested_filename == "cloud sword briefing.xliff"  # the release's name, not an id
            info.value.save_as(xliff)
            assert fixed in xliff.read_text(encoding="utf-8")
            page.screenshot(path=str(ARTIFACTS / "server-approved.png"), full_page=True)
            # the job list shows it, done
            page.goto(f"{server}/#")
            expect(page.locator("#jobs")).to_contain_text("cloud sword briefing")
            expect(page.locator("#jobs .st.done")).to_have_count(1)
            # the glossary page: add a term, find it, remove it
            page.click("a[href='#glossary']")
            expect(page.locator("#status")).to_contain_text("terms in glossary.tsv")
            page.fill("#g-zh", "劝阻中心")
            page.fill("#g-en", "Dissuasion Centre")
            page.fill("#g-source", "convention: descriptive")  # a new entry says where its English comes from
            page.select_option("#g-newkind", "org")
            page.click("#g-add")
            expect(page.locator("#status")).to_contain_text("added: 劝阻中心")
            term = page.locator("#g-rows tr", has_text="Dissuasion Centre")
            expect(term).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / "server-glossary.png"))
            page.once("dialog", lambda d: d.dismiss())  # Remove asks first: "no" keeps the term
            term.locator("button.g-remove").click()
            expect(term).to_have_count(1)
            page.once("dialog", lambda d: d.accept())
            term.locator("button.g-remove").click()
            expect(page.locator("#status")).to_contain_text("removed 劝阻中心")
            expect(page.locator("#g-rows tr", has_text="Dissuasion Centre")).to_have_count(0)
            page.click("#g-lint")
            expect(page.locator("#status")).to_contain_text("lint findings")
            # export the glossary as TSV; import one with a good row and a bad one
            with page.expect_download() as info:
                page.click("#g-export")
            exported = tmp_path / "glossary.tsv"
            info.value.save_as(exported)
            assert exported.read_text(encoding="utf-8").startswith("zh\ten\tkind")
            desk = "zh\ten\tkind\n夏安行动\tOperation Summer Peace\tcampaign\n坏行\t\n"  # line 3: no English
            page.set_input_files("#g-file", files=[{"name": "desk.tsv", "mimeType": "text/tab-separated-values",
                                                     "buffer": desk.encode()}])
            page.click("#g-import")
            expect(page.locator("#status")).to_contain_text("1 added, 0 updated, 1 rejected")
            expect(page.locator("#g-findings")).to_contain_text("rejected line 3")
            # a file upload (GB18030, as many release pages are saved) takes the same way
            page.goto(f"{server}/#")
            page.set_input_files("#file", files=[{"name": "briefing.txt", "mimeType": "text/plain",
                                                   "buffer": RELEASE.encode("gb18030")}])
            page.click("#go")
            expect(page.locator("#title")).to_have_text("briefing.txt")
            expect(page.locator("#rows tr", has_text="9.4万起")).to_have_count(1)
            # a release page by its address: fetched by the server, read as an .html file is
            with page_server() as pages:
                page.goto(f"{server}/#")
                page.fill("#url", f"{pages}/release.html")
                page.click("#go")
                expect(page.locator("#title")).to_have_text(f"{pages}/release.html")
                expect(page.locator("#rows tr", has_text="12.3万起")).to_have_count(1)
                expect(page.locator("#rows tr").first).to_contain_text(TITLE)
            # /docs works offline: every request it makes is to this server, and Swagger UI renders
            asked: list[str] = []
            errors: list[str] = []
            page.on("request", lambda r: asked.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{server}/docs")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("zhen")
            expect(page.locator(".swagger-ui .opblock-summary-path", has_text="/api/glossary/import")).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / "server-docs.png"))
            assert asked and all(u.startswith(server) or u.startswith("data:") for u in asked), asked
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            browser.close()
    assert (ARTIFACTS / "server-review.png").stat().st_size > 10_000


def _api(server: str, method: str, path: str, body: object = None) -> dict:  # type: ignore[type-arg]
    import json
    import urllib.request

    req = urllib.request.Request(f"{server}{path}", method=method, headers={"Authorization": f"Bearer {TOKEN}",
                                                                          "Content-Type": "application/json"},
                                 data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def test_token_link_no_token_icon_and_a_long_english_box_in_a_real_browser(server: str) -> None:
    import time
    import urllib.request

    from playwright.sync_api import expect, sync_playwright

    exe = _chromium()
    expect.set_options(timeout=90_000)
    job = _api(server, "POST", "/api/jobs", {"text": "公安部召开新闻发布会。\n", "name": "long one"})
    for _ in range(2400):  # a bound (2 min), not a timing assertion: the first job loads jieba
        job = _api(server, "GET", f"/api/jobs/{job['id']}")
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    seg = job["segments"][0]["id"]
    long_english = " ".join(["The Ministry of Public Security held a press conference on the campaign."] * 6)
    assert len(long_english.split()) >= 60
    _api(server, "PUT", f"/api/jobs/{job['id']}/segments/{seg}", {"target": long_english})
    with urllib.request.urlopen(f"{server}/favicon.ico", timeout=30) as icon:
        assert icon.status == 200 and icon.headers["Content-Type"].startswith("image/")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            missing: list[str] = []
            page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
            page.goto(f"{server}/#token={TOKEN}")  # as `zhen serve` prints it
            expect(page.locator("#token")).to_have_value(TOKEN)  # the box shows the token in use
            page.goto(f"{server}/#job={job['id']}")
            box = page.locator("textarea.edit").first
            expect(box).to_have_value(long_english)
            # the whole sentence is in view: the box is as tall as its text, nothing scrolls inside it
            scroll, client, line = box.evaluate(
                "b => [b.scrollHeight, b.clientHeight, parseFloat(getComputedStyle(b).lineHeight)]")
            assert scroll <= client + 1 and client > 4 * line, (scroll, client, line)
            assert not missing, missing  # no 404 (the tab's icon included)
            # a browser that never had the token is told what to do, not the API's header wording
            fresh = browser.new_context().new_page()
            fresh.goto(f"{server}/#glossary")
            expect(fresh.locator("#status")).to_contain_text("paste the token `zhen serve` printed")
            expect(fresh.locator("#status")).not_to_contain_text("Authorization")
        finally:
            browser.close()
