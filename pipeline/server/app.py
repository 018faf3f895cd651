"""The ASGI app of `zhen serve`: the JSON API, the review page, and the safety around them.

create_app takes the translator (loaded once by the caller; tests pass a fake) and a data
folder. Every write needs `Authorization: Bearer TOKEN`, and every request does when the
server is bound beyond loopback; request bodies are capped before they are read.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from ..engines.base import Translator
from ..errors import ZhenError
from ..glossary import KINDS, GlossaryError
from ..normalize import to_norm
from ..records import Term
from ..termbase import edit_file, lint_files
from ..write import FORMATS
from .docs import ASSETS as DOCS_ASSETS
from .docs import add_docs
from .fetch import FetchLimits, Page, address_refusal, fetch_page
from .jobs import JobError, JobStore, as_utf8, public_message, segment_record
from .page import FAVICON, PAGE, SCRIPT

log = logging.getLogger("zhen.serve")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Pages that hold no data, served to a browser that sends no token wherever the server is
# bound: the review page's shell (its script sends the token), and the API's documentation
# (Swagger UI and the OpenAPI document it reads; its "Authorize" button takes the token).
PUBLIC_PAGES = ("/", "/favicon.ico", "/docs", "/openapi.json", *(f"/docs/{name}" for name in DOCS_ASSETS))
# Reads that need the token even on loopback: the glossary is the newsroom's own.
PRIVATE_READS = "/api/glossary"


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    host: str = "127.0.0.1"
    workers: int = 1
    queue_size: int = 16
    max_body: int = 2 * 1024 * 1024  # bytes of any request body (an upload included)
    max_sync_chars: int = 5000  # POST /api/translate answers at once only for short texts
    sync_timeout: float = 120.0  # seconds a synchronous translation may wait for a worker
    glossary_file: Path | None = None
    allow_private_urls: bool = False  # let POST /api/jobs {"url"} reach loopback and private addresses
    max_fetches: int = 4  # pages being fetched at once; more answer 429

    @property
    def loopback(self) -> bool:
        return self.host in LOOPBACK


class TranslateIn(BaseModel):
    text: str = Field(description="The Chinese release (or part of it), as plain text")


class JobIn(BaseModel):
    text: str | None = Field(None, description="The Chinese release, as plain text")
    url: str | None = Field(None, description="Or: the http(s) address of the release page, fetched by the server")
    name: str | None = Field(None, description="A name to show in the job list (default: the URL, or 'pasted text')")


class EditIn(BaseModel):
    target: str = Field(description="The reviewed English of this segment")


class StructureIn(BaseModel):
    kind: str = Field(description="title, heading, paragraph, turn or boilerplate")
    speaker: str | None = Field(default=None, description="Who speaks (a turn's); null for none")


class NameIn(BaseModel):
    zh: str = Field(description="The name as the release writes it (simplified)")
    en: str = Field(description="Its English, for every segment of the release")


class CheckIn(BaseModel):
    target: str = Field(description="English being typed for this segment (not saved)")


class ApproveIn(BaseModel):
    segments: list[str] | None = Field(None, description="Segment ids to approve; omitted: every translated one")


class TermIn(BaseModel):
    zh: str
    en: str
    kind: str = "term"
    note: str = ""
    variants: list[str] = Field(default_factory=list)
    source: str = ""


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Every error body is one message: {"error": "..."}."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]


class BodyLimit:
    """Refuse a request body over `limit` bytes with 413 before the app parses it (a declared
    Content-Length is trusted for the early answer; a chunked body is counted as it comes)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = _error(413, f"request body over the limit of {self.limit:,} bytes")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await too_big(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await too_big(scope, receive, send)
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def create_app(translator: Translator, config: ServerConfig) -> FastAPI:
    store = JobStore(config.data_dir, translator, workers=config.workers, queue_size=config.queue_size,
                     glossary_file=config.glossary_file)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        store.start()
        try:
            yield
        finally:
            store.stop()

    # /docs is served from the swagger-ui-bundle package (docs.py), never a CDN; ReDoc has no local copy
    app = FastAPI(title="zhen", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Chinese government and police press releases into English: translate, review, "
                              "approve, keep the glossary. Writes need `Authorization: Bearer TOKEN` (printed "
                              "by `zhen serve` at start).")
    app.state.store = store
    app.state.config = config
    # Added first, so it runs inside the token check: an unauthenticated body is never read.
    app.add_middleware(BodyLimit, limit=config.max_body)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        # The public pages hold no data (the page's script fetches it with the token); everything
        # else needs the token on writes, and on reads beyond loopback or of the glossary.
        path = request.url.path
        open_read = request.method in SAFE_METHODS and (
            path in PUBLIC_PAGES or (config.loopback and not path.startswith(PRIVATE_READS)))
        if not open_read:
            given = request.headers.get("authorization", "")
            want = f"Bearer {config.token}"
            if not secrets.compare_digest(given.encode(), want.encode()):
                return _error(401, "missing or wrong access token: send 'Authorization: Bearer TOKEN' "
                                   "(zhen serve prints the token at start)", {"WWW-Authenticate": "Bearer"})
        if config.loopback and request.url.hostname not in LOOPBACK:
            # A page elsewhere that rebinds its own host name to 127.0.0.1 must not read our jobs.
            return _error(421, f"this server answers only for loopback host names, not {request.url.hostname}")
        return await call_next(request)

    @app.exception_handler(JobError)
    async def job_error(_request: Request, exc: JobError) -> JSONResponse:
        headers = {"Retry-After": "30"} if exc.status in (429, 503) else None
        return _error(exc.status, public_message(str(exc)), headers)

    @app.exception_handler(ZhenError)
    async def zhen_error(_request: Request, exc: ZhenError) -> JSONResponse:
        log.warning("%s", exc)  # with its paths, which the answer leaves out
        return _error(400, public_message(str(exc)))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return _error(422, f"{where or 'request'}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(Exception)
    async def crashed(_request: Request, exc: Exception) -> JSONResponse:
        # A bug of ours still answers one line (the traceback goes to the server's log).
        return _error(500, f"internal error ({type(exc).__name__}); see the server's log")

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    # ------------------------------------------------------------------ the page

    csp = ("default-src 'none'; connect-src 'self'; img-src 'self' data: blob:; style-src 'unsafe-inline'; "
           f"script-src 'sha256-{base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()}'; "
           "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
                                           "Referrer-Policy": "no-referrer"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    # ------------------------------------------------------------------ translation

    @app.post("/api/translate", summary="Translate a short text at once")
    async def translate(body: TranslateIn) -> dict[str, Any]:
        """`{"text": ...}` in, `{"segments": [...]}` out, each with the JSONL segment fields. Texts over
        the synchronous limit are refused with 413: submit them as a job."""
        if len(body.text) > config.max_sync_chars:
            raise JobError(f"text of {len(body.text):,} characters is over the limit of {config.max_sync_chars:,} "
                           "for /api/translate; submit it to /api/jobs", 413)
        if not body.text.strip():
            raise JobError("the text is empty (nothing to translate)", 400)
        fut = store.translate_now(body.text)
        try:
            doc = await asyncio.wait_for(asyncio.wrap_future(fut), config.sync_timeout)
        except asyncio.TimeoutError:
            raise JobError("the translation took too long; submit it to /api/jobs", 503) from None
        return {"segments": [segment_record(s) for s in doc.segments]}

    # ------------------------------------------------------------------ jobs

    @app.post("/api/jobs", status_code=202, summary="Submit a release: text, URL or file", openapi_extra={
        "requestBody": {"content": {
            "application/json": {"schema": JobIn.model_json_schema()},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}}, "required": ["file"]}}},
            "required": True}})
    async def submit(request: Request) -> dict[str, Any]:
        """The release is queued for the translation workers; poll GET /api/jobs/{id}. A full queue answers 503.

        With `{"url": ...}` the server fetches the page first (http or https; HTML or plain text) and
        reads it as an .html file: its title and main text. Addresses that are not public (loopback,
        private, link-local, multicast, reserved) are refused with 403 unless the server was started
        with --allow-private-urls, at every redirect too; a bad URL answers 400, a page over the size
        limit 413, one that is not HTML or text 415, an upstream failure 502."""
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise JobError("multipart upload needs a 'file' field", 400)
            data = await upload.read()
            name = upload.filename or "upload.txt"
        else:
            try:
                # json.loads, as FastAPI reads /api/translate's body: a lone surrogate escaped in the
                # JSON is read (and replaced as in a file), not refused here and taken there
                body = JobIn.model_validate(json.loads(await request.body()))
            except ValueError:
                raise JobError('send JSON {"text": "..."} or {"url": "..."}, or a multipart upload with a '
                               "'file' field", 422) from None
            if (body.text is None) == (body.url is None):
                raise JobError('send either "text" or "url", not both or neither', 422)
            if body.url is not None:
                page = await fetch(body.url)
                job = await asyncio.to_thread(store.submit, page.body, body.name or page.url, page.suffix)
                return job.to_dict()
            if not (body.text or "").strip():
                raise JobError("the text is empty (nothing to translate)", 400)
            data, name = as_utf8(body.text or ""), body.name or "pasted text"
        job = await asyncio.to_thread(store.submit, data, name)
        return job.to_dict()

    fetching = threading.BoundedSemaphore(config.max_fetches)
    limits = FetchLimits(max_bytes=config.max_body)
    check = (lambda _ip: None) if config.allow_private_urls else address_refusal

    async def fetch(url: str) -> Page:
        # Each fetch holds a thread for up to its deadline: a bounded number at once, the rest told to wait.
        if not fetching.acquire(blocking=False):
            raise JobError(f"{config.max_fetches} pages are being fetched already; try again shortly", 429)
        try:
            return await asyncio.to_thread(fetch_page, url, limits, check)
        finally:
            fetching.release()

    @app.get("/api/jobs", summary="Every job, newest first")
    def jobs() -> dict[str, Any]:
        return {"jobs": [j.to_dict() for j in store.all()]}

    @app.get("/api/jobs/{job_id}", summary="A job's status, and its segments once done")
    def job(job_id: str) -> dict[str, Any]:
        j = store.get(job_id)
        out = j.to_dict()
        if j.status == "done":
            doc = store.document(job_id)
            out["segments"] = [segment_record(s) for s in doc.segments]
            out["summary"] = doc.summary.to_record() if doc.summary is not None else None
            out["blocks"] = [{"index": b.index, "kind": b.kind, "speaker": b.speaker, "speaker_en": b.speaker_en}
                             for b in doc.blocks]
        return out

    @app.delete("/api/jobs/{job_id}", summary="Delete a finished job and its outputs")
    def delete_job(job_id: str) -> dict[str, Any]:
        store.delete(job_id)
        return {"deleted": job_id}

    @app.get("/api/jobs/{job_id}/output/{fmt}", summary="Download one output format of a finished job")
    def output(job_id: str, fmt: str) -> FileResponse:
        path = store.output(job_id, fmt)
        name = store.download_name(job_id, fmt)
        f = FORMATS[fmt]
        media = f.media_type if f.binary else f"{f.media_type}; charset=utf-8"
        return FileResponse(path, media_type=media, filename=name,
                            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                                     "X-Content-Type-Options": "nosniff"})

    @app.put("/api/jobs/{job_id}/segments/{seg_id}", summary="Edit a segment's English; checks run again")
    def edit(job_id: str, seg_id: str, body: EditIn) -> dict[str, Any]:
        """The edit is recorded (`reviewed` flag); figures, glossary terms and risk are checked again."""
        return segment_record(store.edit(job_id, seg_id, body.target))

    @app.put("/api/jobs/{job_id}/blocks/{index}", summary="Correct a block's kind and speaker")
    def restructure(job_id: str, index: int, body: StructureIn) -> dict[str, Any]:
        """Every output is written again with the block's new kind and speaker; its segments come back."""
        doc = store.restructure(job_id, index, body.kind, body.speaker)
        return {"segments": [segment_record(s) for s in doc.segments if s.block == index]}

    @app.post("/api/jobs/{job_id}/segments/{seg_id}/check",
              summary="Check English for a segment without saving it (as the reviewer types)")
    def check_edit(job_id: str, seg_id: str, body: CheckIn) -> dict[str, Any]:
        """The segment as saving this English would make it (flags, checks, risk): nothing is written."""
        return segment_record(store.check_edit(job_id, seg_id, body.target))

    @app.post("/api/jobs/{job_id}/approve", summary="Approve segments (or the whole release)")
    def approve(job_id: str, body: ApproveIn | None = None) -> dict[str, Any]:
        """`approved`: the ids; `warnings`: what went wrong beside it (a translation memory that
        cannot be written: the approval holds in the job, but later releases will not know it)."""
        ids, warnings = store.approve(job_id, body.segments if body is not None else None)
        return {"approved": ids, "warnings": warnings}

    @app.get("/api/jobs/{job_id}/names", summary="The release's person names: Chinese, English, kind, count")
    def names(job_id: str) -> dict[str, Any]:
        return {"names": store.names(job_id)}

    @app.put("/api/jobs/{job_id}/names", summary="Change a name's English in every segment of the release")
    def rename(job_id: str, body: NameIn) -> dict[str, Any]:
        """Each segment's English is edited through merge (checked again, kept on later runs)."""
        return {"changed": store.rename(job_id, body.zh, body.en)}

    # ------------------------------------------------------------------ glossary

    @app.get("/api/glossary", summary="Glossary entries, optionally searched")
    def glossary(q: str = "", kind: str = "") -> dict[str, Any]:
        g = store.glossary()
        terms = g.terms if g is not None else ()
        needle = to_norm(q).lower()
        found = [t for t in sorted(terms, key=lambda t: t.zh) if (not kind or t.kind == kind) and (
            not needle or any(needle in to_norm(x).lower() for x in (t.zh, t.en, t.note, *t.variants)))]
        return {"file": store.glossary_file.name, "terms": [_term(t) for t in found]}

    @app.get("/api/glossary/lint", summary="The glossary's lint findings (as `zhen glossary lint`)")
    def lint() -> dict[str, Any]:
        # `where` is file:line; the server names its file by its name only, not its path
        found = lint_files([store.glossary_path()])
        return {"findings": [{"where": f.where.replace(str(store.glossary_file), store.glossary_file.name),
                              "level": f.level, "message": f.message} for f in found]}

    @app.get("/api/glossary/export", summary="The glossary as a TSV file (as `zhen glossary export`)")
    def export_glossary() -> Response:
        return Response(store.export_glossary(), media_type="text/tab-separated-values; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="glossary.tsv"',
                                 "X-Content-Type-Options": "nosniff"})

    @app.post("/api/glossary/import", summary="Merge a TSV upload into the glossary (as `zhen glossary import`)",
              openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                  "type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
                  "required": ["file"]}}}, "required": True}})
    async def import_glossary(request: Request, overwrite: bool = False) -> dict[str, Any]:
        """Counts of added, updated and rejected rows, with each rejection's line and reason. A conflict
        (another English for a term already there) is rejected unless `overwrite=true`."""
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise JobError("multipart upload needs a 'file' field", 400)
        data = await upload.read()
        # the upload's own name only labels its rows (a path in it is dropped)
        origin = Path(upload.filename or "upload.tsv").name[:80] or "upload.tsv"
        return await asyncio.to_thread(store.import_glossary, data, origin, overwrite)

    @app.post("/api/glossary", summary="Add a term, or change its English")
    def add_term(body: TermIn) -> dict[str, Any]:
        if body.kind not in KINDS:
            raise JobError(f"unknown kind {body.kind!r}; choose from {', '.join(KINDS)}", 422)
        if not body.zh.strip() or not body.en.strip():
            raise JobError("a term needs both zh and en", 422)
        term = Term(body.zh.strip(), body.en.strip(), body.kind, body.note.strip(),
                    tuple(v.strip() for v in body.variants if v.strip()), source=body.source.strip())
        try:
            res = edit_file(store.glossary_path(), add=[term], by_hand=True)
        except GlossaryError as exc:
            raise JobError(str(exc), 422) from None
        return {"result": "added" if res.added else "changed" if res.changed else "unchanged", "term": _term(term)}

    # {zh:path}: a term's Chinese may hold a "/" (公安部/国家移民管理局), added like any other
    @app.delete("/api/glossary/{zh:path}", summary="Remove a term")
    def remove_term(zh: str) -> dict[str, Any]:
        res = edit_file(store.glossary_path(), remove=[zh])
        if not res.removed:
            raise JobError(f"no term {zh[:40]!r} in the glossary", 404)
        return {"removed": [_term(t) for t in res.removed]}

    add_docs(app)
    return app


def _term(t: Term) -> dict[str, Any]:
    return {"zh": t.zh, "en": t.en, "kind": t.kind, "note": t.note, "variants": list(t.variants), "source": t.source}


__all__ = ["ServerConfig", "create_app"]
