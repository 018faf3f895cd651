"""`zhen serve`: a newsroom server. Submit releases, review and approve them in the browser,
keep the glossary, or use the JSON API (OpenAPI at /openapi.json and /docs).

app.py is the ASGI app (create_app takes the translator, so the model is loaded once and tests
pass a fake), jobs.py the server's run level (jobs on disk, the bounded workers), page.py the
web page.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..engines import load_translator
from ..files import zhen_home
from ..records import EngineOptions
from .app import ServerConfig, create_app


def server_home() -> Path:
    """Where the server keeps its jobs and glossary unless told: ZHEN_HOME/server."""
    return zhen_home() / "server"


def serve(config: ServerConfig, engine: EngineOptions, port: int, echo: Callable[[str], None] = print) -> None:
    """Load the model once, print where to go and the token, and serve until interrupted."""
    import uvicorn  # the server's own dependency: only `zhen serve` pays for importing it

    translator = load_translator(engine)
    # Engines load their weights on first use: do it now, once, rather than in two workers'
    # first requests at the same time.
    translator.translate(["公安部。"])
    app = create_app(translator, config)
    shown = f"[{config.host}]" if ":" in config.host else config.host
    echo(f"zhen serve: model {translator.model.id} ({translator.engine}), data in {config.data_dir}")
    echo(f"token: {config.token}")
    echo(f"open http://{shown}:{port}/#token={config.token}")
    if not config.loopback:
        echo(f"warning: bound to {config.host}, beyond loopback: every request needs the token")
    if config.allow_private_urls:
        echo("warning: --allow-private-urls: submitted URLs may reach loopback and private addresses")
    uvicorn.run(app, host=config.host, port=port, log_level="warning")


@contextmanager
def serving(app: Any, start_within: float = 20.0) -> Iterator[str]:
    """The app on a free loopback port, in a thread of this process (tests, benchmarks, the
    README's screenshot): yields its base URL; stopped and joined on exit."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # the port is ours before uvicorn starts: no race for it
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_within
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        if not server.started:
            raise RuntimeError("the server did not start")
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        if thread.is_alive():
            raise RuntimeError("the server did not stop")


__all__ = ["ServerConfig", "create_app", "serve", "server_home", "serving"]
