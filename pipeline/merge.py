"""Bring an editor's reviewed English back into a release: `merge` over records, and its driver
`run_merge`, which reads the reviewed file and rewrites the release's outputs. Strict and
lossless: a file that does not match the release unit for unit (same ids once each, same
document, same Chinese) is refused whole; what the reviewer left (English, state, notes, who
and when) is kept on the segment; figures and terms are checked again and the summary follows
the new English."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from .batch import summary_files
from .checks import assess_segment
from .checks.figures import check_segment
from .errors import UsageError
from .facts import describe, unsupported
from .glossary import verify
from .memory import TranslationMemory
from .read import max_bytes, one_line, sanitize
from .records import Document, Review, ReviewedFile, ReviewedUnit, Segment, Summary
from .summarize import headline_text
from .write import FORMATS, existing_formats, summary_path, write_document
from .write.docx import read_reviewed as read_docx_review
from .write.docx import release_name as docx_release
from .write.jsonl import load_document
from .write.xliff import read_reviewed

# XLIFF states that mean a reviewer approved the English as it stands.
APPROVED = ("final", "signed-off")


@dataclass
class MergeResult:
    doc: Document
    changed: list[str]  # ids whose English changed
    figures: list[str] = field(default_factory=list)  # "s3: ..." for figures that no longer match
    warnings: list[str] = field(default_factory=list)
    reviewed: list[Segment] = field(default_factory=list)  # every segment now carrying a reviewer's English


def _same_text(a: str, b: str) -> bool:
    # CAT tools may re-wrap or trim the source; its words must be the release's.
    return "".join(a.split()) == "".join(b.split())


def _clean(target: str) -> tuple[str, bool]:
    """A reviewer's English as one line, the way the model's English is (a pretty-printed
    XLIFF's line breaks and indentation, an Enter in the page's edit box, become one space);
    and whether it held characters no output can carry (controls, separators), which are reported."""
    return one_line(target), bool(sanitize(target)[1])


def check_file(doc: Document, reviewed: ReviewedFile, origin: str) -> dict[str, ReviewedUnit]:
    """The units by id, once every check has passed; else UsageError and nothing merged."""
    name = doc.source.name
    if reviewed.checksum is not None and reviewed.checksum != doc.source.sha256:
        raise UsageError(f"{origin} belongs to another release (its input checksum differs from "
                         f"{name}.jsonl); nothing merged")
    if reviewed.document is not None and reviewed.document != name:
        raise UsageError(f"{origin} belongs to another release ({reviewed.document}, not {name}); nothing merged")
    counts = Counter(u.id for u in reviewed.units)
    dups = sorted(i for i, n in counts.items() if n > 1)
    if dups:
        raise UsageError(f"{origin}: unit id(s) {', '.join(dups[:5])} appear more than once; which English is meant "
                         "cannot be known; nothing merged")
    units = {u.id: u for u in reviewed.units}
    segs = {s.id: s for s in doc.segments}
    ids = {s.id for s in doc.segments if s.target is not None}
    unknown = sorted(set(units) - set(segs))
    if unknown or not set(units) <= ids or not units:
        raise UsageError(f"{origin} does not match {name}: unknown segment ids "
                         f"{', '.join(unknown[:5]) or '(none in common)'}; nothing merged")
    foreign = sorted(i for i, u in units.items() if u.document is not None and u.document != name)
    if foreign:
        raise UsageError(f"{origin}: unit(s) {', '.join(foreign[:5])} belong to {units[foreign[0]].document}, "
                         f"not {name}; nothing merged")
    moved = sorted((i for i, u in units.items() if u.source is not None and not _same_text(u.source, segs[i].text)),
                   key=lambda i: int(i[1:]) if i[1:].isdigit() else 0)
    if moved:
        raise UsageError(f"{origin}: the Chinese of unit(s) {', '.join(moved[:5])} differs from {name} "
                         "(another release or another version of it); nothing merged")
    return units


def apply_review(seg: Segment, target: str, review: Review | None, facts_mode: str) -> Segment:
    """A segment with a reviewer's English: marked reviewed, its terms and figures checked again
    (never "fixed": the reviewer's figures are reported, not rewritten)."""
    flags = (*(f for f in seg.flags if f != "reviewed"), "reviewed")
    seg = replace(seg, target=target, flags=flags, hits=verify(target, seg.hits, enforced=False), review=review)
    mode = "check" if facts_mode == "fix" else facts_mode
    return assess_segment(check_segment(seg, mode), facts=mode)


def merge(doc: Document, reviewed: ReviewedFile, origin: str) -> MergeResult:
    """Apply reviewed English to a release: the new document, the ids that changed, figures to look at."""
    units = check_file(doc, reviewed, origin)
    mode = doc.provenance.options.get("facts", "check") if doc.provenance else "check"
    changed: list[str] = []
    figures: list[str] = []
    warnings: list[str] = []
    segs: list[Segment] = []
    for seg in doc.segments:
        unit = units.get(seg.id)
        if unit is None:
            segs.append(seg)
            continue
        new, cleaned = _clean(unit.target)
        if not new:
            # an empty, self-closing or blank <target> (an empty TMX <seg>) means "not translated
            # yet", never "the English is nothing": the segment keeps its English and is not marked
            warnings.append(f"{seg.id}: the reviewed English is empty; kept the English it had")
            segs.append(seg)
            continue
        if cleaned:
            warnings.append(f"{seg.id}: line separators or control characters in the reviewed English became spaces")
        review = unit.review if unit.review != Review() else (seg.review or Review())
        if new != seg.target:
            changed.append(seg.id)
            seg = apply_review(seg, new, review, mode)
            figures += [f"{seg.id}: {describe(c)}" for c in seg.facts if c.status != "matched"]
        elif review.state in APPROVED or review.notes or seg.reviewed:
            # the English stands; the reviewer's approval and notes are kept with it
            flags = seg.flags if seg.reviewed or review.state not in APPROVED else (*seg.flags, "reviewed")
            seg = replace(seg, flags=flags, review=review)
        segs.append(seg)
    new_doc = replace(doc, segments=tuple(segs))
    summary, note = updated_summary(new_doc, set(changed))
    if note:
        warnings.append(note)
    new_doc = replace(new_doc, summary=summary)
    return MergeResult(new_doc, changed, figures, warnings, [s for s in segs if s.reviewed and s.target])


def updated_summary(doc: Document, changed: set[str]) -> tuple[Summary | None, str | None]:
    """The summary with the reviewed English: its headline and every picked sentence that changed.
    An abstractive summary is the model's rewording; it is kept, with a note to regenerate it."""
    summ = doc.summary
    if summ is None or not changed:
        return summ, None
    by_id = {s.id: s for s in doc.segments}
    if summ.method == "abstractive":
        return replace(summ, headline=headline_text(doc)), (
            "the abstractive summary was written from the machine English; run `zhen summarize` again to redo it")
    picks = [replace(p, en=by_id[p.id].target) if p.id in changed and p.id in by_id else p for p in summ.picks]
    # a figure the summary shows must still come from the source: checked again for the new English
    source = "\n".join(s.norm for s in doc.segments)
    dropped = [d for d in summ.dropped if d.get("id") not in changed]
    for p in picks:
        if p.id in changed:
            bad = unsupported(p.en or "", source)
            if bad:
                dropped.append({"id": p.id, "en": p.en, "unsupported": [f.text for f in bad]})
    return replace(summ, headline=headline_text(doc), picks=picks, dropped=dropped), None


# ---------------------------------------------------------------------------- the driver: files in, files out


@dataclass
class MergeReport:
    reviewed: Path
    changed: list[str]
    written: list[Path]
    figures: list[str] = field(default_factory=list)  # figures the reviewed English no longer matches
    warnings: list[str] = field(default_factory=list)


def run_merge(reviewed: Path, out_dir: Path | None = None, release: str | None = None) -> MergeReport:
    """Bring a reviewed XLIFF, TMX or Word table back: rewrite every output of its release from
    it, the summary included, and remember the reviewed English (the translation memory's
    reviewed entries) for every later run. The reviewer's own file is read, never written."""
    folder = out_dir or reviewed.parent
    word = reviewed.suffix.lower() == ".docx"  # a Word review names its release in its properties
    name = release or (docx_release(reviewed) if word else None) or reviewed.name.rsplit(".", 1)[0]
    jsonl = folder / f"{name}.jsonl"
    if not jsonl.exists():
        raise UsageError(f"{jsonl}: not found; merge needs the release's JSONL output beside it", option="out_dir")
    try:
        size = reviewed.stat().st_size
    except OSError as exc:
        raise UsageError(f"{reviewed}: cannot read ({exc.strerror or exc})") from None
    limit = max_bytes()
    if size > limit:
        raise UsageError(f"{reviewed}: {size // 2**20} MiB is too large for a reviewed release (limit "
                         f"{limit // 2**20} MiB; set ZHEN_MAX_MB to raise it); nothing merged")
    doc = load_document(jsonl)
    result = merge(doc, read_docx_review(reviewed) if word else read_reviewed(reviewed), str(reviewed))
    new = result.doc
    formats = existing_formats(folder, name, FORMATS)
    extra: dict[Path, str] = {}
    if new.summary is not None and summary_path(name, folder).exists():
        extra = summary_files(new, folder, (folder / f"{name}.summary.json").exists())
    written = write_document(new, folder, formats, extra, keep=[reviewed], clean=True)
    warnings = list(result.warnings)
    rows = [(s.norm, s.target or "", s.review.by if s.review else None, s.review.at if s.review else None, s.checks)
            for s in result.reviewed]  # with what its English failed: remembered, not reused as ok
    if rows:
        tm = TranslationMemory()
        tm.reviewed_put(rows, str(reviewed))
        if not tm.usable:
            warnings.append(f"{tm.broken}; the reviewed English is in the outputs but not remembered for other "
                            "releases")
        tm.close()
    return MergeReport(reviewed, result.changed, written, result.figures, warnings)
