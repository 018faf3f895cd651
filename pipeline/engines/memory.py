"""The translation memory: one SQLite file, ZHEN_HOME/tm.sqlite, in WAL mode so that concurrent
runs can share it; and the translator that consults it before the model."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..files import zhen_home
from ..records import Translation
from .base import Progress, Translator


def default_path() -> Path:
    """Where the memory lives; looking at it (cache stats) must not create ZHEN_HOME."""
    return zhen_home() / "tm.sqlite"


class TranslationMemory:
    """source text -> English, keyed on everything that decides the English."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        self._setup()
        self.hits = 0
        self.misses = 0

    def _setup(self, wait: float = 30.0) -> None:
        """WAL mode and the tables. Switching a new file to WAL takes an exclusive lock that
        SQLite's busy timeout does not always wait for (two runs creating the memory at once
        measured 4 failures in 160 openings), so contention is retried here for up to `wait` seconds."""
        deadline = time.monotonic() + wait
        delay = 0.01
        while True:
            try:
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute(
                    "CREATE TABLE IF NOT EXISTS tm (key TEXT PRIMARY KEY, source TEXT NOT NULL, target TEXT NOT NULL,"
                    " flags TEXT NOT NULL, context TEXT NOT NULL, created REAL NOT NULL)"
                )
                self.db.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @staticmethod
    def key(context: str, source: str) -> str:
        return hashlib.sha256(f"{context}\0{source}".encode()).hexdigest()

    def get_many(self, context: str, sources: Sequence[str]) -> dict[str, Translation]:
        out: dict[str, Translation] = {}
        keys = {self.key(context, s): s for s in set(sources)}
        items = list(keys)
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            rows = self.db.execute(
                f"SELECT key, target, flags FROM tm WHERE key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            for k, target, extra in rows:
                out[keys[k]] = _translation(target, json.loads(extra))
        return out

    def put_many(self, context: str, rows: Sequence[tuple[str, Translation]]) -> None:
        now = time.time()
        with self.db:  # one transaction: all or nothing
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR REPLACE INTO tm (key, source, target, flags, context, created) VALUES (?, ?, ?, ?, ?, ?)",
                [(self.key(context, s), s, tr.text, json.dumps({"flags": list(tr.flags), "score": tr.score}),
                  context, now) for s, tr in rows],
            )

    def memo_get(self, namespace: str, keys: Sequence[str]) -> dict[str, Any]:
        """Stored results of other deterministic work (glossary matching), by namespace and key."""
        out: dict[str, Any] = {}
        want = {self.key(namespace, k): k for k in set(keys)}
        items = list(want)
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            for k, v in self.db.execute(
                f"SELECT key, value FROM memo WHERE key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall():
                out[want[k]] = json.loads(v)
        return out

    def memo_put(self, namespace: str, items: dict[str, Any]) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO memo (key, value) VALUES (?, ?)",
                                [(self.key(namespace, k), json.dumps(v)) for k, v in items.items()])

    def stats(self) -> dict[str, Any]:
        n, contexts = self.db.execute("SELECT COUNT(*), COUNT(DISTINCT context) FROM tm").fetchone()
        return {"path": str(self.path), "entries": n, "contexts": contexts,
                "bytes": self.path.stat().st_size if self.path.exists() else 0}

    def count(self, model: str | None = None) -> int:
        """Entries, all or those made with one model (its id as the run named it)."""
        if model is None:
            return int(self.db.execute("SELECT COUNT(*) FROM tm").fetchone()[0])
        return int(self.db.execute("SELECT COUNT(*) FROM tm WHERE json_extract(context, '$.model') = ?",
                                   (model,)).fetchone()[0])

    def clear(self, model: str | None = None) -> int:
        n = self.count(model)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if model is None:
                self.db.execute("DELETE FROM tm")
                self.db.execute("DELETE FROM memo")
            else:  # the memo (token counts and the like) is not per model: it stays
                self.db.execute("DELETE FROM tm WHERE json_extract(context, '$.model') = ?", (model,))
        self.db.execute("VACUUM")
        return n

    def close(self) -> None:
        self.db.close()


class CachedTranslator:
    """A translator behind the translation memory: a hit calls no model at all.

    The key holds everything that decides the English: model id and revision, engine,
    decoding settings, glossary hash and mode, and the exact input (placeholders included).
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

    def translate(self, texts: Sequence[str], progress: Progress | None = None) -> list[Translation]:
        cached = self.tm.get_many(self.context, texts)
        todo = list(dict.fromkeys(t for t in texts if t not in cached))
        self.tm.hits += len(texts) - sum(1 for t in texts if t not in cached)
        self.tm.misses += len(todo)
        if progress and len(texts) > len(todo):
            progress(sum(1 for t in texts if t in cached))
        if todo:
            fresh = self.inner.translate(todo, progress=progress)
            self.tm.put_many(self.context, list(zip(todo, fresh, strict=True)))
            cached.update(zip(todo, fresh, strict=True))
        return [cached[t] for t in texts]


def _translation(target: str, extra: Any) -> Translation:
    """A stored row back: the flags column holds {"flags", "score"}, or a bare list of flags
    in memories written before scores were kept."""
    if isinstance(extra, list):
        return Translation(target, tuple(extra))
    score = extra.get("score")
    return Translation(target, tuple(extra.get("flags") or ()), float(score) if score is not None else None)
