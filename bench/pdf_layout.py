"""How well the PDF reader gets paragraphs back: the 60 real release excerpts of
shared/pages-dev, one paragraph a line, printed by Debian's chromium (Noto CJK) in three
layouts with a running header and footer, then read back with pipeline.read_pdf.

    python bench/pdf_layout.py [--pages DIR] [--out DIR]

For each layout: recall (the excerpts' lines that come back as one paragraph, exactly) and
precision (the paragraphs read that are one of those lines), and whether any header or footer
text leaked into the text. The reader's thresholds were set from typography (a wrapped line
reaches its column's edge within about a character; an indent is two), not fitted on these
pages, so the figures are held-out ones for them.
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.normalize import clean  # noqa: E402
from pipeline.read_pdf import read_pdf  # noqa: E402

HEADER = "某市公安局政务公开专栏"
FOOTER = "本栏目所载内容仅供参考"
BASE = """@page {{ size: A4; margin: 0; }}
body {{ font-family: "Noto Serif CJK SC", serif; font-size: 13pt; line-height: 1.6; margin: 0 20mm; }}
.hdr {{ position: fixed; top: 8mm; left: 20mm; right: 20mm; text-align: center; font-size: 9pt; }}
.ftr {{ position: fixed; bottom: 8mm; left: 20mm; right: 20mm; text-align: center; font-size: 9pt; }}
table.flow {{ width: 100%; border-collapse: collapse; }} td {{ padding: 0; }} .sp {{ height: 22mm; }}
.excerpt {{ page-break-before: always; {extra} }}
p {{ margin: 0 0 {gap} 0; text-indent: {indent}; text-align: {align}; }}"""
LAYOUTS = {
    "justified, indented": BASE.format(extra="", gap="0.2em", indent="2em", align="justify"),
    "ragged, gaps, no indent": BASE.format(extra="", gap="0.8em", indent="0", align="left"),
    "two columns": BASE.format(extra="column-count: 2; column-gap: 10mm;", gap="0.2em", indent="2em",
                               align="justify"),
}


def _lines(page: Path) -> list[str]:
    return [" ".join(ln.split()) for ln in page.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _page(css: str, excerpts: list[list[str]]) -> str:
    body = "".join('<div class="excerpt">' + "".join(f"<p>{html.escape(ln)}</p>" for ln in lines) + "</div>"
                   for lines in excerpts)
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head><body>'
            f'<div class="hdr">{HEADER}</div><div class="ftr">{FOOTER}</div><table class="flow"><thead><tr><td>'
            f'<div class="sp"></div></td></tr></thead><tfoot><tr><td><div class="sp"></div></td></tr></tfoot>'
            f"<tbody><tr><td>{body}</td></tr></tbody></table></body></html>")


def _key(text: str) -> str:
    """What two renderings of one paragraph share: radicals unified, no spaces (a PDF's text
    layer has no spaces between Chinese and Latin, the page sometimes does)."""
    return "".join(clean(text).text.split())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=Path, default=ROOT.parent / "shared" / "pages-dev")
    ap.add_argument("--out", type=Path, default=None, help="keep the PDFs here")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("needs Debian's chromium and fonts-noto-cjk", file=sys.stderr)
        return 2
    excerpts = [_lines(p) for p in sorted(args.pages.glob("*.txt"))]
    gold = Counter(_key(ln) for lines in excerpts for ln in lines)
    work = args.out or Path(tempfile.mkdtemp(prefix="zhen-pdf-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{len(excerpts)} excerpts, {sum(gold.values())} lines (paragraphs)")
    for name, css in LAYOUTS.items():
        slug = name.split(",")[0].replace(" ", "-")
        page, pdf = work / f"{slug}.html", work / f"{slug}.pdf"
        page.write_text(_page(css, excerpts), encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--user-data-dir={work / 'profile'}", f"--print-to-pdf={pdf}", str(page)],
                       capture_output=True, timeout=600, check=True)
        got = read_pdf(pdf.read_bytes(), pdf.name)
        found = Counter(_key(p) for p in got.paragraphs)
        hit = sum((found & gold).values())
        leaked = sum(1 for p in got.paragraphs if HEADER in p or FOOTER in p)
        print(f"{name:26} recall {hit / sum(gold.values()):.3f}  precision {hit / max(1, sum(found.values())):.3f}"
              f"  paragraphs {sum(found.values())}  furniture lines dropped {got.dropped}, leaked {leaked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
