"""A tiny web server on 127.0.0.1 with a composed release page (and pages that misbehave), for
the tests of `zhen serve` fetching a release by URL. Started and stopped by each test."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

# Composed for these tests in the style of a Ministry of Public Security release (not a real one).
TITLE = "公安部部署开展夏季治安打击整治行动"
RELEASE_PAGE = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{TITLE}_公安部网站</title></head>
<body>
<nav><a href="/">首页</a> | <a href="/news">新闻中心</a> | <a href="/about">机构设置</a></nav>
<article>
<h1>{TITLE}</h1>
<p>6月10日，公安部召开视频会议，部署全国公安机关开展夏季治安打击整治行动。</p>
<p>会议要求，各地公安机关要坚持以人民为中心，依法严厉打击各类违法犯罪活动。</p>
<p>据统计，今年以来全国公安机关共破获刑事案件12.3万起，抓获犯罪嫌疑人8.6万名。</p>
<p>会议强调，要持续加强社会治安整体防控，切实维护人民群众生命财产安全。</p>
</article>
<footer>版权所有：中华人民共和国公安部 京ICP备00000000号</footer>
</body></html>
"""
METADATA = "http://169.254.169.254/latest/meta-data/"


TRICKLE = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"x" * 150 + b"\r\n\r\n<p>late</p>"


class Pages(BaseHTTPRequestHandler):
    hosts: ClassVar[list[str]] = []  # the Host header of every request (what the server was asked for)
    trickled: ClassVar[list[int]] = []  # bytes of TRICKLE sent before the client went, per request

    def log_message(self, *_args: Any) -> None:  # quiet: pytest shows failures, not access logs
        pass

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self) -> None:
        """The response's headers a byte every 0.1 s (about 20 s in all, then a body), as a
        server holding a fetcher would send them; stops when the client goes."""
        import time

        sent = 0
        try:
            for i in range(len(TRICKLE)):
                self.wfile.write(TRICKLE[i : i + 1])
                self.wfile.flush()
                sent += 1
                time.sleep(0.1)
        except OSError:
            pass
        finally:
            Pages.trickled.append(sent)
            self.close_connection = True

    def do_GET(self) -> None:
        Pages.hosts.append(self.headers.get("Host", ""))
        if self.path == "/slow-headers":
            self._trickle()
            return
        routes: dict[str, tuple[int, bytes, str, dict[str, str]]] = {
            "/release.html": (200, RELEASE_PAGE.encode(), "text/html; charset=utf-8", {}),
            "/gbk.html": (200, RELEASE_PAGE.replace('charset="utf-8"', 'charset="gbk"').encode("gbk"),
                          "text/html; charset=GBK", {}),
            "/gzip.html": (200, gzip.compress(RELEASE_PAGE.encode()), "text/html; charset=utf-8",
                           {"Content-Encoding": "gzip"}),
            "/moved": (302, b"", "text/html", {"Location": "/release.html"}),
            "/to-metadata": (302, b"", "text/html", {"Location": METADATA}),
            "/to-file": (302, b"", "text/html", {"Location": "file:///etc/passwd"}),
            "/loop": (302, b"", "text/html", {"Location": "/loop"}),
            "/image.png": (200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png", {}),
            "/big.html": (200, b"<html><body><p>" + "公安部。".encode() * 100_000 + b"</p></body></html>",
                          "text/html; charset=utf-8", {}),
            "/bomb.html": (200, gzip.compress(b"<p>" + b" " * 5_000_000 + b"</p>"), "text/html",
                           {"Content-Encoding": "gzip"}),
        }
        status, body, ctype, extra = routes.get(self.path, (404, b"not here", "text/plain", {}))
        self._send(status, body, ctype, extra)


@contextmanager
def page_server() -> Iterator[str]:
    """One page server on a free loopback port, shut down and joined on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
