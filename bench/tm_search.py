"""zhen tm search on 10^5 human translations: how long one query takes.

    python bench/tm_search.py [N]

Fills a memory in a temporary folder with N made-up pairs (default 100,000) and times a few
queries of each kind: a rare Chinese phrase, an English phrase, a common one, and one under
three characters (scanned rather than looked up in the trigram index).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.memory import TranslationMemory


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tm = TranslationMemory(Path(tmp) / "tm.sqlite", strict=True)
        rows = [(f"公安部通报第{i}起电信诈骗案件情况。", f"The ministry reported fraud case number {i}.", None, None)
                for i in range(n)]
        started = time.perf_counter()
        tm.reviewed_put(rows, "bench")
        print(f"{n} pairs stored in {time.perf_counter() - started:.1f} s")
        for query in ("第4567起", "case number 99999", "fraud case number 12", "电信诈骗", "公安"):
            times = []
            for _ in range(5):
                t = time.perf_counter()
                found = tm.reviewed_search(query, 20)
                times.append(time.perf_counter() - t)
            print(f"{query!r}: {len(found)} found, best {min(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms")
        tm.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
