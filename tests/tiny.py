"""Build tiny Marian models at test time, laid out like Helsinki-NLP/opus-mt-zh-en.

vocab.json: </s>=0, <unk>=1, the sentencepiece pieces, <pad> last (pad and decoder start),
which is the layout CTranslate2's converter accepts. Weights are random: what such a model
writes is never a translation and is used only to exercise the real loading and
generation code.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

ZH_LINES = [
    "2019年12月25日，公安部召开新闻发布会，通报全国公安机关开展“云剑”行动工作情况。",
    "公安部刑事侦查局局长刘忠义、副局长孙劲峰出席发布会，并回答了媒体记者提问。",
    "截至2019年11月，共破获电信诈骗案件9.4万起，同比上升30.3%。",
    "记者：当前电信网络诈骗犯罪的总体情况如何？",
    "特别是“杀猪盘”网络交友诱导投资赌博类诈骗上升迅猛。",
    "浙江省公安厅查缴资产1.6亿余元，逮捕犯罪嫌疑人269名。",
    "下一步，公安机关将始终保持严打高压态势。",
    "网络“套路贷”下降超七成，民族资产解冻类诈骗犯罪反弹势头得到有效遏制。",
]
EN_LINES = [
    "On December 25, 2019, the Ministry of Public Security held a press conference.",
    "Liu Zhongyi and Sun Jinfeng of the Criminal Investigation Department answered questions.",
    "As of November 2019, 94,000 telecom fraud cases were solved, up 30.3% year on year.",
    "Reporter: What is the overall situation of telecom and online fraud?",
    "Pig-butchering scams that lure victims into investment and gambling rose sharply.",
    "Zhejiang police seized assets of more than 160 million yuan and arrested 269 suspects.",
    "Next, the police will keep up the high pressure of the crackdown.",
    "Taolu loans fell by more than 70 percent, and asset-unfreezing fraud was contained.",
]


def _train_spm(lines: list[str], prefix: Path) -> None:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines * 4),
        model_writer=(buf := io.BytesIO()),
        vocab_size=len(set("".join(lines))) + 60,
        character_coverage=1.0,
        model_type="unigram",
        unk_id=0,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    prefix.with_suffix(".spm").write_bytes(buf.getvalue())


def build_tiny_marian(folder: Path, beams: int = 6, seed: int = 0, positions: int = 512, d_model: int = 16,
                      layers: int = 1) -> Path:
    """Write a tiny MarianMT model (d_model 16, 1 layer) with its tokenizer into `folder`;
    `positions` below 512 makes one whose position limit is under its max_length (as some
    converted models have). Tuning tests ask for a somewhat larger one (d_model 64, 2 layers),
    which learns a few dozen pairs by heart in a few hundred steps."""
    model, _vocab = _marian(folder, ZH_LINES, EN_LINES, d_model=d_model, seed=seed, layers=layers,
                            positions=positions)
    return _save_marian(model, folder, beams, 512)


def _marian(folder: Path, zh: list[str], en: list[str], d_model: int, seed: int, layers: int = 1,
            positions: int = 512) -> tuple[Any, dict[str, int]]:
    """Tokenizers trained on the lines, the vocabulary in opus-mt's layout, and a random model."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel

    folder.mkdir(parents=True, exist_ok=True)
    _train_spm(zh, folder / "source")
    _train_spm(en, folder / "target")
    pieces: list[str] = []
    for name in ("source.spm", "target.spm"):
        sp = spm.SentencePieceProcessor(model_file=str(folder / name))
        for i in range(sp.get_piece_size()):
            piece = sp.id_to_piece(i)
            if piece != "<unk>" and piece not in pieces:
                pieces.append(piece)
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in pieces:
        vocab.setdefault(piece, len(vocab))
    vocab["<pad>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    pad = vocab["<pad>"]
    cfg = MarianConfig(
        vocab_size=len(vocab), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=2 * d_model, decoder_ffn_dim=2 * d_model,
        max_position_embeddings=positions, pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad,
        forced_eos_token_id=0, scale_embedding=True, share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(seed)
    return MarianMTModel(cfg), vocab


def _save_marian(model: Any, folder: Path, beams: int, max_length: int) -> Path:
    gc = model.generation_config
    gc.num_beams, gc.max_length, gc.bad_words_ids = beams, max_length, [[model.config.pad_token_id]]
    model.save_pretrained(folder)
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"source_lang": "zh", "target_lang": "en", "model_max_length": 512,
                    "tokenizer_class": "MarianTokenizer", "separate_vocabs": False}),
        encoding="utf-8",
    )
    return folder


def build_tiny_bart(folder: Path, window: int = 64, seed: int = 0) -> Path:
    """A tiny BART summarizer (d_model 16, 1 layer) with a byte-level BPE tokenizer.

    The position window is small on purpose, so that a release does not fit and the
    summarizer must work in chunks and then summarize the chunks' summaries.
    """
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(EN_LINES * 4, vocab_size=400, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(str(folder))
    tok = BartTokenizer(vocab=str(folder / "vocab.json"), merges=str(folder / "merges.txt"),
                        model_max_length=window)
    tok.save_pretrained(folder)
    cfg = BartConfig(
        vocab_size=len(tok), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=window,
        pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.eos_token_id, forced_bos_token_id=tok.bos_token_id,
    )
    torch.manual_seed(seed)
    BartForConditionalGeneration(cfg).save_pretrained(folder)
    return folder


def build_trained_marian(folder: Path, pairs: list[tuple[str, str]], steps: int = 400, seed: int = 0) -> Path:
    """A tiny Marian model trained until it writes `pairs`' English for their Chinese (greedy).

    Random weights never copy a glossary placeholder (ZX1Q) as opus-mt does; a model that has
    learnt these few pairs does, so the placeholder path can be followed through a real
    engine end to end. The tokenizers are trained on the pairs too."""
    import sentencepiece as spm
    import torch

    zh = [z for z, _ in pairs]
    en = [e for _, e in pairs]
    model, vocab = _marian(folder, zh + ZH_LINES, en + EN_LINES, d_model=64, seed=seed)
    pad = vocab["<pad>"]

    def ids(name: str, text: str) -> list[int]:
        sp = spm.SentencePieceProcessor(model_file=str(folder / name))
        return [vocab.get(p, 1) for p in sp.encode(text, out_type=str)] + [0]

    src = [ids("source.spm", z) for z in zh]
    tgt = [ids("target.spm", e) for e in en]
    n_src, n_tgt = max(map(len, src)), max(map(len, tgt))
    input_ids = torch.tensor([s + [pad] * (n_src - len(s)) for s in src])
    mask = (input_ids != pad).long()
    labels = torch.tensor([t + [-100] * (n_tgt - len(t)) for t in tgt])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small trains many times faster on one thread
    try:
        _fit(model, opt, input_ids, mask, labels, steps)
    finally:
        torch.set_num_threads(threads)
    model.eval()
    return _save_marian(model, folder, 1, 64)


def _fit(model: Any, opt: Any, input_ids: Any, mask: Any, labels: Any, steps: int) -> None:
    for _step in range(steps):
        opt.zero_grad()
        out = model(input_ids=input_ids, attention_mask=mask, labels=labels)
        # Learnt when every next token is right with a margin (teacher forced): greedy decoding
        # then writes the pairs' English.
        probs = out.logits.softmax(-1).max(-1)
        known = labels != -100
        if bool(((probs.indices == labels) & (probs.values > 0.8))[known].all()):
            return
        out.loss.backward()
        opt.step()
