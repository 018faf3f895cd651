"""Measurement of the person-name decision on WMT18 zh-en (read where it lies), by 5-fold
cross-validation over contiguous blocks of lines: each fold is judged by a model whose cutoff and
list of known transliterations were fitted on the other folds only (bench/fit_names.py).

Issue 27's bar: of the names zhen romanizes, >= 90% are in the reference as romanized, and zhen
romanizes >= 4/5 of the jieba `nr` words whose plain pinyin the reference has (397 on WMT18, as
the apostrophe of Hu'ning is counted); such a word counts as romanized when a right romanization
covers it (jieba tags the surname of 记者王轶辰 alone; zhen's Wang Yichen is that name).
Reached on 2026-12-07: precision 0.924 pooled (520/563, every fold >= 0.90), recall 0.824 pooled
(327/397; folds 0.765, 0.924, 0.814, 0.765, 0.854). Most of the 70 left are foreign names whose
pinyin happens to match (帕尼艾 Paniai alone 17, 曼宁 Manning 8, 塔利班 Taliban 5, 卢克 Luke 4)
and places or things jieba tags nr (北斗, 胡同, 平昌); they are left to the model.

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
RECALL_BAR = 0.80  # reached 0.824


def test_names_cross_validated_on_wmt18() -> None:
    from fit_names import Score, cross_validate, load_rows, tagged

    rows = load_rows(WMT18)
    folds = cross_validate(rows, tagged(rows), folds=5)
    pooled = Score()
    for _model, sc in folds:
        pooled = pooled.add(sc)
        assert sc.precision >= 0.89, sc  # no fold far under the bar (the lowest reached 0.904)
    assert 380 <= pooled.gold <= 410  # the names plain pinyin gets right: the recall base is WMT18's
    assert pooled.precision >= PRECISION_BAR, pooled
    assert pooled.recall >= RECALL_BAR, pooled
