"""Run level of `zhen eval`: score a translation against references.

sacrebleu's BLEU and chrF (with their signatures, so a score can be reproduced), and from the
source: term accuracy (of the glossary terms in the Chinese, how many have the glossary's
English in the hypothesis), figure agreement (of the Chinese figures, how many the hypothesis
keeps) and the share of segments at each risk level (pipeline.checks). `--compare` adds
sacrebleu's paired bootstrap test between the two systems. This is how a user picks a model,
a beam size, int8 or the shortlist.

A zhen JSONL output also carries the model's own confidence per segment (`score`, the mean
token log-probability). Against references that gives the calibration of --min-confidence:
how well the score ranks segments by their sentence chrF (Spearman's ρ), and at a few
thresholds the share of segments below it and their chrF against the rest's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..checks import assess
from ..errors import UsageError
from ..facts import check_pair
from ..glossary import contains_term, load_glossary, match
from ..normalize import to_norm
from ..read import read_source
from ..write.jsonl import translated_records

BOOTSTRAP_SAMPLES = 1000


def _lines(path: str) -> list[str]:
    return read_source(path).raw.splitlines()


def read_system(path: str, src: str | None) -> tuple[list[str], list[str] | None, list[float | None] | None]:
    """(hypotheses, normalized sources or None, model scores or None): from a zhen JSONL output,
    or a line file (+ --src)."""
    if path.endswith(".jsonl"):
        recs = [rec for _, rec in translated_records(Path(path))]
        if not recs:
            raise UsageError(f"{path}: no translated segments")
        scores = [r.get("score") if isinstance(r.get("score"), (int, float)) else None for r in recs]
        return ([r["target"] for r in recs], [r.get("norm") or to_norm(r.get("text", "")) for r in recs],
                scores if any(x is not None for x in scores) else None)
    hyps = _lines(path)
    if src is None:
        return hyps, None, None
    zh = _lines(src)
    if len(zh) != len(hyps):
        raise UsageError(f"{src} has {len(zh)} lines and {path} has {len(hyps)}; they must align")
    return hyps, [to_norm(z) for z in zh], None


def _source_measures(hyps: Sequence[str], srcs: Sequence[str], glossary: Sequence[str]) -> dict[str, Any]:
    g = load_glossary(glossary)
    terms = terms_ok = facts = facts_ok = 0
    risk = {"ok": 0, "check": 0, "bad": 0}
    for zh, en in zip(srcs, hyps, strict=True):
        hits = match(zh, g)
        terms += len(hits)
        terms_ok += sum(contains_term(en, h.en) for h in hits)
        pc = check_pair(zh, en)
        facts += len(pc.checks)
        facts_ok += sum(c.status == "matched" for c in pc.checks)
        risk[assess(zh, en, hits=hits).risk] += 1
    n = len(hyps)
    return {
        "term_accuracy": terms_ok / terms if terms else None, "terms": terms,
        "figure_agreement": facts_ok / facts if facts else None, "figures": facts,
        "risk": {k: v / n for k, v in risk.items()},
    }


def evaluate(hyp: str, ref: str, src: str | None = None, compare: str | None = None,
             glossary: Sequence[str] = ()) -> dict[str, Any]:
    from sacrebleu.metrics import BLEU, CHRF

    refs = _lines(ref)
    systems = [(hyp, *read_system(hyp, src))]
    if compare:
        systems.append((compare, *read_system(compare, src)))
    for name, hyps, *_ in systems:
        if len(hyps) != len(refs):
            raise UsageError(f"{name} has {len(hyps)} segments and {ref} has {len(refs)} lines; they must align")
    out: dict[str, Any] = {"segments": len(refs), "systems": []}
    for name, hyps, srcs, scores in systems:
        bleu, chrf = BLEU(), CHRF()
        row: dict[str, Any] = {
            "system": name,
            "bleu": round(bleu.corpus_score(hyps, [refs]).score, 2), "bleu_signature": str(bleu.get_signature()),
            "chrf": round(chrf.corpus_score(hyps, [refs]).score, 2), "chrf_signature": str(chrf.get_signature()),
        }
        if srcs is not None:
            row.update(_source_measures(hyps, srcs, glossary))
        if scores is not None:
            row["confidence"] = confidence_calibration(hyps, refs, scores)
        out["systems"].append(row)
    if compare:
        pairs: list[tuple[str, Sequence[str]]] = [(n, h) for n, h, *_ in systems]
        out["comparison"] = _paired_bootstrap(pairs, refs)
    return out


CALIBRATION_SHARES = (0.05, 0.1, 0.2, 0.3)


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):  # ties share their mean rank
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Spearman's rank correlation (scipy is not a dependency; this is its definition)."""
    if len(a) < 3:
        return None
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb) if va and vb else None


def confidence_calibration(hyps: Sequence[str], refs: Sequence[str], scores: Sequence[float | None]) -> dict[str, Any]:
    """How the model's score separates worse segments (by sentence chrF) from better ones."""
    from sacrebleu.metrics import CHRF

    chrf = CHRF()
    scored = [(s, chrf.sentence_score(h, [r]).score) for h, r, s in zip(hyps, refs, scores, strict=True)
              if s is not None]
    out: dict[str, Any] = {"segments": len(scored), "spearman": None, "thresholds": []}
    if len(scored) < 3:
        return out
    rho = spearman([s for s, _ in scored], [c for _, c in scored])
    out["spearman"] = None if rho is None else round(rho, 3)
    if rho is None or rho <= 0:
        return out  # the score does not rank worse English lower: no threshold on it would help
    by_score = sorted(scored)
    for share in CALIBRATION_SHARES:
        k = max(1, round(len(by_score) * share))
        if k >= len(by_score):
            continue
        at = by_score[k][0]  # --min-confidence at this value flags the k segments scored below it
        below = [c for s, c in by_score if s < at]
        rest = [c for s, c in by_score if s >= at]
        if not below or not rest:
            continue
        out["thresholds"].append({"min_confidence": round(at, 4), "flagged": len(below) / len(by_score),
                                  "chrf_flagged": round(sum(below) / len(below), 2),
                                  "chrf_rest": round(sum(rest) / len(rest), 2)})
    return out


def _paired_bootstrap(systems: list[tuple[str, Sequence[str]]], refs: list[str]) -> dict[str, Any]:
    """sacrebleu's paired bootstrap resampling: is the second system's difference significant?"""
    from sacrebleu.metrics import BLEU, CHRF
    from sacrebleu.significance import PairedTest

    test = PairedTest(systems, {"BLEU": BLEU(), "chrF": CHRF()}, [refs], test_type="bs",
                      n_samples=BOOTSTRAP_SAMPLES)
    sigs, scores = test()
    out: dict[str, Any] = {"test": "paired bootstrap", "samples": BOOTSTRAP_SAMPLES}
    for metric, results in scores.items():
        if metric == "System":
            continue
        base: Any = results[0]  # sacrebleu Result objects (the "System" column holds names)
        other: Any = results[1]
        out[metric] = {"baseline": round(float(base.score), 2), "other": round(float(other.score), 2),
                       "other_mean": round(float(other.mean), 2), "other_ci": round(float(other.ci), 2),
                       "p_value": float(other.p_value), "signature": str(sigs[metric])}
    return out


def render_text(result: dict[str, Any]) -> list[str]:
    lines = []
    for row in result["systems"]:
        lines.append(f"{row['system']}: BLEU {row['bleu']:.2f}  chrF {row['chrf']:.2f}  "
                     f"({result['segments']} segments)")
        lines.append(f"  BLEU signature: {row['bleu_signature']}")
        lines.append(f"  chrF signature: {row['chrf_signature']}")
        if "risk" in row:
            ta = "n/a" if row["term_accuracy"] is None else f"{row['term_accuracy']:.1%}"
            fa = "n/a" if row["figure_agreement"] is None else f"{row['figure_agreement']:.1%}"
            r = row["risk"]
            lines.append(f"  term accuracy {ta} of {row['terms']}; figure agreement {fa} of {row['figures']}; "
                         f"risk ok {r['ok']:.1%}, check {r['check']:.1%}, bad {r['bad']:.1%}")
        else:
            lines.append("  (give --src ZH.txt for term accuracy, figure agreement and risk)")
        conf = row.get("confidence")
        if conf:
            rho = "n/a" if conf["spearman"] is None else f"{conf['spearman']:.2f}"
            lines.append(f"  model confidence on {conf['segments']} segments: Spearman ρ with sentence chrF {rho}")
            if conf["segments"] >= 3 and (conf["spearman"] is None or conf["spearman"] <= 0):
                lines.append("    the score does not rank worse English lower here: --min-confidence does not help "
                             "with this model and text")
            for t in conf["thresholds"]:
                lines.append(f"    --min-confidence {t['min_confidence']:g} flags {t['flagged']:.0%}: chrF "
                             f"{t['chrf_flagged']:.1f} there, {t['chrf_rest']:.1f} in the rest")
    cmp_ = result.get("comparison")
    if cmp_:
        for metric, c in cmp_.items():
            if isinstance(c, dict):
                lines.append(f"{metric}: {c['baseline']:.2f} -> {c['other']:.2f} "
                             f"(mean {c['other_mean']:.2f} ± {c['other_ci']:.2f}), p = {c['p_value']:.4f} "
                             f"({cmp_['test']}, {cmp_['samples']} samples)")
    return lines
