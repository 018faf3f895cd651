from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.read import read_source

SIMP = (
    "2019年12月25日，公安部召开新闻发布会，通报全国公安机关开展“云剑”行动工作情况。\n"
    "截至2019年11月，共破获电信诈骗案件9.4万起。\n"
)
TRAD = (
    "2019年12月25日，公安部召開新聞發布會，通報全國公安機關開展「雲劍」行動工作情況。\n"
    "截至2019年11月，共破獲電信詐騙案件9.4萬起。\n"
)


@pytest.mark.parametrize(
    ("text", "encoding", "expect"),
    [
        (SIMP, "utf-8", "utf-8"),
        (SIMP, "utf-8-sig", "utf-8-sig"),
        (SIMP, "gb18030", "gb18030"),
        (TRAD, "big5", "big5"),
        (TRAD, "gb18030", "gb18030"),
        (SIMP, "utf-16", "utf-16"),
    ],
)
def test_encodings_detected(tmp_path: Path, text: str, encoding: str, expect: str) -> None:
    p = tmp_path / "r.txt"
    p.write_bytes(text.encode(encoding))
    src = read_source(str(p))
    assert src.raw == text
    assert src.encoding == expect
    assert src.name == "r"


def test_mixed_line_endings_keep_offsets(tmp_path: Path) -> None:
    p = tmp_path / "r.txt"
    p.write_bytes("第一段。\r\n第二段。\r第三段。\n".encode())
    from pipeline.segment import segment

    doc = segment(read_source(str(p)))
    assert [doc.source.raw[s.start : s.end] for s in doc.segments] == ["第一段。", "第二段。", "第三段。"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"%PDF-1.4\n", "PDF"),
        (b"abc\x00\x01\x02def", "binary"),
        (codecs.BOM_UTF8 + b"\xff\xfe\xfa", "utf-8-sig"),
    ],
)
def test_bad_inputs_name_the_file(tmp_path: Path, data: bytes, message: str) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_source(str(p))
    assert "bad.txt" in str(exc.value)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_zip_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "release.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("a.txt", SIMP)
    with pytest.raises(InputError, match="ZIP"):
        read_source(str(p))


def test_missing_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_source(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="folder"):
        read_source(str(tmp_path))


def test_html_reduced_to_main_text(tmp_path: Path) -> None:
    body = "".join(f"<p>{line}</p>" for line in SIMP.strip().split("\n")) * 3
    html = (
        "<!DOCTYPE html><html><head><title>公安部通报云剑行动</title><style>p{color:red}</style>"
        "<script>var x = '不要这个';</script></head><body><nav><a href='/'>首页</a> &gt; <a>新闻</a></nav>"
        f"<article><h1>公安部通报云剑行动</h1>{body}</article><footer>版权所有 公安部</footer></body></html>"
    )
    p = tmp_path / "page.html"
    p.write_text(html, encoding="utf-8")
    src = read_source(str(p))
    assert src.media_type == "text/html"
    assert "公安部召开新闻发布会" in src.raw
    assert "不要这个" not in src.raw and "color:red" not in src.raw
    assert src.name == "page"


def test_stdin_bytes() -> None:
    src = read_source("-", data=SIMP.encode("gb18030"))
    assert src.raw == SIMP and src.name == "stdin"
