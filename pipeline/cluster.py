"""`zhen translate --cluster ADDRESS`: the same batch on a Ray cluster, through Ray Data.

The driver (the machine zhen runs on) lists the inputs, reads their bytes (it alone needs to
see the files) and writes every output; the work in between runs on the cluster:

    driver: list, read bytes ─► tasks: decode ─► driver: output names, skip what is up to date,
        chunks ─► tasks: read and segment a chunk ─► actor pool: glossary protect, translate,
        check a chunk ─► driver: write each document of the chunk, remember its translations

Nothing here reads or writes the outputs, and nothing here knows the run: pipeline.run drives
a job and hands in its own per-document functions (reading, segmenting, the translation
stage with its checks), so that a cluster run does exactly what a local run does.

Ray is imported inside the functions that need it: zhen without the `cluster` extra stays
whole, and `--cluster` then says how to get it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from .batch import DocResult
from .cedict import cedict_gloss
from .engines import engine_class, load_translator
from .engines.base import MarianEngine, SpmTokenCounter, Translator
from .errors import UsageError, ZhenError
from .flow import ON_ACTORS, Context, Stage, pipe, read_one, segment_one
from .glossary import Glossary, jieba_module
from .loopback_ray import keep_loopback
from .memory import CachedTranslator
from .names import find_names
from .provenance import now
from .read import max_bytes, read_bytes
from .records import Document, ModelRef, Source, TranslateOptions, Translation

INSTALL = "pip install 'zhen[cluster]'"
# Segmenting a chunk takes about a fifteenth of translating it: one segmenter keeps about 15
# actors fed; one for every 8 (at least 2, so the first chunks are ready together) leaves room.
ACTORS_PER_SEGMENTER = 8


def actor_stages(docs: list[Document], ctx: Context) -> list[Document]:
    """What an actor does to a chunk: the flow's translation stages, those of a local run."""
    return pipe(docs, ctx, ON_ACTORS)


def import_ray() -> Any:
    """Ray, or the one line that says how to install it (exit 2)."""
    try:
        # A bare `ray` imports ray.data but fails at the first dataset without pyarrow: ask for both.
        import pyarrow  # noqa: F401
        import ray
        import ray.data
    except ImportError:
        raise UsageError(f"--cluster needs Ray (ray[data]), which this install lacks; install it with: {INSTALL}",
                         option="cluster") from None
    return ray


# Seconds a driver may take to join a cluster (ZHEN_CLUSTER_TIMEOUT changes it): past it, ray.init
# is not coming back (it retries a cluster it cannot join, an address Ray rewrote, for ever).
CONNECT_TIMEOUT = 60.0
TOKEN_HELP = ("if the cluster was started with token authentication (Ray turns it on when ~/.ray/auth_token "
              "exists or RAY_AUTH_MODE=token), give its token with --cluster-token or RAY_AUTH_TOKEN")


def default_token_path() -> Path:
    """Where `ray start` and `ray get-auth-token --generate` keep the token (Ray's own default)."""
    return Path.home() / ".ray" / "auth_token"


def use_token_auth(token: str | None = None) -> bool:
    """Ray's token authentication for this driver, through the variables Ray documents: a token
    given (--cluster-token) becomes RAY_AUTH_TOKEN; with RAY_AUTH_MODE unset, a token that Ray
    would find (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH, ~/.ray/auth_token) turns token mode on,
    as `ray start --head` does for the cluster it starts once that file exists. Ray connects
    to an explicit address without it, and a cluster with tokens then refuses the driver.
    A driver in token mode also joins a cluster without tokens, but that cluster's nodes then
    cannot fetch the driver's objects (measured: OwnerDiedError on the second node): set
    RAY_AUTH_MODE=disabled for such a cluster; the one-line error of a lost run says so."""
    if token:
        os.environ["RAY_AUTH_TOKEN"] = token
        os.environ["RAY_AUTH_MODE"] = "token"
    elif os.environ.get("RAY_AUTH_MODE") is None:
        found = os.environ.get("RAY_AUTH_TOKEN") or Path(
            os.environ.get("RAY_AUTH_TOKEN_PATH") or default_token_path()).is_file()
        if found:
            os.environ["RAY_AUTH_MODE"] = "token"
    on = os.environ.get("RAY_AUTH_MODE", "").lower() == "token"
    try:  # Ray reads its settings once: this process may have imported it before (tests)
        import importlib

        raylet = importlib.import_module("ray._raylet")
        raylet.Config.initialize("")
        raylet.AuthenticationTokenLoader.instance().reset_cache()
    except (ImportError, AttributeError):
        pass
    return on


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return host.strip("[]") == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@contextmanager
def _native_stderr_muted() -> Iterator[int]:
    """Ray's C++ core writes to the process's stderr as the driver joins ("Set ray log level from
    environment variable RAY_BACKEND_LOG_LEVEL", whatever the level), below any Python logging
    setting: file descriptor 2 goes to /dev/null for the length of ray.init. Failures there
    still reach the user (ray.init raises; the watchdog writes to the fd this yields)."""
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield saved
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _watchdog(address: str, seconds: float, err: int = 2) -> threading.Timer:
    """ray.init does not give up on some clusters it cannot join: past `seconds`, one line (to
    `err`, the real stderr's file descriptor) and exit status 2, as any setup error."""

    def expire() -> None:
        os.write(err, f"error: cannot join the Ray cluster at {address} within {seconds:.0f} s: check that its "
                      f"head runs and is reachable there; {TOKEN_HELP}\n".encode())
        os._exit(2)  # the main thread is inside ray.init, which no exception reaches

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


def connect(address: str, env: dict[str, str], token: str | None = None) -> Any:
    """Join the cluster at `address` (host:port of its head), `auto` (RAY_ADDRESS, else the
    cluster a `ray start` on this machine runs) or `local` (a cluster in this process, on this
    machine's cores, on loopback only). `env` travels with the job to every worker; `token`
    is the cluster's token when it has one (see use_token_auth)."""
    ray = import_ray()
    use_token_auth(token)
    if address == "local":
        keep_loopback()
    elif address != "auto":
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"{address}: a Ray cluster is named HOST:PORT (its head's GCS port, 6379 by "
                             "default), auto or local", option="cluster")
        try:  # ray.init itself retries an unreachable address for minutes
            socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
        except OSError as exc:
            raise UsageError(f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); start it with "
                             "`ray start --head` and give its address", option="cluster") from None
        if _is_loopback(host):
            keep_loopback()
    # Ray's own logs go to its session folder, not to zhen's stderr: the driver shows one bar and
    # the report. (Its core worker would say on every run, as an error, that Ray Data keeps the
    # actors' constructor arguments in the object store; it says that it read this instead.)
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    logging.getLogger("ray").setLevel(logging.ERROR)
    kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR,
                              "runtime_env": {"env_vars": env} if env else None}
    try:
        seconds = float(os.environ.get("ZHEN_CLUSTER_TIMEOUT") or CONNECT_TIMEOUT)
    except ValueError:
        raise UsageError(f"ZHEN_CLUSTER_TIMEOUT={os.environ['ZHEN_CLUSTER_TIMEOUT']!r}: a number of seconds") from None
    with _native_stderr_muted() as err:
        watchdog = _watchdog(address, seconds, err)
        try:
            if address == "local":
                ray.init(include_dashboard=False, _node_ip_address="127.0.0.1", **kwargs)
            else:
                ray.init(address=address, **kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UsageError(f"cannot join the Ray cluster at {address} ({first}); {TOKEN_HELP}",
                             option="cluster") from None
        finally:
            watchdog.cancel()
    data_log = logging.getLogger("ray.data")
    data_log.setLevel(logging.ERROR)  # Ray Data sets its own level at init
    for handler in data_log.handlers:
        # Ray Data logs a failed task with its traceback on the console before the error reaches
        # us, and zhen reports the failure in one line of its own; the session's ray-data.log
        # (a plain Handler, not a StreamHandler) keeps the traceback for whoever runs the cluster.
        if isinstance(handler, logging.StreamHandler):
            handler.setLevel(logging.CRITICAL)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    return ray


# ---------------------------------------------------------------------------- the model on every node


def model_files(folder: Path) -> dict[str, bytes]:
    """The model folder's files by relative path: what the object store carries to nodes that lack it."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def _sizes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def stage_model(ref: ModelRef, sizes: dict[str, int], fetch: Callable[[], dict[str, bytes]]) -> Path:
    """The model's folder on this node: its own path where this node sees the same files (a
    shared or pre-staged folder), else a copy from the object store under the node's temporary
    folder, written once per node and revision (a second actor of the node finds it there)."""
    if ref.path.is_dir() and _sizes(ref.path) == sizes:
        return ref.path
    key = hashlib.sha256(f"{ref.id}\0{ref.revision}".encode()).hexdigest()[:16]
    root = Path(tempfile.gettempdir()) / "zhen-cluster-models"
    target = root / key
    if target.is_dir() and _sizes(target) == sizes:
        return target
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    for name, data in fetch().items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(data)
    try:
        os.replace(work, target)  # whole or not at all; an empty leftover from a killed actor is replaced
    except OSError:
        shutil.rmtree(work, ignore_errors=True)  # another actor of this node staged it first
    return target


# ---------------------------------------------------------------------------- the memory as the actors see it


class SnapshotMemory:
    """The translation memory inside an actor: the driver's entries for this job's context, read
    once; what the actor translates anew is kept for the driver, which alone writes the memory
    (one writer, no SQLite file shared across machines)."""

    usable = True
    broken = None

    def __init__(self, entries: dict[str, Translation]) -> None:
        self.entries = entries
        self.new: list[tuple[str, Translation]] = []
        self.memo: dict[str, dict[str, Any]] = {}
        self.hits = 0
        self.misses = 0

    def get_many(self, context: str, sources: Sequence[str]) -> dict[str, Translation]:
        return {s: self.entries[s] for s in set(sources) if s in self.entries}

    def put_many(self, context: str, rows: Sequence[tuple[str, Translation]]) -> None:
        self.entries.update(rows)
        self.new.extend(rows)

    # Glossary matches are remembered for the actor's life only: cheap to redo, not worth a round trip.
    def memo_get(self, namespace: str, keys: Sequence[str]) -> dict[str, Any]:
        space = self.memo.get(namespace, {})
        return {k: space[k] for k in keys if k in space}

    def memo_put(self, namespace: str, items: dict[str, Any]) -> None:
        self.memo.setdefault(namespace, {}).update(items)

    def take(self) -> tuple[list[tuple[str, Translation]], int, int]:
        """What the driver is to write and count since the last call."""
        out = (self.new, self.hits, self.misses)
        self.new, self.hits, self.misses = [], 0, 0
        return out


# ---------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class Job:
    """Everything a worker needs, sent once with the job: the options and the glossary as the
    driver loaded them, the model's identity (so that provenance matches a local run's) and
    the memory's context."""

    options: TranslateOptions
    glossary: Glossary | None
    engine: str
    model: ModelRef
    model_sizes: dict[str, int]
    spm: bytes  # the source sentencepiece model: segmenting counts tokens with it
    context: str | None  # the translation memory's key context; None: --no-cache
    engine_kwargs: dict[str, Any] = field(default_factory=dict)  # benchmarks only (fixed output lengths)


def _counter(spm: bytes) -> SpmTokenCounter:
    key = hashlib.sha256(spm).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / "zhen-cluster-models" / f"{key}.spm"
    if not path.is_file() or path.stat().st_size != len(spm):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{key}.{os.getpid()}.spm")
        tmp.write_bytes(spm)
        os.replace(tmp, path)
    return SpmTokenCounter(path)


def read_batch(batch: dict[str, Any]) -> dict[str, list[Any]]:
    """Task: decode a batch of inputs; what the driver needs to name them and to decide what is
    up to date comes back (name, checksum, size), or the input's one-line error."""
    out: dict[str, list[Any]] = {"i": [], "path": [], "name": [], "sha256": [], "chars": [], "error": []}
    for i, path, data in zip(batch["i"], batch["path"], batch["data"], strict=True):
        src = read_one(str(path), bytes(data))
        out["i"].append(int(i))
        out["path"].append(str(path))
        out["name"].append(src.name if isinstance(src, Source) else "")
        out["sha256"].append(src.sha256 if isinstance(src, Source) else "")
        out["chars"].append(len(src.raw) if isinstance(src, Source) else 0)
        out["error"].append("" if isinstance(src, Source) else src)
    return out


class Segmenter:
    """Reading and segmenting a chunk's documents under the names the driver gave them.

    A small pool of these (no CPU of their own) rather than plain tasks: segmenting loads
    jieba's dictionary and the sentencepiece model, a few seconds of CPU, and Ray ends idle task
    workers beyond a node's CPU count (every CPU here holds a translation actor), so each task
    would load them again in a new process, taking that CPU from the actors (measured: 8
    processes for 10 chunks, about 15 CPU-seconds)."""

    def __init__(self, job_box: list[Any]) -> None:
        import ray

        self.job: Job = ray.get(job_box[0])
        self.count = _counter(self.job.spm)
        jieba_module()  # loaded while the first chunk is on its way, not when it is here

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"chunk": [], "docs": []}
        for chunk, items in zip(batch["chunk"], batch["items"], strict=True):
            docs: list[tuple[int, str, Document | str]] = []
            for i, path, name, data in pickle.loads(items):
                src = read_one(path, data)
                if isinstance(src, Source):
                    docs.append((i, path, segment_one(replace(src, name=name), self.job.options.max_tokens,
                                                      self.count)))
                else:
                    docs.append((i, path, src))
            out["chunk"].append(int(chunk))
            out["docs"].append(pickle.dumps(docs))
        return out


class TranslateActor:
    """One translation actor: loads the model once, then translates a chunk of documents per
    call, their sentences together, as a local run translates each chunk. A document the chunk
    cannot translate is retried alone, so that it fails alone."""

    def __init__(self, job_box: list[Any], model_box: list[Any], memory_box: list[Any],
                 translate: Stage) -> None:
        import ray

        # Everything big comes through the object store by reference, boxed so that Ray neither
        # fetches it before the actor asks (the model, for a node that has its files) nor keeps
        # the actor's arguments themselves there (the driver holds the references for the job).
        job: Job = ray.get(job_box[0])
        self.job = job
        self.translate = translate
        folder = stage_model(job.model, job.model_sizes, lambda: ray.get(model_box[0]))
        ref = replace(job.model, path=folder)
        engine: MarianEngine = engine_class(job.engine)(ref, job.options.engine, **job.engine_kwargs)
        self.memory = SnapshotMemory(ray.get(memory_box[0]) if job.context is not None else {})
        translator: Translator = engine
        if job.context is not None:
            cached = CachedTranslator(engine, self.memory, {})
            cached.context = job.context  # the driver's, so that the keys are those of its memory
            translator = cached
        # The flow's context as the actor sees it: the memory's snapshot remembers glossary matches;
        # reviewed English and fuzzy matches are the driver's stages.
        self.ctx = Context(translator, job.glossary, job.options,
                           memo=self.memory if job.context is not None else None)
        # The checks' dictionaries (jieba's, CC-CEDICT's) and the names stage's (jieba's tagger, its
        # model) load here, while the first chunk is being segmented, rather than on the critical
        # path of its translation.
        jieba_module()
        cedict_gloss("公安")
        find_names("副局长孙劲峰说")

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"i": [], "path": [], "doc": [], "error": [], "memory": [], "pid": []}
        for blob in batch["docs"]:
            items: list[tuple[int, str, Document | str]] = pickle.loads(blob)
            docs = [d for _, _, d in items if isinstance(d, Document)]
            try:
                done: list[Document | str] = list(self.translate(docs, self.ctx))
            except Exception:
                done = [self._one(d) for d in docs]
            results = iter(done)
            new, hits, misses = self.memory.take()
            for n, (i, path, d) in enumerate(items):
                got = next(results) if isinstance(d, Document) else d
                out["i"].append(i)
                out["path"].append(path)
                out["doc"].append(pickle.dumps(got) if isinstance(got, Document) else b"")
                out["error"].append(got if isinstance(got, str) else "")
                # the chunk's new memory entries ride on its first document
                out["memory"].append(pickle.dumps((new, hits, misses)) if n == 0 else b"")
                out["pid"].append(os.getpid())
        return out

    def _one(self, doc: Document) -> Document | str:
        try:
            return self.translate([doc], self.ctx)[0]
        except Exception as exc:  # one bad document must not sink its chunk
            return f"{doc.source.path}: cannot translate ({type(exc).__name__}: {exc})"


@dataclass
class Translated:
    """One document back at the driver: translated, or its one-line error."""

    index: int
    path: str
    doc: Document | None
    error: str | None
    memory: tuple[list[tuple[str, Translation]], int, int] | None
    pid: int  # the process of the actor that translated it


def cpus(ray: Any) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def read_all(ray: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decoding as tasks over the whole cluster; names, checksums and sizes come back, in input order."""
    ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 4 * cpus(ray))))
    rows = ds.map_batches(read_batch, batch_size=None).take_all()
    return sorted(rows, key=lambda r: r["i"])


def segmenters(actors: int) -> int:
    return min(actors, max(2, -(-actors // ACTORS_PER_SEGMENTER)))


def pool_size(ray: Any, job: Job, chunks: int) -> int:
    """One actor per --threads CPUs of the cluster (default one per CPU), no more than chunks."""
    return max(1, min(cpus(ray) // (job.options.engine.threads or 1), chunks))


def translate_stream(ray: Any, chunks: list[list[tuple[int, str, str, bytes]]], job: Job, translate: Stage,
                     model_files_ref: Any,
                     memory_ref: Any) -> Iterator[Translated]:
    """The chosen documents, chunk by chunk (index, path, output name, bytes), read and
    segmented as tasks, then translated by the actor pool; each document yielded as soon as
    its chunk is back.

    Ray Data gives its actors max_restarts and max_task_retries of -1: an actor that dies (its
    process killed, its node lost) is restarted and its chunk given to a live one; the driver
    writes each document once."""
    size = pool_size(ray, job, len(chunks))
    ds = ray.data.from_items([{"chunk": k, "items": pickle.dumps(c)} for k, c in enumerate(chunks)],
                             override_num_blocks=len(chunks))
    # Reading and segmenting take no CPU of the actors' (a fraction of a chunk's translation time),
    # so that a cluster whose CPUs all hold actors still feeds them.
    job_ref = ray.put(job)
    docs = ds.map_batches(Segmenter, batch_size=1, num_cpus=0,
                          fn_constructor_kwargs={"job_box": [job_ref]},
                          compute=ray.data.ActorPoolStrategy(size=segmenters(size)))
    out = docs.map_batches(
        TranslateActor, batch_size=1,
        fn_constructor_kwargs={"job_box": [job_ref], "model_box": [model_files_ref],
                               "memory_box": [memory_ref], "translate": translate},
        # One chunk at a time per actor: a chunk queued behind another on a busy actor would leave
        # an idle one waiting at the end of the job (measured: 15 s of 104 on 300 documents).
        compute=ray.data.ActorPoolStrategy(size=size, max_tasks_in_flight_per_actor=1),
        num_cpus=job.options.engine.threads or 1)
    # Block by block, none held back: iter_rows would keep each chunk until the next one is in
    # (it prefetches), and a chunk's documents are to be written as soon as they are back.
    for block in out.iter_batches(batch_size=None, prefetch_batches=0, batch_format="numpy"):
        for i, path, doc, error, memory, pid in zip(block["i"], block["path"], block["doc"], block["error"],
                                                    block["memory"], block["pid"], strict=True):
            yield Translated(int(i), str(path), pickle.loads(doc) if doc else None, str(error) or None,
                             pickle.loads(memory) if memory else None, int(pid))


T = TypeVar("T")


def _lost_work_as_one_line(ray: Any, work: Callable[[], Iterable[T]]) -> Iterator[T]:
    """Ray's own failures (work whose owner process died beyond what Ray retries, a node lost
    with the only copy of a block) as zhen's one-line error: what was written stays written,
    and the same command again does the rest."""
    try:
        yield from work()
    except ray.exceptions.RayError as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        hint = ""
        if "OwnerDied" in type(exc).__name__ + str(exc) and os.environ.get("RAY_AUTH_MODE", "").lower() == "token":
            hint = ("; if the cluster runs without token authentication while this machine has a token "
                    "(~/.ray/auth_token, RAY_AUTH_TOKEN), run with RAY_AUTH_MODE=disabled")
        raise ZhenError(f"the cluster lost work it could not recover ({type(exc).__name__}: {first}); "
                        "the documents written so far are kept: run the same command again to do the "
                        f"rest{hint}") from None


# ---------------------------------------------------------------------------- the backend of run_translate


class RayBackend:
    """run_translate's backend for a Ray cluster: the same outputs, byte for byte, as a local run.

    The driver lists the inputs and reads their bytes; decoding, segmenting and the translation
    stages run on the cluster; run_translate names the documents, skips what is up to date and
    runs the driver's stages and writes each document as its chunk comes back, exactly once.
    The translation memory is read by the actors from a snapshot and written here alone.
    Ctrl-C stops the job (the driver leaving ends it); a second run does the rest."""

    def __init__(self, options: TranslateOptions, engine_kwargs: dict[str, Any] | None = None) -> None:
        import_ray()  # a missing extra is a setup error, found before any work
        assert options.cluster
        self.options, self.engine_kwargs = options, dict(engine_kwargs or {})
        self.ray: Any = None
        self.loaded: MarianEngine | None = None
        self.data: dict[str, tuple[int, bytes]] = {}  # by path: input order and bytes
        self.sizes: dict[int, int] = {}  # by id() of a source stub: its characters
        self.actors = 0
        self.out_dir: Path | None = None

    def read(self, paths: Sequence[str], stdin: bytes | None) -> tuple[list[Source], list[DocResult]]:
        """The inputs' bytes read here, decoded as tasks on the cluster: stubs (no text) named
        by the driver, or each input's one-line error."""
        failures: list[DocResult] = []
        items: list[dict[str, Any]] = []
        max_bytes()
        for i, path in enumerate(paths):
            try:
                data = stdin if path == "-" and stdin is not None else read_bytes(path)
                items.append({"i": i, "path": path, "data": data})
                self.data[path] = (i, data)
            except ZhenError as exc:
                failures.append(DocResult(path, error=str(exc)))
        if not items:
            return [], failures
        self.engine(self.options)  # what decides provenance; a missing model stops here, before the cluster
        # Settings that decide outputs and live in the environment travel with the job.
        env = {k: os.environ[k] for k in ("SOURCE_DATE_EPOCH", "ZHEN_MAX_MB") if k in os.environ}
        self.ray = connect(self.options.cluster or "", env, self.options.cluster_token)
        meta = list(_lost_work_as_one_line(self.ray, lambda: read_all(self.ray, items)))
        failures += [DocResult(m["path"], error=m["error"]) for m in meta if m["error"]]
        stubs = []
        for m in meta:
            if not m["error"]:
                stubs.append(Source(name=m["name"], path=m["path"], raw="", encoding="", sha256=m["sha256"]))
                self.sizes[id(stubs[-1])] = int(m["chars"])
        return stubs, failures

    def engine(self, options: TranslateOptions) -> MarianEngine:
        if self.loaded is None:
            engine = load_translator(options.engine)
            if self.engine_kwargs:
                engine = type(engine)(engine.model, options.engine, **self.engine_kwargs)
            self.loaded = engine
        return self.loaded

    def chars(self, src: Source) -> int:
        return self.sizes[id(src)]

    def translate(self, groups: list[list[Source]], ctx: Context) -> Iterator[Document | DocResult]:
        if not groups:
            return
        engine, ray = self.engine(self.options), self.ray
        self.out_dir = ctx.out_dir
        context = ctx.translator.context if isinstance(ctx.translator, CachedTranslator) else None
        job = Job(self.options, ctx.glossary, engine.engine, engine.model,
                  {name: len(blob) for name, blob in model_files(engine.model.path).items()},
                  (engine.model.path / "source.spm").read_bytes(), context, self.engine_kwargs)
        work = [[(self.data[s.path][0], s.path, s.name, self.data[s.path][1]) for s in g] for g in groups]
        self.actors = pool_size(ray, job, len(work))
        model_ref = ray.put(model_files(engine.model.path))
        tm = ctx.memory
        memory_ref = ray.put(tm.entries(context) if tm is not None and context is not None else {})
        written: set[int] = set()
        for t in _lost_work_as_one_line(
                ray, lambda: translate_stream(ray, work, job, actor_stages, model_ref, memory_ref)):
            if t.index in written:
                continue  # a chunk Ray ran twice (its actor died as it finished): written already
            written.add(t.index)
            if t.memory is not None and tm is not None and context is not None:
                rows, hits, misses = t.memory
                tm.put_many(context, rows)
                tm.hits += hits
                tm.misses += misses
            yield t.doc if t.doc is not None else DocResult(t.path, error=t.error or f"{t.path}: not translated")

    def finish(self, names: list[str]) -> str | None:
        """Where the run ran, for the report, and a line in OUT/.zhen-cluster.jsonl saying which
        outputs it wrote (kept out of the outputs, which are byte for byte those of a local run)."""
        ray = self.ray
        if ray is None:
            return None
        nodes = sum(1 for n in ray.nodes() if n.get("Alive"))
        where = (f"Ray {ray.__version__} at {self.options.cluster}: {nodes} node(s), "
                 f"{int(ray.cluster_resources().get('CPU', 0))} CPU(s), {self.actors} translation actor(s)")
        if names and self.out_dir is not None:
            line = json.dumps({"cluster": where, "created": now(), "outputs": names}, ensure_ascii=False)
            with (self.out_dir / ".zhen-cluster.jsonl").open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        return where

    def close(self) -> None:
        if self.ray is not None:
            self.ray.shutdown()  # leaving ends the job: its actors and tasks stop with the driver
            self.ray = None


__all__ = ["INSTALL", "Job", "RayBackend", "Segmenter", "SnapshotMemory", "TranslateActor", "Translated",
           "actor_stages", "connect", "import_ray", "model_files", "pool_size", "read_all", "stage_model",
           "translate_stream"]
