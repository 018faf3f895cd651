"""Load test of `zhen serve` on loopback: N concurrent clients send short releases for a bounded time.

    python bench/load_server.py                       # in-process server, stand-in model, 20 clients, 60 s
    python bench/load_server.py --seconds 10
    python bench/load_server.py --url http://127.0.0.1:8000 --token TOKEN   # a running zhen serve

Each client posts a short release (three sentences of the sample) to POST /api/translate
and waits for its answer, over and over, until the time is up or it has sent --max-requests.
Prints requests, errors (by status), p50/p95/max latency and throughput. The in-process
server uses a stand-in model that answers at once, so it measures the server itself: the
queue, the workers, reading, segmenting, glossary, checks. Only loopback URLs are accepted.
Not run by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from pipeline.records import ModelRef, Translation  # noqa: E402
from pipeline.server import ServerConfig, create_app, serving  # noqa: E402

RELEASES = [
    "公安部召开新闻发布会，通报“云剑”行动成果。\n截至2019年11月，共破获电信网络诈骗案件9.4万起。\n记者：请介绍一下情况。\n",
    "今年以来，全国公安机关共抓获犯罪嫌疑人6.3万名。\n孙劲峰：我们将继续严厉打击各类违法犯罪活动。\n",
    "据统计，2019年全国共破获刑事案件同比上升30.3%。\n主持人：下面请记者提问。\n",
]


class StandIn:
    """A model stand-in that answers at once: the load test measures the server, not the model."""

    engine = "stand-in"

    def __init__(self) -> None:
        self.model = ModelRef(id="stand-in", path=Path("."), revision="0", origin="folder")

    def settings(self) -> dict[str, Any]:
        return {}

    def count_tokens(self, text: str) -> int:
        return len(text) + 1

    def translate(self, texts: Sequence[str], progress: Any = None) -> list[Translation]:
        if progress:
            progress(len(texts))
        return [Translation(f"English of {t}") for t in texts]


@contextmanager
def in_process_server(workers: int) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        config = ServerConfig(data_dir=Path(tmp), workers=workers, queue_size=64)
        app = create_app(StandIn(), config)
        with serving(app) as url:
            yield url, config.token


def client(url: str, token: str, until: float, max_requests: int, n: int, latencies: list[float],
           errors: Counter[str], lock: threading.Lock) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
        for i in range(max_requests):
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            try:
                r = http.post("/api/translate", json={"text": RELEASES[(n + i) % len(RELEASES)]})
                outcome = "ok" if r.status_code == 200 and r.json().get("segments") else f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            took = time.perf_counter() - started
            with lock:
                if outcome == "ok":
                    latencies.append(took)
                else:
                    errors[outcome] += 1


def run(url: str, token: str, clients: int, seconds: float, max_requests: int) -> int:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    started = time.monotonic()
    until = started + seconds
    threads = [threading.Thread(target=client, args=(url, token, until, max_requests, n, latencies, errors, lock))
               for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    total = len(latencies) + sum(errors.values())
    print(f"{clients} clients, {wall:.1f} s: {total} requests, {len(latencies)} ok, {sum(errors.values())} errors"
          + (f" ({dict(errors)})" if errors else ""))
    if latencies:
        q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else [latencies[0]] * 19
        print(f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {q[18] * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms; {len(latencies) / wall:.1f} requests/s")
    return 1 if errors else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--max-requests", type=int, default=10_000, help="per client: a bound besides the time")
    ap.add_argument("--workers", type=int, default=1, help="in-process server's translation workers")
    ap.add_argument("--url", help="a running zhen serve on loopback (default: start one in-process)")
    ap.add_argument("--token", help="its access token (with --url)")
    args = ap.parse_args()
    if args.url:
        if urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
            ap.error("the load test runs against loopback only")
        return run(args.url, args.token or "", args.clients, args.seconds, args.max_requests)
    with in_process_server(args.workers) as (url, token):
        return run(url, token, args.clients, args.seconds, args.max_requests)


if __name__ == "__main__":
    sys.exit(main())
