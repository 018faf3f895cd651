"""A user's corrected structure: `zhen segment FILE --format json > s.json`, change a kind or a
speaker, then `zhen translate FILE --structure s.json`.

The file is the list of segment rows that `zhen segment --format json` prints; each row
carries the source's checksum (`source_sha256`). It applies to a document only when the
checksum is the document's and its rows hold the document's segments (same ids, same texts,
in order): the edits are to kinds and speakers, never to the text. Anything else is refused
with one line (UsageError, exit 2), so that a structure made for another version of the
release is never laid over this one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from .errors import UsageError
from .normalize import to_norm
from .records import Block, BlockKind, Document, Segment
from .speakers import speaker_in_english

KINDS = ("title", "heading", "paragraph", "turn", "boilerplate")


def structure_digest(path: str | Path) -> str:
    """The SHA-256 of a structure file (provenance: outputs made with another are out of date)."""
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the structure file ({exc.strerror})", option="structure") from exc


def load_structure(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a structure file; UsageError when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a readable structure file ({exc})", option="structure") from exc
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data):
        raise UsageError(f"{path}: a structure file is the JSON list `zhen segment FILE --format json` prints",
                         option="structure")
    return data


def apply_structure(doc: Document, rows: Sequence[Mapping[str, Any]], name: str = "structure") -> Document:
    """The document with the kinds and speakers of rows; UsageError when rows are not this
    document's segments.

    Rows are matched block by block (a block's segments joined), so that a structure made by
    `zhen segment` applies although the translator's token budget cuts long sentences elsewhere."""
    if {r.get("source_sha256") for r in rows} != {doc.source.sha256}:
        raise UsageError(f"{name}: made from another file than {doc.source.path} (checksum differs); "
                         f"run zhen segment on this file again", option="structure")
    by_block: dict[int, list[Mapping[str, Any]]] = {}
    for row in rows:
        if not isinstance(row.get("block"), int) or not isinstance(row.get("text"), str):
            raise UsageError(f"{name}: every row needs its block and text, as zhen segment wrote them",
                             option="structure")
        kind, speaker = row.get("kind"), row.get("speaker")
        if kind not in KINDS:
            raise UsageError(f"{name}: segment {row.get('id')}: kind {kind!r} is not one of {', '.join(KINDS)}",
                             option="structure")
        if speaker is not None and (not isinstance(speaker, str) or not speaker.strip()):
            raise UsageError(f"{name}: segment {row.get('id')}: speaker is a name or null", option="structure")
        by_block.setdefault(int(row["block"]), []).append(row)
    texts: dict[int, list[str]] = {}
    for seg in doc.segments:
        texts.setdefault(seg.block, []).append(seg.text)
    if sorted(by_block) != sorted(texts) or any(
            _flat(r["text"] for r in by_block[b]) != _flat(texts[b]) for b in texts):
        bad = next((b for b in sorted(texts) if b not in by_block
                    or _flat(r["text"] for r in by_block[b]) != _flat(texts[b])), None)
        raise UsageError(f"{name}: its segment texts are not {doc.source.path}'s (block {bad} differs; only kinds "
                         "and speakers may be changed)", option="structure")
    blocks: list[Block] = []
    for block in doc.blocks:
        kind, speaker = _choice(block, by_block.get(block.index, []))
        new_block = _edited_block(block, kind, speaker)
        prev = blocks[-1] if blocks else None
        changed = new_block is not block or (prev is not None and prev is not doc.blocks[prev.index])
        if changed and new_block.kind == "turn" and new_block.speaker:
            # The outputs name the speaker where a run starts: a block whose speaker differs
            # from the one above now starts one (and one that continues it does not).
            starts = prev is None or prev.kind != "turn" or prev.speaker != new_block.speaker
            new_block = replace(new_block, labelled=starts or (new_block.labelled and block.speaker == speaker))
        blocks.append(new_block)
    new = {b.index: b for b in blocks}
    segments = [_edited(seg, new[seg.block]) for seg in doc.segments]
    return replace(doc, segments=tuple(segments), blocks=tuple(blocks))


def _flat(parts: Any) -> str:
    return "".join("".join(parts).split())


def _choice(block: Block, rows: Sequence[Mapping[str, Any]]) -> tuple[BlockKind, str | None]:
    """A block's kind and speaker from its rows: the edited value where one row was edited."""
    values = [(r["kind"], r.get("speaker") if r["kind"] == "turn" else None) for r in rows]
    edited = [v for v in values if v != (block.kind, block.speaker)]
    kind, speaker = edited[0] if edited else (block.kind, block.speaker)
    return cast(BlockKind, kind), speaker


def _edited_block(block: Block, kind: BlockKind, speaker: str | None) -> Block:
    if (block.kind, block.speaker) == (kind, speaker):
        return block
    same = speaker == block.speaker
    return replace(block, kind=kind, speaker=speaker,
                   speaker_en=block.speaker_en if same else speaker_in_english(to_norm(speaker)) if speaker else None,
                   labelled=block.labelled and same)


def _edited(seg: Segment, block: Block) -> Segment:
    if (seg.kind, seg.speaker) == (block.kind, block.speaker):
        return seg
    same = seg.speaker == block.speaker
    # The label's offsets name the pipeline's speaker: one the user wrote has none in the text.
    return replace(seg, kind=block.kind, speaker=block.speaker, speaker_en=block.speaker_en,
                   speaker_start=seg.speaker_start if same else None, speaker_end=seg.speaker_end if same else None)


def restructure_block(doc: Document, block: int, kind: str, speaker: str | None) -> Document:
    """The document with one block's kind and speaker changed (the review page's edit); the
    same checks as a structure file's (UsageError for a kind or speaker that cannot be)."""
    if not any(b.index == block for b in doc.blocks):
        raise UsageError(f"no block {block} in this release", option="structure")
    rows = [{"source_sha256": doc.source.sha256, "id": s.id, "block": s.block, "text": s.text,
             "kind": kind if s.block == block else s.kind,
             "speaker": (speaker or None) if s.block == block else s.speaker} for s in doc.segments]
    return apply_structure(doc, rows, "edit")


def apply_structure_file(docs: Sequence[Document], path: str | Path | None) -> list[Document]:
    """Lay a structure file over the one document it was made from (by checksum); refused
    when it fits none of them."""
    if path is None:
        return list(docs)
    rows = load_structure(path)
    sums = {r.get("source_sha256") for r in rows}
    hits = [i for i, d in enumerate(docs) if {d.source.sha256} == sums]
    if not hits:
        target = docs[0].source.path if len(docs) == 1 else "any input"
        raise UsageError(f"{path}: made from another file than {target} (checksum differs); "
                         f"run zhen segment on this file again", option="structure")
    out = list(docs)
    for i in hits:
        out[i] = apply_structure(docs[i], rows, str(path))
    return out


__all__ = ["apply_structure", "apply_structure_file", "load_structure", "restructure_block", "structure_digest"]
