"""Fetching a release page for `zhen serve` (POST /api/jobs with {"url": ...}), safely.

A URL given to the server makes the server open a connection, so it must not become a way to
reach what only the server can reach (SSRF): the loopback services, the private network, a cloud
metadata address. Every hop is checked the same way: http or https only; the host name resolved
once, and every address it resolves to must be public; the connection goes to the address that
was checked (no second look-up that a rebinding DNS server could answer differently); redirects
followed here, at most MAX_REDIRECTS, each one checked again. Bodies are capped, answers must be
HTML or plain text, and every failure is one line with the HTTP status to answer.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .jobs import JobError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_REDIRECTS = 5
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
USER_AGENT = "zhen-serve (release fetcher)"


@dataclass(frozen=True)
class Page:
    url: str  # where the body came from, after redirects
    body: bytes
    media_type: str  # text/html or text/plain
    suffix: str  # .html or .txt: how read_source is to take it


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64): the packet goes there."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(ip: IPAddress) -> str | None:
    """Why the server must not connect to `ip` (None: a public address it may connect to)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            why = address_refusal(inner)
            return f"{why} (inside the IPv6 address {ip})" if why else None
    for test, what in ((ip.is_unspecified, "an unspecified address"), (ip.is_loopback, "a loopback address"),
                       (ip.is_link_local, "a link-local address"), (ip.is_multicast, "a multicast address"),
                       (ip.is_reserved, "a reserved address"), (ip.is_private, "a private address")):
        if test:
            return what
    # is_global also leaves out the shared (carrier-grade NAT) range and other special blocks
    return None if ip.is_global else "not a public address"


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (one look-up; the caller connects to what it checked)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise JobError(f"cannot resolve the host name {host[:80]!r} ({exc})", 502) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to the checked address; Host header and everything else as for the name."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the checked address, the certificate verified for the name (SNI too)."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.pinned = ip

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 2 * 1024 * 1024
    timeout: float = 10.0  # seconds for connecting, and for each read
    deadline: float = 30.0  # seconds for the whole fetch, redirects included


def _target(url: str) -> tuple[str, str, int, str]:
    """scheme, host, port and the path to request; 400 for anything that is not a plain web URL."""
    if len(url) > 2000:
        raise JobError("the URL is over 2,000 characters", 400)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise JobError(f"not a valid URL: {url[:80]!r} ({exc})", 400) from None
    if parts.scheme not in ("http", "https"):
        raise JobError(f"only http and https URLs can be fetched, not {parts.scheme or 'a relative URL'!r}", 400)
    if not parts.hostname:
        raise JobError(f"the URL {url[:80]!r} names no host", 400)
    if parts.username is not None or parts.password is not None:
        raise JobError("URLs with a user name or password are not fetched", 400)
    if any(ord(c) < 33 or ord(c) == 127 for c in url.strip()):
        raise JobError("the URL holds spaces or control characters", 400)
    try:
        # an internationalised name is looked up, and sent as Host, in its ASCII form
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise JobError(f"the host name {parts.hostname[:80]!r} is not a valid domain name", 400) from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


def _checked_address(host: str, port: int, check: Callable[[IPAddress], str | None],
                     lookup: Callable[[str, int], list[str]]) -> str:
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in lookup(host, port)]
    if not addresses:
        raise JobError(f"the host name {host[:80]!r} resolves to no address", 502)
    # A name with one public and one private address is refused whole: which one a client
    # would use is not ours to guess.
    for ip in addresses:
        why = check(ip)
        if why:
            raise JobError(f"refused to fetch {host[:80]}: {ip} is {why} (zhen serve --allow-private-urls "
                           "lets the server fetch from such addresses)", 403)
    return str(addresses[0])


def _read_body(resp: http.client.HTTPResponse, limits: FetchLimits, started: float) -> bytes:
    declared = resp.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > limits.max_bytes:
        raise JobError(f"the page is {int(declared):,} bytes, over the limit of {limits.max_bytes:,}", 413)
    encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise JobError(f"the page came with a content encoding this server cannot read ({encoding[:20]})", 502)
    # wbits 32+15 takes gzip or zlib; the cap applies to the decompressed size, so a small
    # compressed bomb is stopped as soon as its output passes the limit.
    inflate = zlib.decompressobj(32 + zlib.MAX_WBITS) if encoding != "identity" else None
    out = bytearray()
    while True:
        if time.monotonic() - started > limits.deadline:
            raise JobError(f"fetching the page took over {limits.deadline:.0f} s", 502)
        chunk = resp.read1(65536)  # what has come: a page sent a byte at a time meets the deadline
        if not chunk:
            break
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, limits.max_bytes + 1 - len(out))
            except zlib.error:
                raise JobError("the page's compressed body is corrupt", 502) from None
        out += chunk
        if len(out) > limits.max_bytes:
            raise JobError(f"the page is over the limit of {limits.max_bytes:,} bytes", 413)
    return bytes(out)


class _Deadline:
    """The whole exchange's deadline over one connection: a socket timeout bounds each read,
    not a peer that sends a header byte every few seconds; when the deadline passes, the
    connection is shut down under whatever read is waiting, which then fails at once."""

    def __init__(self, conn: http.client.HTTPConnection, seconds: float) -> None:
        self.conn = conn
        self.passed = threading.Event()
        self.timer = threading.Timer(max(0.0, seconds), self._expire)
        self.timer.daemon = True

    def _expire(self) -> None:
        self.passed.set()
        sock = self.conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self.timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.timer.cancel()


def fetch_page(url: str, limits: FetchLimits | None = None,
               check: Callable[[IPAddress], str | None] = address_refusal,
               lookup: Callable[[str, int], list[str]] = resolve) -> Page:
    """GET a release page: redirects followed by hand, every hop checked by `check`; the
    deadline covers the whole exchange (connecting, the response's headers, its body)."""
    limits = limits or FetchLimits()
    started = time.monotonic()
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = _target(url)
        ip = _checked_address(host, port, check, lookup)
        kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
        remaining = limits.deadline - (time.monotonic() - started)
        if remaining <= 0:
            raise JobError(f"fetching the page took over {limits.deadline:.0f} s", 502)
        conn = kind(host, port, ip, min(limits.timeout, remaining))
        deadline = _Deadline(conn, remaining)
        try:
            with deadline:
                conn.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, identity",
                                                   "Accept": "text/html, text/plain;q=0.9"})
                resp = conn.getresponse()
                if resp.status in (301, 302, 303, 307, 308):
                    location = resp.getheader("Location")
                    if not location:
                        raise JobError(f"{host[:80]} answered {resp.status} without saying where to", 502)
                    url = urljoin(url, location.strip())
                    continue
                if resp.status != 200:
                    raise JobError(f"{host[:80]} answered {resp.status} {resp.reason[:60]}", 502)
                media = (resp.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
                if media not in PAGE_TYPES:
                    raise JobError(f"the page is {media or 'of no stated type'}, not HTML or plain text", 415)
                body = _read_body(resp, limits, started)
                charset = resp.headers.get_content_charset()
            if deadline.passed.is_set():  # the shutdown ended the body early: it is not the page
                raise JobError(f"fetching the page took over {limits.deadline:.0f} s", 502)
        except (OSError, http.client.HTTPException, JobError) as exc:
            if deadline.passed.is_set():  # whatever the cut-off answer looked like (headers cut short)
                raise JobError(f"fetching the page took over {limits.deadline:.0f} s", 502) from None
            if isinstance(exc, JobError):
                raise
            # timeouts, refused connections, TLS failures, malformed answers: the upstream failed
            detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
            raise JobError(f"cannot fetch {url[:120]}: {detail}", 502) from None
        finally:
            conn.close()
        return Page(url, _as_utf8(body, charset), media, ".txt" if media == "text/plain" else ".html")
    raise JobError(f"more than {MAX_REDIRECTS} redirects; not followed further", 502)


def _as_utf8(body: bytes, charset: str | None) -> bytes:
    """The body in UTF-8 when the server named its charset and the body decodes in it; else as it
    came (read_source guesses UTF-8, GB18030 or Big5 as it does for files)."""
    if not charset:
        return body
    # GB2312 and GBK pages often use characters only their superset has
    codec = "gb18030" if charset.lower() in ("gb2312", "gbk", "x-gbk") else charset
    try:
        return body.decode(codec).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return body


__all__ = ["FetchLimits", "Page", "address_refusal", "fetch_page", "resolve"]
