"""zhen glossary import and lint on a term base of 10^5 rows: both should take time in
proportion to the rows (issue 31: import was quadratic, 8,000 rows in 447 s; lint superlinear).

    python bench/glossary_scale.py [N]

Writes a base of N made-up entries (default 100,000) in a temporary folder, imports N more
into it (half new, half changing an existing entry's English), lints the result, and prints
the times and rows per second for N and for N/4, so the ratio shows whether the work grows
linearly (about 4) or faster. Takes about a minute at the default size on this machine's CPUs.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.normalize import to_norm
from pipeline.termbase import HEADER, edit_file, import_terms, lint_files

# Characters that are their own simplified form, so no two made-up terms fold into one.
HAN = [c for c in map(chr, range(0x4E00, 0x4E00 + 6000, 3)) if to_norm(c) == c]


def term(i: int) -> str:
    """A distinct made-up Han term (甲…乙 brackets keep any term from containing another)."""
    a, b, c = HAN[i % len(HAN)], HAN[(i // len(HAN)) % len(HAN)], HAN[(i // len(HAN) ** 2) % len(HAN)]
    return f"甲{a}{b}{c}乙"


def rows(ids: range, en: str) -> str:
    return "".join(f"{term(i)}\t{en} {i}\tterm\t\t\tconvention: made-up bench entry\t\n"
                   for i in sorted(ids, key=term))


def run(n: int, folder: Path) -> tuple[float, float]:
    base = folder / f"base{n}.tsv"
    base.write_text(HEADER + "\n" + rows(range(n), "term"), encoding="utf-8")
    incoming = folder / f"in{n}.tsv"
    # half the rows are new, half give an existing entry a new English
    incoming.write_text(HEADER + "\n" + rows(range(n // 2, n + n // 2), "renamed"), encoding="utf-8")
    started = time.perf_counter()
    res = edit_file(base, add=import_terms(incoming))
    imported = time.perf_counter() - started
    assert (len(res.added), len(res.changed)) == (n - n // 2, n // 2), (len(res.added), len(res.changed))
    started = time.perf_counter()
    findings = lint_files([base], allowed={})
    linted = time.perf_counter() - started
    assert [f for f in findings if f.level == "error"] == [], findings[:3]
    return imported, linted


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for size in (n // 4, n):
            imported, linted = run(size, Path(tmp))
            results[size] = (imported, linted)
            print(f"{size:>7} rows + {size} imported: import {imported:6.1f} s ({size / imported:8.0f} rows/s), "
                  f"lint of {size + size - size // 2} rows {linted:6.1f} s")
        (i1, l1), (i2, l2) = results[n // 4], results[n]
        print(f"time for 4x the rows: import x{i2 / i1:.1f}, lint x{l2 / l1:.1f} (linear: about 4, quadratic: 16)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
