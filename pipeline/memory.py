"""The translation memory: one SQLite file, ZHEN_HOME/tm.sqlite, in WAL mode so that concurrent
runs can share it; and the translator that consults it before the model.

It holds machine English (keyed on everything that decides it) and reviewed English (keyed on
the source sentence alone: a reviewer's English is right whatever the model). The memory is a
help, never a requirement: unless opened strict (the `cache` commands), any error of its
file (ZHEN_HOME a file, a garbage, locked or read-only tm.sqlite, a full disk) turns it off for
the rest of the run with one warning, and the run goes on without it."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from rapidfuzz.distance import Indel

from .engines.base import Progress, Translator
from .errors import ZhenError
from .files import zhen_home
from .labels import unlabelled_pair
from .read import one_line
from .records import Flag, Translation

# How long to wait for another run holding the memory (seconds); tests lower it.
BUSY_TIMEOUT = 30.0

T = TypeVar("T")


class MemoryUnavailable(ZhenError):
    """The translation memory cannot be used (its file or folder is broken, locked or full)."""

    exit_code = 1


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _guarded(default: Callable[[], Any]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A memory operation that, failing, turns the memory off (returning `default()`) unless strict."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def inner(self: TranslationMemory, *args: Any, **kw: Any) -> T:
            if self.broken is not None:
                if self.strict:
                    raise MemoryUnavailable(self.broken)
                return default()
            try:
                return fn(self, *args, **kw)
            except (sqlite3.Error, OSError) as exc:
                self._fail(exc)
                return default()

        return inner

    return wrap


def similarity(a: str, b: str) -> float:
    """A fuzzy match's score, 0 to 1: the characters the two sentences share in order (their
    longest common subsequence), twice, over both lengths, as CAT tools' character matches
    count. rapidfuzz computes it exactly; difflib's ratio, which it replaced, counts greedy
    matching blocks, which can miss characters a common subsequence keeps (on WMT18 sentences it
    read 0.008 lower on average, up to 0.13), and took 36 times as long."""
    return float(Indel.normalized_similarity(a, b))


def default_path() -> Path:
    """Where the memory lives; looking at it (cache stats) must not create ZHEN_HOME."""
    return zhen_home() / "tm.sqlite"


class TranslationMemory:
    """source text -> English, keyed on everything that decides the English; and reviewed English."""

    def __init__(self, path: Path | None = None, strict: bool = False) -> None:
        self.strict = strict
        self.broken: str | None = None  # why the memory was turned off, once it was
        self.hits = 0
        self.misses = 0
        self.db: sqlite3.Connection | None = None
        self.path = path or default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT, isolation_level=None)
            self._setup(BUSY_TIMEOUT)
        except (sqlite3.Error, OSError) as exc:
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        where = getattr(self, "path", None) or "the translation memory"
        self.broken = f"{where}: translation memory unavailable ({_describe(exc)})"
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):  # closing a broken connection may fail too
                self.db.close()
            self.db = None
        if self.strict:
            raise MemoryUnavailable(self.broken) from None

    @property
    def usable(self) -> bool:
        return self.broken is None

    def _conn(self) -> sqlite3.Connection:
        assert self.db is not None
        return self.db

    def _setup(self, wait: float = 30.0) -> None:
        """WAL mode and the tables. Switching a new file to WAL takes an exclusive lock that
        SQLite's busy timeout does not always wait for (two runs creating the memory at once
        measured 4 failures in 160 openings), so contention is retried here for up to `wait` seconds."""
        deadline = time.monotonic() + wait
        delay = 0.01
        db = self._conn()
        while True:
            try:
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS tm (key TEXT PRIMARY KEY, source TEXT NOT NULL, target TEXT NOT NULL,"
                    " flags TEXT NOT NULL, context TEXT NOT NULL, created REAL NOT NULL)"
                )
                db.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                # A reviewer's English, by source sentence: preferred over any model's on every run.
                db.execute(
                    "CREATE TABLE IF NOT EXISTS reviewed (source TEXT PRIMARY KEY, target TEXT NOT NULL,"
                    " reviewer TEXT, reviewed_at TEXT, origin TEXT NOT NULL, created REAL NOT NULL)"
                )
                _add_checks_column(db)
                # A concordance over it (zhen tm search): trigrams find any phrase of 3 or more
                # characters in either language. Kept in step by reviewed_put/forget themselves: an
                # external-content index would miss the deletes of INSERT OR REPLACE.
                # One transaction: runs opening a new memory at once must not both create and fill it.
                db.execute("BEGIN IMMEDIATE")  # a busy memory raises here, and is retried below
                try:
                    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'reviewed_fts'").fetchone():
                        db.execute("CREATE VIRTUAL TABLE reviewed_fts USING fts5(source, target, tokenize='trigram')")
                        db.execute("INSERT INTO reviewed_fts (source, target) SELECT source, target FROM reviewed")
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _rows_in(self, sql: str, values: Iterable[str]) -> list[Any]:
        """The rows of `sql` whose `IN ({})` holds any of `values`: 500 at a time, under SQLite's
        limit on the parameters of one statement."""
        items = sorted(set(values))
        rows: list[Any] = []
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            rows += self._conn().execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        return rows

    @staticmethod
    def key(context: str, source: str) -> str:
        return hashlib.sha256(f"{context}\0{source}".encode()).hexdigest()

    @_guarded(dict)
    def get_many(self, context: str, sources: Sequence[str]) -> dict[str, Translation]:
        out: dict[str, Translation] = {}
        keys = {self.key(context, s): s for s in set(sources)}
        for k, target, extra in self._rows_in("SELECT key, target, flags FROM tm WHERE key IN ({})", keys):
            out[keys[k]] = _translation(target, json.loads(extra))
        return out

    @_guarded(lambda: None)
    def put_many(self, context: str, rows: Sequence[tuple[str, Translation]]) -> None:
        now = time.time()
        with self._conn():  # one transaction: all or nothing
            self._conn().execute("BEGIN IMMEDIATE")
            self._conn().executemany(
                "INSERT OR REPLACE INTO tm (key, source, target, flags, context, created) VALUES (?, ?, ?, ?, ?, ?)",
                [(self.key(context, s), s, tr.text, json.dumps({"flags": list(tr.flags), "score": tr.score}),
                  context, now) for s, tr in rows],
            )

    @_guarded(dict)
    def memo_get(self, namespace: str, keys: Sequence[str]) -> dict[str, Any]:
        """Stored results of other deterministic work (glossary matching), by namespace and key."""
        out: dict[str, Any] = {}
        want = {self.key(namespace, k): k for k in set(keys)}
        for k, v in self._rows_in("SELECT key, value FROM memo WHERE key IN ({})", want):
            out[want[k]] = json.loads(v)
        return out

    @_guarded(dict)
    def entries(self, context: str) -> dict[str, Translation]:
        """Every machine entry of one context, by source text: the snapshot a cluster job's
        actors read (they never open this file; the driver writes what they add)."""
        rows = self._conn().execute("SELECT source, target, flags FROM tm WHERE context = ?", (context,)).fetchall()
        return {source: _translation(target, json.loads(extra)) for source, target, extra in rows}

    @_guarded(lambda: None)
    def memo_put(self, namespace: str, items: dict[str, Any]) -> None:
        with self._conn():
            self._conn().execute("BEGIN IMMEDIATE")
            self._conn().executemany("INSERT OR REPLACE INTO memo (key, value) VALUES (?, ?)",
                                [(self.key(namespace, k), json.dumps(v)) for k, v in items.items()])

    @_guarded(dict)
    def stats(self) -> dict[str, Any]:
        n, contexts = self._conn().execute("SELECT COUNT(*), COUNT(DISTINCT context) FROM tm").fetchone()
        reviewed = self._conn().execute("SELECT COUNT(*) FROM reviewed").fetchone()[0]
        return {"path": str(self.path), "entries": n, "contexts": contexts, "reviewed": reviewed,
                "bytes": self.path.stat().st_size if self.path.exists() else 0}

    @_guarded(int)
    def count(self, model: str | None = None) -> int:
        """Entries, all or those made with one model (its id as the run named it)."""
        if model is None:
            return int(self._conn().execute("SELECT COUNT(*) FROM tm").fetchone()[0])
        return int(self._conn().execute("SELECT COUNT(*) FROM tm WHERE json_extract(context, '$.model') = ?",
                                        (model,)).fetchone()[0])

    @_guarded(int)
    def clear(self, model: str | None = None) -> int:
        n = self.count(model)
        with self._conn():
            self._conn().execute("BEGIN IMMEDIATE")
            if model is None:
                self._conn().execute("DELETE FROM tm")
                self._conn().execute("DELETE FROM memo")
            else:  # the memo (glossary matches and the like) is not per model: it stays
                self._conn().execute("DELETE FROM tm WHERE json_extract(context, '$.model') = ?", (model,))
            # reviewed English is not a cache: it is what an editor decided, kept across clears
        self._conn().execute("VACUUM")
        return n

    @_guarded(dict)
    def reviewed_get(self, sources: Sequence[str]) -> dict[str, tuple[str, str | None, str | None]]:
        """source sentence -> (reviewed English, reviewer, when)."""
        out: dict[str, tuple[str, str | None, str | None]] = {}
        for src, tgt, by, at in self._rows_in(
                "SELECT source, target, reviewer, reviewed_at FROM reviewed WHERE source IN ({})", sources):
            if tgt.strip():  # a blank English a memory of an older zhen kept is no translation
                out[src] = (unlabelled_pair(src, tgt)[1], by, at)  # an older zhen kept labels
        return out

    @_guarded(dict)
    def reviewed_checks(self, sources: Sequence[str]) -> dict[str, tuple[str, tuple[Flag, ...]]]:
        """source sentence -> (origin, the checks its reviewed English failed when it was stored),
        for the sentences stored with any."""
        out: dict[str, tuple[str, tuple[Flag, ...]]] = {}
        for src, origin, checks in self._rows_in(
                "SELECT source, origin, checks FROM reviewed WHERE checks IS NOT NULL AND source IN ({})", sources):
            found = tuple(Flag(c["kind"], (), (), c["reason"], "bad" if c.get("severity") == "bad" else "check")
                          for c in json.loads(checks) if c.get("kind") and c.get("reason"))
            if found:
                out[src] = (origin, found)
        return out

    @_guarded(lambda: None)
    def reviewed_put(self, rows: Sequence[tuple[Any, ...]], origin: str) -> None:
        """(source, English, reviewer, when[, checks]) from a merged file, an approval or an
        imported human translation: the newest of a sentence wins, with the checks (Flags) its
        English failed then, which later runs show again rather than reuse it as `ok`. Each text
        is kept as one line (so that every export reads back as it was) and without a speaker
        label on either side (a segment never holds its turn's label); a pair with no Chinese or
        no English is not a translation and is left out."""
        now = time.time()
        rows = [(*unlabelled_pair(one_line(s), one_line(t)), by and one_line(by), at and one_line(at),
                 _checks_json(rest[0] if rest else ())) for s, t, by, at, *rest in rows]
        rows = [r for r in rows if r[0] and r[1]]
        origin = one_line(origin)  # a file name may hold undecodable bytes (lone surrogates)
        with self._conn():
            self._conn().execute("BEGIN IMMEDIATE")
            self._conn().executemany(
                "INSERT OR REPLACE INTO reviewed (source, target, reviewer, reviewed_at, origin, created, checks)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", [(s, t, by, at, origin, now, c) for s, t, by, at, c in rows])
            self._conn().executemany("DELETE FROM reviewed_fts WHERE source = ?", [(s,) for s, *_ in rows])
            self._conn().executemany("INSERT INTO reviewed_fts (source, target) VALUES (?, ?)",
                                     [(s, t) for s, t, *_ in rows])

    @_guarded(list)
    def reviewed_search(self, text: str, limit: int = 20) -> list[tuple[str, str, str | None, str | None, str]]:
        """Human translations whose Chinese or English contains `text`: (source, English, reviewer,
        when, origin), newest first (the index's own order, so that a common phrase stops at
        `limit` instead of sorting every match). Phrases under 3 characters (公安, 云剑) are
        matched by a scan."""
        if len(text) >= 3:
            phrase = '"' + text.replace('"', '""') + '"'
            rows = self._conn().execute(
                "SELECT r.source, r.target, r.reviewer, r.reviewed_at, r.origin FROM reviewed_fts f "
                "JOIN reviewed r ON r.source = f.source WHERE reviewed_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?",
                (phrase, limit)).fetchall()
        else:
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = self._conn().execute(
                "SELECT source, target, reviewer, reviewed_at, origin FROM reviewed WHERE source LIKE ? ESCAPE '\\' "
                "OR target LIKE ? ESCAPE '\\' ORDER BY created DESC LIMIT ?", (like, like, limit)).fetchall()
        return [tuple(r) for r in rows]

    @_guarded(list)
    def reviewed_similar(self, source: str, min_ratio: float = 0.8, k: int = 3,
                         candidates: int = 40) -> list[tuple[str, str, float, str]]:
        """Human translations of sentences like `source` (a fuzzy match, as CAT tools offer):
        (source, English, similarity, origin), best first, at least min_ratio similar, the exact
        sentence left out (that one is applied, not offered). Candidates come from the trigram
        index (sentences sharing the most trigrams), then `similarity` decides."""
        grams = list(dict.fromkeys(source[i : i + 3] for i in range(len(source) - 2)))[:64]
        if not grams:
            return []
        query = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
        rows = self._conn().execute(
            "SELECT f.source, f.target, r.origin FROM reviewed_fts f JOIN reviewed r ON r.source = f.source "
            "WHERE reviewed_fts MATCH ? ORDER BY rank LIMIT ?", ("source : (" + query + ")", candidates)).fetchall()
        scored = [(src, unlabelled_pair(src, tgt)[1], similarity(source, src), origin) for src, tgt, origin in rows
                  if src != source]
        return sorted((r for r in scored if r[2] >= min_ratio), key=lambda r: -r[2])[:k]

    @_guarded(list)
    def reviewed_all(self) -> list[tuple[str, str, str | None, str | None, str]]:
        """Every human translation: (source, English, reviewer, when, origin), oldest first (an
        English an older zhen kept with its speaker label, without it)."""
        return [(src, unlabelled_pair(src, tgt)[1], *rest) for src, tgt, *rest in self._conn().execute(
            "SELECT source, target, reviewer, reviewed_at, origin FROM reviewed ORDER BY created, source").fetchall()]

    @_guarded(lambda: None)
    def reviewed_forget(self, sources: Sequence[str]) -> None:
        """--discard-reviewed: these sentences go back to the model."""
        with self._conn():
            self._conn().execute("BEGIN IMMEDIATE")
            self._conn().executemany("DELETE FROM reviewed WHERE source = ?", [(s,) for s in set(sources)])
            self._conn().executemany("DELETE FROM reviewed_fts WHERE source = ?", [(s,) for s in set(sources)])

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


class CachedTranslator:
    """A translator behind the translation memory: a hit calls no model at all.

    The key holds everything that decides the English: model id and revision, engine,
    decoding settings, glossary mode, the exact input (placeholders included) and the glossary
    entries that apply to it (their Chinese and English; see `translate`). Not the whole
    glossary: an edit to a term a sentence does not hold leaves its English where it was.
    """

    def __init__(self, inner: Translator, tm: Any, context: dict[str, Any]) -> None:
        self.inner = inner
        self.engine = inner.engine
        self.model = inner.model
        self.tm = tm
        self.context = json.dumps({"model": inner.model.id, "revision": inner.model.revision, "engine": inner.engine,
                                   "settings": inner.settings(), **context}, sort_keys=True, ensure_ascii=False)

    def settings(self) -> dict[str, Any]:
        return self.inner.settings()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def translate(self, texts: Sequence[str], progress: Progress | None = None,
                  terms: Sequence[str] | None = None) -> list[Translation]:
        """terms: for each text, the glossary entries that apply to it (`term_key`), kept in its
        key with it (as one string, so that a cluster actor's snapshot of the entries, keyed by
        that column, finds them as this memory does)."""
        keys = [f"{t}{_TERMS}{k}" if k else t for t, k in zip(texts, terms or [""] * len(texts), strict=True)]
        text_of = dict(zip(keys, texts, strict=True))
        cached = self.tm.get_many(self.context, keys)
        todo = list(dict.fromkeys(k for k in keys if k not in cached))
        self.tm.hits += len(keys) - sum(1 for k in keys if k not in cached)
        self.tm.misses += len(todo)
        if progress and len(keys) > len(todo):
            progress(sum(1 for k in keys if k in cached))
        if todo:
            fresh = self.inner.translate([text_of[k] for k in todo], progress=progress)
            self.tm.put_many(self.context, list(zip(todo, fresh, strict=True)))
            cached.update(zip(todo, fresh, strict=True))
        return [cached[k] for k in keys]


_TERMS = "\x1e"  # between a text and its glossary entries in a key (no segment holds a control character)


def term_key(hits: Sequence[tuple[str, str]]) -> str:
    """The glossary entries that apply to a sentence, (Chinese, English) in their order there,
    as they go into its memory key."""
    return "\x1f".join(f"{zh}={en}" for zh, en in hits)


def _add_checks_column(db: sqlite3.Connection) -> None:
    """The reviewed table's `checks` (what a reviewed English failed when stored: JSON, NULL for
    nothing), added to a memory made before it; older zhens read such a memory as before."""
    if any(row[1] == "checks" for row in db.execute("PRAGMA table_info(reviewed)")):
        return
    try:
        db.execute("ALTER TABLE reviewed ADD COLUMN checks TEXT")
    except sqlite3.OperationalError as exc:
        if "duplicate column" not in str(exc):  # another run added it first
            raise


def _checks_json(checks: Sequence[Flag]) -> str | None:
    return json.dumps([{"kind": f.kind, "severity": f.severity, "reason": one_line(f.reason)} for f in checks],
                      ensure_ascii=False) if checks else None


def _translation(target: str, extra: Any) -> Translation:
    """A stored row back: the flags column holds {"flags", "score"}, or a bare list of flags
    in memories written before scores were kept."""
    if isinstance(extra, list):
        return Translation(target, tuple(extra))
    score = extra.get("score")
    return Translation(target, tuple(extra.get("flags") or ()), float(score) if score is not None else None)
