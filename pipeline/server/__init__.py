"""`zhen serve`: a newsroom server. Submit releases, review and approve them in the browser,
keep the glossary, or use the JSON API (OpenAPI at /openapi.json and /docs).

app.py is the ASGI app (create_app takes the translator, so the model is loaded once and tests
pass a fake), jobs.py the server's run level (jobs on disk, the bounded workers), page.py the
web page.
"""

from __future__ import annotations

from collections.abc import Callable

from ..engines import load_translator
from ..records import EngineOptions
from .app import ServerConfig, create_app


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
    uvicorn.run(app, host=config.host, port=port, log_level="warning")


__all__ = ["ServerConfig", "create_app", "serve"]
