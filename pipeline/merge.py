"""Stage: bring an editor's reviewed English back into a release (over records; run.run_merge
reads the files). Units are matched by segment id; figures and terms are checked again."""

from __future__ import annotations

from dataclasses import replace

from .checks import assess_segment
from .errors import UsageError
from .facts import check_segment
from .glossary import verify
from .records import Document, Segment


def merge(doc: Document, targets: dict[str, str], checksum: str | None, origin: str) -> tuple[Document, list[str]]:
    """Apply reviewed English to a release; return the new document and the ids that changed."""
    ids = {s.id for s in doc.segments if s.target is not None}
    if checksum is not None and checksum != doc.source.sha256:
        raise UsageError(f"{origin} belongs to another release (its input checksum differs from "
                         f"{doc.source.name}.jsonl); nothing merged")
    unknown = sorted(set(targets) - {s.id for s in doc.segments})
    if unknown or not set(targets) <= ids or not targets:
        raise UsageError(f"{origin} does not match {doc.source.name}: unknown segment ids "
                         f"{', '.join(unknown[:5]) or '(none in common)'}; nothing merged")
    changed: list[str] = []
    segs: list[Segment] = []
    mode = doc.provenance.options.get("facts", "check") if doc.provenance else "check"
    for seg in doc.segments:
        new = targets.get(seg.id)
        if new is not None and new != seg.target:
            changed.append(seg.id)
            flags = (*(f for f in seg.flags if not f.startswith("fact-")), "reviewed")
            seg = replace(seg, target=new, flags=flags, hits=verify(new, seg.hits, enforced=False))
            seg = assess_segment(check_segment(seg, "check" if mode == "fix" else mode))
        segs.append(seg)
    return replace(doc, segments=tuple(segs)), changed
