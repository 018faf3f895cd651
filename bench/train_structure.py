"""Retrain the structure model (pipeline/structure_model.json) from annotated pages.

    .venv/bin/python bench/train_structure.py [--dev ../shared/pages-dev] [--extra tests/data/pages] [--no-write]

Reads annotated pages (`NN.txt` + `NN.expected.json`, structure conventions) where they
lie, labels each line with its annotated kind (speaker-label lines, which make no block,
are left out: rules read them), fits a multinomial logistic regression with numpy, prints
leave-one-document-out cross-validated figures on the development pages (each page is
segmented by a model that never saw it; the composed pages always train) and the
in-sample figures, and writes the model trained on everything.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.corpus.score import (  # noqa: E402  # noqa: E402
    FileScore,
    ScoreReport,
    annotated_pairs,
    comparable,
    document_units,
    gold_units,
    load_annotation,
    score_units,
)
from pipeline.normalize import clean  # noqa: E402
from pipeline.read import read_source  # noqa: E402
from pipeline.segment import _lines, segment  # noqa: E402
from pipeline.structure import KINDS, MODEL_FILE, StructureModel, load_model, page_features  # noqa: E402

Page = tuple[str, list[dict[str, float]], list[str], list[float], Path, list[dict[str, object]]]


def line_targets(text: str, blocks: list[dict[str, object]]) -> list[str | None]:
    """Annotated kind of each non-empty line (turns count as paragraphs: speaker rules make
    them turns), None for a speaker-label line."""
    targets: list[str | None] = []
    bi = 0
    for line in _lines(clean(text).text):
        flat = comparable(line.text)
        if bi < len(blocks):
            b = blocks[bi]
            bflat = comparable("".join(str(s) for s in b.get("sentences") or []))  # type: ignore[union-attr]
            if bflat and (flat == bflat or (b.get("kind") == "turn" and flat.endswith(bflat))):
                kind = str(b.get("kind"))
                targets.append("paragraph" if kind == "turn" else kind)
                bi += 1
                continue
        targets.append(None)
    if bi != len(blocks):
        raise SystemExit(f"cannot align the annotation with its lines ({bi} of {len(blocks)} blocks)")
    return targets


def load_pages(folder: Path) -> list[Page]:
    pages: list[Page] = []
    for txt, ann in annotated_pairs(folder):
        blocks = load_annotation(ann)
        src = read_source(str(txt))
        lines = list(_lines(clean(src.raw).text))
        _, feats = page_features([ln.text for ln in lines], [ln.norm for ln in lines])
        try:
            targets = line_targets(src.raw, blocks)
        except SystemExit as exc:
            raise SystemExit(f"{txt}: {exc}") from None
        sent_counts = _sentence_counts(blocks, targets)
        keep = [i for i, t in enumerate(targets) if t is not None]
        pages.append((txt.name, [feats[i] for i in keep], [str(targets[i]) for i in keep],
                      [sent_counts[i] for i in keep], txt, blocks))
    return pages


def _sentence_counts(blocks: list[dict[str, object]], targets: list[str | None]) -> list[float]:
    counts: list[float] = []
    bi = 0
    for t in targets:
        if t is None:
            counts.append(0.0)
            continue
        counts.append(float(len(blocks[bi].get("sentences") or [])))  # type: ignore[arg-type]
        bi += 1
    return counts


def fit(pages: list[Page], l2: float = 0.002, steps: int = 600) -> StructureModel:
    names = sorted({k for p in pages for f in p[1] for k in f})
    index = {k: j for j, k in enumerate(names)}
    rows = [f for p in pages for f in p[1]]
    x = np.zeros((len(rows), len(names)))
    for r, f in enumerate(rows):
        for k, v in f.items():
            x[r, index[k]] = v
    y = np.array([KINDS.index(t) for p in pages for t in p[2]])
    # Weight a line by its sentences (the figures count sentences), dampened so that one long
    # paragraph does not outweigh the short furniture lines.
    w = np.sqrt(np.array([max(1.0, c) for p in pages for c in p[3]]))
    w = w / w.mean()
    k = len(KINDS)
    coef = np.zeros((len(names), k))
    bias = np.zeros(k)
    onehot = np.eye(k)[y]
    m1w, m2w = np.zeros_like(coef), np.zeros_like(coef)
    m1b, m2b = np.zeros_like(bias), np.zeros_like(bias)
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):  # Adam on the weighted cross-entropy plus an L2 penalty
        z = x @ coef + bias
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * w[:, None] / len(y)
        gw = x.T @ g + l2 * coef
        gb = g.sum(axis=0)
        m1w = b1 * m1w + (1 - b1) * gw
        m2w = b2 * m2w + (1 - b2) * gw**2
        m1b = b1 * m1b + (1 - b1) * gb
        m2b = b2 * m2b + (1 - b2) * gb**2
        coef -= lr * (m1w / (1 - b1**t)) / (np.sqrt(m2w / (1 - b2**t)) + eps)
        bias -= lr * (m1b / (1 - b1**t)) / (np.sqrt(m2b / (1 - b2**t)) + eps)
    weights = {c: {n: round(float(coef[j, ci]), 4) for j, n in enumerate(names) if abs(coef[j, ci]) >= 1e-4}
               for ci, c in enumerate(KINDS)}
    return StructureModel(KINDS, weights, {c: round(float(bias[ci]), 4) for ci, c in enumerate(KINDS)})


def evaluate(model: StructureModel, page: Page) -> FileScore:
    doc = segment(read_source(str(page[4])), budget=10**9, model=model)
    return score_units(page[0], gold_units(page[5]), document_units(doc))  # type: ignore[arg-type]


def report(title: str, scores: list[FileScore]) -> ScoreReport:
    rep = ScoreReport(tuple(scores))
    print(f"== {title}")
    print(rep.format_text())
    spk = Counter(e for f in scores for e in f.speaker_errors)
    if spk:
        print("speaker errors (annotated -> produced): " + ", ".join(f"{a or '-'} -> {b or '-'} {n}"
                                                                    for (a, b), n in spk.most_common(12)))
    return rep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "pages-dev")
    ap.add_argument("--extra", type=Path, action="append", default=None,
                    help="more annotated folders that always train (default tests/data/pages)")
    ap.add_argument("--l2", type=float, default=0.002, help="L2 penalty (0.002-0.005 cross-validate alike)")
    ap.add_argument("--no-cv", action="store_true", help="skip leave-one-document-out cross-validation")
    ap.add_argument("--no-write", action="store_true", help="do not overwrite pipeline/structure_model.json")
    ap.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = ap.parse_args(argv)
    extra_dirs = args.extra if args.extra is not None else [ROOT / "tests" / "data" / "pages"]
    dev = load_pages(args.dev)
    extra = [p for d in extra_dirs if d.is_dir() and any(d.glob("*.expected.json")) for p in load_pages(d)]
    figures: dict[str, object] = {}
    if not args.no_cv:
        scores = []
        for i, page in enumerate(dev):
            model = fit(dev[:i] + dev[i + 1:] + extra, l2=args.l2)
            scores.append(evaluate(model, page))
        rep = report(f"leave-one-document-out on {args.dev} ({len(dev)} pages; {len(extra)} composed pages train)",
                     scores)
        figures["cv"] = rep.to_dict()
    model = fit(dev + extra, l2=args.l2)
    rep = report("in-sample (trained on all)", [evaluate(model, p) for p in dev])
    figures["in_sample"] = rep.to_dict()
    if extra:
        figures["composed"] = report("composed pages, in-sample", [evaluate(model, p) for p in extra]).to_dict()
    if not args.no_write:
        path = ROOT / "pipeline" / MODEL_FILE
        path.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
        load_model.cache_clear()
        print(f"wrote {path}")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
