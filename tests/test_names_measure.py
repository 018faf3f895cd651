"""Measurement of the person-name decision on WMT18 zh-en (read where it lies), by 5-fold
cross-validation over contiguous blocks of lines: each fold is judged by a model whose cutoff and
list of known transliterations were fitted on the other folds only (bench/fit_names.py).

Issue 27's bar: of the names zhen romanizes, >= 90% are in the reference as romanized, and zhen
romanizes >= 4/5 of the jieba `nr` words whose plain pinyin the reference has (393-397 on WMT18,
as the apostrophe of Hu'ning is counted). Reached on 2026-12-06: precision 0.924 pooled (every
fold >= 0.91), recall 0.758 pooled (301/397): the precision bar is met, the recall bar is not
(about 45 of the 397 are foreign names whose pinyin happens to match, such as 帕尼艾 Paniai and
曼宁 Manning, 13 a surname alone, 10 everyday words used as names, such as 汪洋 Wang Yang). The
floors below are what is reached, so that a regression fails; the gap is in the README.

Tagging WMT18 with jieba takes over a minute without the cache, hence the slow marker.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

WMT18 = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "wmt18-zh-en.tsv"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not WMT18.exists(), reason=f"{WMT18} is not here")]

PRECISION_BAR = 0.90
RECALL_BAR = 0.80
RECALL_FLOOR = 0.74  # reached 0.758; below RECALL_BAR, recorded in the README


def test_names_cross_validated_on_wmt18() -> None:
    from fit_names import Score, cross_validate, load_rows, tagged

    rows = load_rows(WMT18)
    folds = cross_validate(rows, tagged(rows), folds=5)
    pooled = Score()
    for _model, sc in folds:
        pooled = pooled.add(sc)
        assert sc.precision >= 0.88, sc  # no fold far under the bar
    assert 380 <= pooled.gold <= 410  # the names plain pinyin gets right: the recall base is WMT18's
    assert pooled.precision >= PRECISION_BAR, pooled
    assert pooled.recall >= RECALL_FLOOR, pooled
