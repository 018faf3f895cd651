"""Connections of `zhen serve` that nobody may hold: uvicorn's HTTP protocol with a deadline
for request headers and a cap on open connections.

uvicorn closes a connection left idle after a response (its keep-alive timeout), but not one
that never finishes its first request's headers: a socket opened and left silent, or sending a
header byte now and then, holds a file descriptor for ever, and needs no token. A few hundred
of those and the server can accept no one. Here every request's headers must be complete
within `header_timeout` seconds of the connection opening (or of the previous response), and
past `max_connections` the longest-waiting connection that has no request in progress is
closed to make room, so a real request still gets an answer. Waiting for a worker, or for
a body being uploaded, is not affected: only a connection with no request in progress is.

uvicorn offers no header timeout of its own (its `limit_concurrency` answers 503 to everyone
once idle sockets fill it); the protocol class is the one place that sees a connection before
its first request, hence the subclass.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0  # seconds for a request's headers to arrive whole
KEEP_ALIVE = 5  # seconds an idle keep-alive connection is kept after a response (uvicorn's default)


def connection_cap() -> int:
    """Open connections at most: half the file descriptors the process may hold (the rest are
    for jobs, the model and the memory), within 16 and 1,000."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):  # Windows has no resource module
        return 1000
    if soft == resource.RLIM_INFINITY:
        return 1000
    return max(16, min(1000, soft // 2))


class GuardedH11(H11Protocol):
    """H11Protocol with a header deadline and a connection cap (class attributes: see guarded())."""

    header_timeout = HEADER_TIMEOUT
    max_connections = 1000

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self.waiting_since = self.loop.time()
        self._arm()
        if len(self.connections) > self.max_connections:
            idle = [c for c in self.connections if isinstance(c, GuardedH11) and c is not self and c.idle()]
            # the one waiting longest goes; if every other is working, this newcomer does
            min(idle, key=lambda c: c.waiting_since, default=self).drop()

    def idle(self) -> bool:
        """No request in progress: waiting for headers (the first ones or the next), not closing."""
        return not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete)

    def drop(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.close()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            assert self._deadline is not None
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.idle():
            self.drop()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.idle():
            self._disarm()  # the headers are in: the request runs as long as it needs

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.idle():
            self.waiting_since = self.loop.time()
            self._arm()  # the next request's headers have the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def guarded(header_timeout: float = HEADER_TIMEOUT, max_connections: int | None = None) -> type[GuardedH11]:
    """The protocol class for uvicorn.Config(http=...), with these limits."""
    attrs: dict[str, Any] = {"header_timeout": header_timeout,
                             "max_connections": max_connections or connection_cap()}
    return type("GuardedH11", (GuardedH11,), attrs)


__all__ = ["HEADER_TIMEOUT", "KEEP_ALIVE", "GuardedH11", "connection_cap", "guarded"]
