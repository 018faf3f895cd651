"""Redraw docs/server-review.png, the README's picture of `zhen serve`'s review view.

    python bench/server_screenshot.py

Hand-written English stands in for the model (so the picture reads well and shows one
changed figure flagged); everything else is the real server, page and checks, in Debian's
chromium through Playwright.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import FakeTranslator  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from pipeline.server import ServerConfig, create_app, serving  # noqa: E402

RELEASE = """公安部召开新闻发布会，通报“云剑”行动工作情况。
截至2019年11月，全国共破获电信网络诈骗案件9.4万起，同比上升30.3%。
记者：请介绍一下境外追逃的情况。
孙劲峰：今年以来，共从境外抓获犯罪嫌疑人1200余名。
"""
# The model's inputs (glossary terms protected as ZXnQ) and the English shown for them.
TABLE = {
    "ZX1Q召开ZX2Q，通报“ZX3Q”行动工作情况。": "ZX1Q held a ZX2Q on the work of the ZX3Q operation.",
    "截至2019年11月，全国共破获ZX1Q案件9.4万起，同比上升30.3%。":
        "As of November 2019, 9.4 million ZX1Q cases had been solved nationwide, up 30.3 percent year on year.",
    "请介绍一下境外ZX1Q的情况。": "Please tell us about the ZX1Q abroad.",
    "今年以来，共从境外抓获ZX1Q 1200余名。":
        "Since the beginning of this year, more than 1,200 ZX1Qs have been arrested abroad.",
}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(FakeTranslator(TABLE), ServerConfig(data_dir=Path(tmp), token="t"))
        with serving(app) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
            page = browser.new_page(viewport={"width": 1200, "height": 760})
            page.goto(f"{url}/#token=t")
            page.fill("#name", "Cloud Sword press conference, 2019-12-25")
            page.fill("#text", RELEASE)
            page.click("#go")
            expect(page.locator("#rows tr")).to_have_count(4)
            row = page.locator("tr", has_text="境外追逃")
            row.locator("textarea.edit").fill("Please tell us about the pursuit of fugitives abroad.")
            row.locator("button.save").click()
            expect(page.locator("#status")).to_contain_text("saved")
            page.locator("tr", has_text="境外追逃").locator("button.approve").click()
            expect(page.locator("#status")).to_contain_text("approved")
            page.screenshot(path=str(ROOT / "docs" / "server-review.png"), full_page=True)
            browser.close()


if __name__ == "__main__":
    main()
