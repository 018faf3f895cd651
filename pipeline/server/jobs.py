"""The server's run level: jobs on disk, the bounded translation workers, edits and approvals.

Like run.py for the CLI, this is where the server reads and writes files; the stages it calls
(read, segment, translate, checks, merge, write) work over records. Each job is a folder
DATA/jobs/ID/ holding job.json (its state), input (the bytes submitted) and release.* (every
output format). IDs are generated here and checked against ID_RE before any path is built, so
no request names a path; every file is written whole (atomic_write) or not at all.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ..engines.base import Translator
from ..errors import UsageError, ZhenError
from ..files import atomic_write
from ..flow import Context, pipe, token_counter
from ..glossary import Glossary, GlossaryError, load_glossary, packaged_glossary_dir, parse_tsv, split_lines
from ..memory import TranslationMemory
from ..merge import merge
from ..names import name_table, renamed
from ..provenance import now
from ..read import display_stem, read_source, sanitize
from ..records import Document, Review, ReviewedFile, ReviewedUnit, Segment, SummaryOptions, Term, TranslateOptions
from ..segment import segment
from ..structure_file import restructure_block
from ..termbase import check_term, edit_file, export_terms
from ..write import FORMATS, write_document
from ..write.jsonl import load_document

ID_RE = re.compile(r"^[0-9a-f]{16}$")
# Characters no file name on Windows, macOS or Linux may hold (and a path's separators).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
NAME = "release"  # every job's outputs are release.<suffix>: the user's file name is display only
ALL_FORMATS = tuple(FORMATS)
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".doc", ".pdf")


LOCK_NAME = ".zhen-serve.lock"
# An absolute path in a message (not an API route, not a URL's path: "//" or a scheme precede those)
_ABS_PATH = re.compile(r"(?<![\w.:/~-])(?!/api/|/docs|/openapi)(?:/[^/\s'\"():,;]+)+/?")
log = logging.getLogger("zhen.serve")


def public_message(message: str) -> str:
    """An error as a client may see it: the server's absolute paths (its data folder, its
    glossary, the memory) by their last part only. The whole message goes to the log."""
    return _ABS_PATH.sub(lambda m: Path(m.group()).name or "/", message)


def claim_data_dir(data_dir: Path) -> Any:
    """The data folder's lock, held while a server uses it: a second `zhen serve` on the same
    folder is refused (two servers' edits of one job would overwrite each other). A killed
    server's lock goes with its process."""
    from filelock import FileLock, Timeout

    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / LOCK_NAME), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise UsageError(f"{data_dir}: another zhen serve is using this data folder; stop it first, or give "
                         "this one --data-dir elsewhere") from None
    return lock


class JobError(ZhenError):
    """A request the server refuses; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Job:
    id: str
    name: str  # as the user named it (display only)
    status: str = "queued"  # queued, running, done, failed
    created: str = ""
    finished: str | None = None
    error: str | None = None
    segments: int = 0
    done: int = 0  # progress: sentences translated so far
    total: int = 0
    suffix: str = ".txt"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Progress:
    """The ProgressFactory's bar for one job: counts sentences into the job's in-memory state."""

    def __init__(self, job: Job, total: int) -> None:
        self.job = job
        job.total, job.done = total, 0

    def update(self, n: int) -> None:
        self.job.done = min(self.job.total, self.job.done + n)


def translate_source_bytes(data: bytes, suffix: str, translator: Translator, glossary: Glossary | None,
                           options: TranslateOptions, progress: Callable[[int, str], Any] | None = None,
                           with_summary: bool = True, name: str | None = None) -> Document:
    """One submitted text read and segmented, then through every stage of the flow that a local
    run takes (pipeline.flow). The extractive summary (the release's own key sentences, each with
    its segment id) heads the review page and the JSONL, as with `zhen translate --summary`.
    `name`, the job's as the user gave it, is the input the outputs name (the page's title where
    the release has none); the files themselves stay release.*."""
    src = read_source(f"{NAME}{suffix}", data=data)
    if name:
        src = replace(src, path=f"{file_stem(name)}{suffix}")
    ctx = Context(translator, glossary, options, count_tokens=token_counter(translator), progress=progress,
                  summary=SummaryOptions() if with_summary else None)
    return pipe([segment(src, budget=options.max_tokens, count_tokens=ctx.count_tokens)], ctx)[0]


class JobStore:
    """Jobs under DATA/jobs, the server-side glossary file, and the workers that run the model."""

    def __init__(self, data_dir: Path, translator: Translator, workers: int = 1, queue_size: int = 16,
                 glossary_file: Path | None = None, options: TranslateOptions | None = None) -> None:
        self.root = data_dir
        self.jobs_dir = data_dir / "jobs"
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self.translator = translator
        self.options = options or TranslateOptions(formats=ALL_FORMATS, cache=False)
        self.glossary_file = glossary_file or data_dir / "glossary.tsv"
        self._glossary: tuple[float, Glossary] | None = None
        self._jobs: dict[str, Job] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.glossary_path()
        self.queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=queue_size)
        self.workers = workers
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._claim: Any = None
        self._load_existing()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self._claim = claim_data_dir(self.root)
        for i in range(self.workers):
            t = threading.Thread(target=self._work, name=f"zhen-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        # A server killed mid-job comes back with that job resumed: its input was written
        # before it was queued, and its outputs are only ever written whole.
        for job in sorted(self._jobs.values(), key=lambda j: j.created):
            if job.status in ("queued", "running"):
                job.status = "queued"
                try:
                    self.queue.put_nowait(("job", job.id))
                except queue.Full:
                    self._finish(job, error="the server restarted and its queue was full; submit it again")

    def stop(self) -> None:
        """Stop taking work; a job still running finishes first. Jobs still waiting stay queued on
        disk and are taken up at the next start."""
        self._stopping.set()
        for t in self._threads:
            t.join(timeout=60)
        self._threads.clear()
        if self._claim is not None:
            self._claim.release()
            self._claim = None

    def _load_existing(self) -> None:
        for folder in self.jobs_dir.iterdir():
            meta = folder / "job.json"
            if ID_RE.fullmatch(folder.name) and meta.is_file():
                try:
                    job = Job(**json.loads(meta.read_text(encoding="utf-8")))
                except (ValueError, TypeError):
                    continue  # not ours, or from another version: leave it alone
                self._jobs[job.id] = job

    # ------------------------------------------------------------------ glossary

    def glossary_path(self) -> Path:
        """The server's glossary file, there before anyone reads or edits it. The server keeps
        its own copy of the term base, so that edits in the browser never touch the packaged
        one. A file deleted while the server runs is written again from the terms last read
        (none lost that the server knew), or from the packaged base before any was read."""
        with self._lock:
            if not self.glossary_file.exists():
                if self._glossary is not None:
                    log.warning("%s: deleted while the server ran; written again from the %d terms last read",
                                self.glossary_file, len(self._glossary[1].terms))
                    text = export_terms(self._glossary[1].terms, "tsv")
                else:
                    text = (packaged_glossary_dir() / "police.tsv").read_text(encoding="utf-8")
                atomic_write(self.glossary_file, text)
        return self.glossary_file

    def glossary(self) -> Glossary | None:
        """The server's glossary, read again whenever its file changed (an edit in the browser)."""
        if self.options.glossary_mode == "off":
            return None
        stamp = self.glossary_path().stat().st_mtime_ns
        with self._lock:
            if self._glossary is None or self._glossary[0] != stamp:
                self._glossary = (stamp, load_glossary([str(self.glossary_file)]))
            return self._glossary[1]

    def import_glossary(self, data: bytes, origin: str, overwrite: bool = False) -> dict[str, Any]:
        """Merge an uploaded TSV into the server's glossary as `zhen glossary import` does (the same
        parser and field checks, one locked atomic edit); a bad row is rejected with its reason
        rather than refusing the rows around it, and so is a conflict unless `overwrite`."""
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JobError(f"{origin}: a glossary file must be UTF-8 text", 422) from None
        lines = split_lines(text)
        at = next((i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")), None)
        if at is None:
            raise JobError(f"{origin}: no header row (zh<TAB>en<TAB>kind<TAB>note)", 422)
        try:
            parse_tsv(lines[at], origin)  # the header alone: refused whole if it is not ours
        except GlossaryError as exc:
            raise JobError(str(exc), 422) from None
        terms: list[Term] = []
        rejected: list[dict[str, Any]] = []
        for i in range(at + 1, len(lines)):
            if not lines[i].strip() or lines[i].lstrip().startswith("#"):
                continue
            # Each row parsed under the header alone (not the whole upload again, which made an
            # import quadratic), then named by its own line.
            try:
                try:
                    row = [replace(t, origin=f"{origin}:{i + 1}")
                           for t in parse_tsv(lines[at] + "\n" + lines[i], origin, default_kind="")]
                except GlossaryError as exc:
                    raise GlossaryError(str(exc).replace(f"{origin}:2:", f"{origin}:{i + 1}:", 1)) from None
                for t in row:
                    check_term(t)
                terms += row
            except GlossaryError as exc:
                rejected.append({"line": i + 1, "zh": lines[i].split("\t", 1)[0][:40], "reason": str(exc)})
        try:
            res = edit_file(self.glossary_path(), add=terms, overwrite=overwrite)
        except GlossaryError as exc:
            raise JobError(str(exc), 422) from None
        rejected += [{"line": int(new.origin.rsplit(":", 1)[1]), "zh": new.zh,
                      "reason": f"conflict: keeping {old.en!r}, not {new.en!r} (import with overwrite to take it)"}
                     for old, new in res.conflicts]
        return {"added": len(res.added), "updated": len(res.changed), "rejected": len(rejected),
                "unchanged": len(terms) - len(res.added) - len(res.changed) - len(res.conflicts),
                "changes": [{"zh": new.zh, "from": old.en, "to": new.en} for old, new in res.changed],
                "rejections": sorted(rejected, key=lambda r: r["line"])}

    def export_glossary(self) -> str:
        """The server's glossary as TSV, every column (as `zhen glossary export`)."""
        return export_terms(load_glossary([str(self.glossary_path())]).terms, "tsv")

    # ------------------------------------------------------------------ jobs

    def folder(self, job_id: str) -> Path:
        if not ID_RE.fullmatch(job_id):  # fullmatch: `$` alone would let a trailing newline through
            raise JobError(f"not a job id: {job_id[:40]!r} (job ids are 16 hex digits)", 400)
        return self.jobs_dir / job_id

    def get(self, job_id: str) -> Job:
        self.folder(job_id)
        job = self._jobs.get(job_id)
        if job is None:
            raise JobError(f"no such job: {job_id}", 404)
        return job

    def all(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def submit(self, data: bytes, name: str = "pasted text", suffix: str | None = None) -> Job:
        """Store the input, then queue it; a full queue refuses the job (nothing is kept). The
        suffix (how the input is read) follows the name unless given (a fetched page's type)."""
        if suffix not in UPLOAD_SUFFIXES:
            suffix = next((s for s in UPLOAD_SUFFIXES if name.lower().endswith(s)), ".txt")
        job = Job(id=secrets.token_hex(8), name=sanitize(name)[0][:200], created=now(), suffix=suffix)
        if self.queue.full():
            raise JobError("the translation queue is full; try again in a minute", 503)
        folder = self.folder(job.id)
        folder.mkdir(parents=True)
        (folder / "input").write_bytes(data)
        self._save(job)  # job.json after the input: a job on disk always has its whole input
        with self._lock:
            self._jobs[job.id] = job
        try:
            self.queue.put_nowait(("job", job.id))
        except queue.Full:
            self._finish(job, error="the translation queue was full")
            raise JobError("the translation queue is full; try again in a minute", 503) from None
        return job

    def delete(self, job_id: str) -> None:
        """Remove a finished job and its files (a queued or running one is refused: a worker holds it)."""
        with self._job_lock(job_id):
            job = self.get(job_id)
            if job.status in ("queued", "running"):
                raise JobError(f"job {job_id} is {job.status}; delete it once it has finished", 409)
            with self._lock:
                del self._jobs[job_id]
            shutil.rmtree(self.folder(job_id), ignore_errors=True)

    def translate_now(self, text: str) -> Future[Document]:
        """A short text through the same workers (so the model never runs on more threads than --workers)."""
        fut: Future[Document] = Future()
        try:
            self.queue.put_nowait(("text", (text, fut)))
        except queue.Full:
            raise JobError("the translation queue is full; try again in a minute", 503) from None
        return fut

    def document(self, job_id: str) -> Document:
        job = self.get(job_id)
        if job.status != "done":
            raise JobError(f"job {job_id} is {job.status}; its segments are not ready", 409)
        return load_document(self.folder(job_id) / f"{NAME}.jsonl")

    def download_name(self, job_id: str, fmt: str) -> str:
        """The file name a download gets: the release's name as the user gave it, not the job's id."""
        return f"{file_stem(self.get(job_id).name)}{FORMATS[fmt].suffix}"

    def output(self, job_id: str, fmt: str) -> Path:
        if fmt not in FORMATS:
            raise JobError(f"unknown format {fmt[:20]!r}; choose from {', '.join(FORMATS)}", 404)
        self.document(job_id)  # done, or the reason it is not
        return self.folder(job_id) / f"{NAME}{FORMATS[fmt].suffix}"

    def edit(self, job_id: str, seg_id: str, target: str) -> Segment:
        """New English for one segment through merge, as a reviewed XLIFF unit would come back:
        facts, glossary and risk checked again, the summary following; every output rewritten."""
        with self._job_lock(job_id):
            new = _edited(self.document(job_id), seg_id, target)
            self._write(job_id, new)
            return _find(new, seg_id)

    def restructure(self, job_id: str, block: int, kind: str, speaker: str | None) -> Document:
        """A block's kind and speaker as the reviewer corrects them; the English stays, every
        output is written again (the Markdown and the page group turns by the new speaker)."""
        with self._job_lock(job_id):
            try:
                new = restructure_block(self.document(job_id), block, kind, speaker)
            except UsageError as exc:
                raise JobError(str(exc), 400) from exc
            self._write(job_id, new)
            return new

    def check_edit(self, job_id: str, seg_id: str, target: str) -> Segment:
        """What `edit` would make of the segment (its checks and risk), nothing written: the page
        calls it as the reviewer types."""
        return _find(_edited(self.document(job_id), seg_id, target), seg_id)

    def names(self, job_id: str) -> list[dict[str, Any]]:
        """The release's person names: Chinese, English, kind and how often each occurs."""
        return [{"zh": zh, "en": en, "kind": kind, "count": n} for zh, en, kind, n in name_table(self.document(job_id))]

    def rename(self, job_id: str, zh: str, en: str) -> list[str]:
        """A name's new English in every segment of the release, through merge (as if a reviewer
        had edited each one: checked again, kept as reviewed English on later runs)."""
        if not en.strip():
            raise JobError("a name's English cannot be empty", 400)
        with self._job_lock(job_id):
            doc = self.document(job_id)
            if zh not in {row[0] for row in name_table(doc)}:
                raise JobError(f"no name {zh[:20]!r} in this job", 404)
            units, named = renamed(doc, zh, en.strip())
            result = merge(named, ReviewedFile("xliff", tuple(units)), f"name {zh}")
            self._write(job_id, result.doc)
            return result.changed

    def approve(self, job_id: str, seg_ids: Sequence[str] | None) -> tuple[list[str], list[str]]:
        """Sign segments off (all translated ones when None): flags reviewed and approved in the
        JSONL, and the XLIFF state signed-off, as a CAT tool's approval would read. Returns the
        ids and warnings: a memory that cannot be written is said, not passed over."""
        with self._job_lock(job_id):
            doc = self.document(job_id)
            wanted = {s.id for s in doc.segments if s.target} if seg_ids is None else set(seg_ids)
            for sid in wanted:
                _find(doc, sid)
            stamp = now()
            segs = tuple(replace(s, flags=(*s.flags, *(f for f in ("reviewed", "approved") if f not in s.flags)),
                                 review=replace(s.review or Review(), state="signed-off", at=stamp))
                         if s.id in wanted else s for s in doc.segments)
            self._write(job_id, replace(doc, segments=segs))
        # The memory learns every approval, as it learns a merged review: later runs anywhere
        # keep this English for the same Chinese (a broken memory is skipped, see engines.memory).
        tm = TranslationMemory()
        approved = [s for s in segs if s.id in wanted and s.target]
        # An approved segment's names go to the memory too, each as its own reviewed pair.
        names = {(n.zh, n.en) for s in approved for n in s.names if n.en and n.kind == "person" and "某" not in n.zh}
        tm.reviewed_put([(s.norm, s.target or "", s.review.by if s.review else None, stamp, s.checks)
                         for s in approved] +
                        [(zh, en, None, stamp) for zh, en in sorted(names)], f"zhen serve, job {job_id}")
        tm.close()
        warnings = []
        if not tm.usable:
            log.warning("approval of job %s not remembered: %s", job_id, tm.broken)
            warnings.append(public_message(f"{tm.broken}: the approval is saved in this job, but not remembered "
                                           "for later releases"))
        return sorted(wanted), warnings

    # ------------------------------------------------------------------ internals

    def _job_lock(self, job_id: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(job_id, threading.Lock())

    def _write(self, job_id: str, doc: Document) -> None:
        write_document(doc, self.folder(job_id), ALL_FORMATS, clean=True)

    def _save(self, job: Job) -> None:
        atomic_write(self.folder(job.id) / "job.json", json.dumps(job.to_dict(), ensure_ascii=False) + "\n")

    def _finish(self, job: Job, error: str | None = None) -> None:
        job.status = "failed" if error else "done"
        if error:
            log.warning("job %s failed: %s", job.id, error)
        job.error = public_message(error) if error else None
        job.finished = now()
        self._save(job)

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                item = self.queue.get(timeout=0.2)  # wake now and then to see whether to stop
            except queue.Empty:
                continue
            if item is None:
                return
            kind, payload = item
            if kind == "text":
                text, fut = payload
                if fut.set_running_or_notify_cancel():
                    try:
                        fut.set_result(translate_source_bytes(as_utf8(text), ".txt", self.translator,
                                                              self.glossary(), self.options, with_summary=False))
                    except Exception as exc:  # the waiting request reports it
                        fut.set_exception(exc)
                continue
            self._run_job(payload)

    def _run_job(self, job_id: str) -> None:
        job = self._jobs[job_id]
        job.status = "running"
        self._save(job)
        try:
            data = (self.folder(job_id) / "input").read_bytes()
            doc = translate_source_bytes(data, job.suffix, self.translator, self.glossary(), self.options,
                                         progress=lambda total, _label: _Progress(job, total), name=job.name)
            self._write(job_id, doc)
            job.segments = len(doc.segments)
            self._finish(job)
        except ZhenError as exc:
            self._finish(job, error=str(exc))
        except Exception as exc:  # one bad job must not kill the worker
            self._finish(job, error=f"cannot translate ({type(exc).__name__}: {exc})")


def file_stem(name: str) -> str:
    """A job's name as a file name: no reader's suffix, no character a file name cannot hold
    (a name may be "Report 3/2024"), at most 120 characters; "release" when nothing is left."""
    return display_stem(_UNSAFE.sub("-", name)).strip(" .-")[:120] or NAME


def as_utf8(text: str) -> bytes:
    """Text from a JSON body as bytes to read: JSON may carry a lone surrogate ("\\ud800"), which
    no UTF-8 can, and becomes U+FFFD as it does in a file (read.sanitize)."""
    return sanitize(text)[0].encode("utf-8")


def _edited(doc: Document, seg_id: str, target: str) -> Document:
    seg = _find(doc, seg_id)
    if not target.strip():
        raise JobError("the English of a segment cannot be empty", 400)
    result = merge(doc, ReviewedFile("xliff", (ReviewedUnit(seg.id, target),)), f"edit of {seg_id}")
    new = result.doc
    if result.changed:
        # New English needs approving again: an earlier sign-off was for other words.
        new = replace(new, segments=tuple(
            replace(s, flags=tuple(f for f in s.flags if f != "approved"),
                    review=replace(s.review, state=None, at=now()) if s.review else Review(at=now()))
            if s.id == seg.id else s for s in new.segments))
    return new


def _find(doc: Document, seg_id: str) -> Segment:
    seg = next((s for s in doc.segments if s.id == seg_id), None)
    if seg is None:
        raise JobError(f"no segment {seg_id[:40]!r} in this job", 404)
    if not seg.target:
        raise JobError(f"segment {seg_id} is not translated (boilerplate or empty)", 409)
    return seg


def segment_record(seg: Segment) -> dict[str, Any]:
    """A segment as the JSONL output has it (the API's segment fields)."""
    return {"type": "segment", **seg.to_dict()}


__all__ = ["ID_RE", "Job", "JobError", "JobStore", "segment_record", "translate_source_bytes"]
