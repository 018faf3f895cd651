"""Run level of `zhen eval`: score a translation against references.

sacrebleu's BLEU and chrF (with their signatures, so a score can be reproduced), and from the
source: term accuracy (of the glossary terms in the Chinese, how many have the glossary's
English in the hypothesis), figure agreement (of the Chinese figures, how many the hypothesis
keeps) and the share of segments at each risk level (pipeline.checks). `--compare` adds
sacrebleu's paired bootstrap test between the two systems. This is how a user picks a model,
a beam size, int8 or the shortlist.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .checks import assess
from .errors import UsageError
from .facts import check_pair
from .glossary import contains_term, load_glossary, match
from .normalize import to_norm
from .read import read_source
from .write.jsonl import translated_records

BOOTSTRAP_SAMPLES = 1000


def _lines(path: str) -> list[str]:
    return read_source(path).raw.splitlines()


def read_system(path: str, src: str | None) -> tuple[list[str], list[str] | None]:
    """(hypotheses, normalized sources or None): from a zhen JSONL output, or a line file (+ --src)."""
    if path.endswith(".jsonl"):
        recs = [rec for _, rec in translated_records(Path(path))]
        if not recs:
            raise UsageError(f"{path}: no translated segments")
        return [r["target"] for r in recs], [r.get("norm") or to_norm(r.get("text", "")) for r in recs]
    hyps = _lines(path)
    if src is None:
        return hyps, None
    zh = _lines(src)
    if len(zh) != len(hyps):
        raise UsageError(f"{src} has {len(zh)} lines and {path} has {len(hyps)}; they must align")
    return hyps, [to_norm(z) for z in zh]


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
    for name, hyps, _ in systems:
        if len(hyps) != len(refs):
            raise UsageError(f"{name} has {len(hyps)} segments and {ref} has {len(refs)} lines; they must align")
    out: dict[str, Any] = {"segments": len(refs), "systems": []}
    for name, hyps, srcs in systems:
        bleu, chrf = BLEU(), CHRF()
        row: dict[str, Any] = {
            "system": name,
            "bleu": round(bleu.corpus_score(hyps, [refs]).score, 2), "bleu_signature": str(bleu.get_signature()),
            "chrf": round(chrf.corpus_score(hyps, [refs]).score, 2), "chrf_signature": str(chrf.get_signature()),
        }
        if srcs is not None:
            row.update(_source_measures(hyps, srcs, glossary))
        out["systems"].append(row)
    if compare:
        pairs: list[tuple[str, Sequence[str]]] = [(n, h) for n, h, _ in systems]
        out["comparison"] = _paired_bootstrap(pairs, refs)
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
    cmp_ = result.get("comparison")
    if cmp_:
        for metric, c in cmp_.items():
            if isinstance(c, dict):
                lines.append(f"{metric}: {c['baseline']:.2f} -> {c['other']:.2f} "
                             f"(mean {c['other_mean']:.2f} ± {c['other_ci']:.2f}), p = {c['p_value']:.4f} "
                             f"({cmp_['test']}, {cmp_['samples']} samples)")
    return lines
