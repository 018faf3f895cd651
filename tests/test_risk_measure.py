"""Measurement of the risk checks on human translations (WMT18 zh-en, read where it lies).

Errors are planted into the number-bearing pairs (tests/planting.py); a plant counts as caught
when the damaged pair is not `ok` and carries a flag the untouched pair did not. The length model
is the only fitted part, so it is cross-validated: each fold is checked with a model fitted on
the other folds (tests/length_fit.py), never on its own pairs.

Floors are what the checks reach today, so a regression fails. Where a floor is below issue 17's
bar (ISSUE_BAR: dropping 40% of the English is caught ~77% of the time), the gap is recorded
there and in the README, not hidden behind an expected failure.
"""

from __future__ import annotations

import random
from functools import lru_cache

import pytest
from planting import PLANTERS, number_bearing
from shared_data import WMT18

from pipeline.checks import CHECKS, length, risk_of
from pipeline.normalize import to_norm
from pipeline.records import Flag

FOLDS = 5
pytestmark = pytest.mark.needs_shared(WMT18)


# Reached on 2026-11-29 (5 folds): figure 99.7%, add-figure 99.3%, drop-40% 77.1%, untranslated 99.9%,
# drop-name 100% (on all pairs: too few number-bearing ones name a person), loop 100%; references ok 90.9%.
# (Length alone caught 70.9% of the drops at 90.8% of references ok; coverage added the rest.)
FLOORS = {"figure": 0.98, "add-figure": 0.98, "drop-40%": 0.75, "untranslated": 0.99, "drop-name": 0.98,
          "loop": 0.99}
ISSUE_BAR = {"figure": 0.98, "add-figure": 0.98, "drop-40%": 0.95, "untranslated": 0.95, "drop-name": 0.95,
             "loop": 0.95}
REFERENCES_OK_FLOOR = 0.88
REFERENCES_OK_BAR = 0.90


def _flags(zh: str, en: str, model: length.LengthModel) -> list[Flag]:
    out: list[Flag] = []
    for name, fn in CHECKS.items():
        out.extend(length.check(zh, en, model) if name == "length" else fn(zh, en))
    return out


@lru_cache(maxsize=1)
def measure() -> tuple[dict[str, float], float, dict[str, int]]:
    from length_fit import fit, load_pairs

    all_pairs = [(to_norm(z), e) for z, e in load_pairs(WMT18)]
    order = list(range(len(all_pairs)))
    random.Random(17).shuffle(order)
    caught = {k: 0 for k in PLANTERS}
    planted = {k: 0 for k in PLANTERS}
    ok = total = 0
    for f in range(FOLDS):
        test = [all_pairs[i] for i in order[f::FOLDS]]
        model = fit([all_pairs[i] for j, i in enumerate(order) if j % FOLDS != f])
        numbered = set(number_bearing(test))
        rng = random.Random(f)
        for zh, en in test:
            is_num = (zh, en) in numbered
            base = None
            for cls, plant in PLANTERS.items():
                # Few number-bearing pairs name a Chinese person: names are planted in every pair.
                if not is_num and cls != "drop-name":
                    continue
                damaged = plant(zh, en, rng)
                if damaged is None:
                    continue
                if base is None:
                    base = _flags(zh, en, model)
                after = _flags(zh, damaged, model)
                before = {(x.kind, x.reason) for x in base}
                planted[cls] += 1
                caught[cls] += risk_of(after) != "ok" and any((x.kind, x.reason) not in before for x in after)
            if is_num:
                base = base if base is not None else _flags(zh, en, model)
                total += 1
                ok += risk_of(base) == "ok"
    return {k: caught[k] / planted[k] for k in PLANTERS}, ok / total, planted


def test_planted_errors_are_caught() -> None:
    rates, _, planted = measure()
    assert all(n >= 100 for n in planted.values()), planted
    low = {k: round(v, 3) for k, v in rates.items() if v < FLOORS[k]}
    assert not low, rates


def test_human_references_are_mostly_ok() -> None:
    _, ok, _ = measure()
    assert ok >= REFERENCES_OK_FLOOR, ok
