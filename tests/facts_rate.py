"""The fact checker over human reference translations (WMT18 zh-en): a human reference is a
translation a reader accepts, so every mismatch is either a checker too strict or a reference
that dropped or changed a figure. bench/facts_eval.py prints it; tests/test_facts.py holds its floor.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from shared_data import WMT18

from pipeline.facts import check_pair, extract_zh
from pipeline.normalize import to_norm

DEFAULT = WMT18


def load_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r[0], r[1]) for r in rows[1:] if len(r) >= 2]


def evaluate(pairs: list[tuple[str, str]]) -> dict[str, object]:
    with_numbers = 0
    ok = 0
    reasons: Counter[str] = Counter()
    failures = []
    for zh, en in pairs:
        norm = to_norm(zh)
        if not extract_zh(norm):
            continue
        with_numbers += 1
        pc = check_pair(norm, en)
        if pc.ok:
            ok += 1
            continue
        for c in pc.checks:
            if c.status != "matched":
                reasons[f"{c.status} {c.source.kind}"] += 1
        failures.append((zh, en, [(c.status, c.source.text, c.target.text if c.target else None)
                                  for c in pc.checks if c.status != "matched"]))
    return {"pairs": len(pairs), "with_numbers": with_numbers, "ok": ok,
            "rate": ok / with_numbers if with_numbers else 0.0, "reasons": reasons, "failures": failures}
