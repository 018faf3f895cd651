"""/docs for `zhen serve` without the network: Swagger UI from the files fastapi-offline ships.

FastAPI's own /docs loads Swagger UI from a CDN, which fails offline and would make the page
load code from elsewhere. Here the two files it needs are served from the installed package, by
fixed routes (a request names no path), and the page carries a CSP that allows exactly its
own inline start-up script and those files. The OpenAPI document declares the bearer token, so
Swagger UI's "Authorize" button sends it on "Try it out".
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

# Only its static files are used (its FastAPIOffline class would mount the whole folder):
# Swagger UI 5, which reads the OpenAPI 3.1 that FastAPI writes.
STATIC = Path(str(importlib.resources.files("fastapi_offline") / "static"))
ASSETS = {  # route name -> (file in the package, media type)
    "swagger-ui-bundle.js": ("swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("swagger-ui.css", "text/css"),
    "favicon.png": ("favicon.png", "image/png"),
}
_INLINE = re.compile(r"<script>(.*?)</script>", re.S)


def docs_page(openapi_url: str, title: str) -> tuple[str, str]:
    """The /docs HTML and its Content-Security-Policy."""
    html = get_swagger_ui_html(
        openapi_url=openapi_url, title=title, swagger_js_url="/docs/swagger-ui-bundle.js",
        swagger_css_url="/docs/swagger-ui.css", swagger_favicon_url="/docs/favicon.png",
        # validatorUrl null: Swagger UI would otherwise send the document to a public validator
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
    ).body
    text = bytes(html).decode("utf-8")
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(m.encode()).digest()).decode()}'"
                      for m in _INLINE.findall(text))
    csp = (f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
    return text, csp


def add_docs(app: FastAPI) -> None:
    """GET /docs and its assets; the OpenAPI document learns the bearer token."""
    html, csp = docs_page(app.openapi_url or "/openapi.json", f"{app.title}: API")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
                                           "Referrer-Policy": "no-referrer"})

    def asset_route(name: str, file: str, media: str) -> None:
        @app.get(f"/docs/{name}", include_in_schema=False, name=f"docs-{name}")
        def asset() -> FileResponse:
            return FileResponse(STATIC / file, media_type=media,
                                headers={"Cache-Control": "max-age=86400", "X-Content-Type-Options": "nosniff"})

    for name, (file, media) in ASSETS.items():
        asset_route(name, file, media)

    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = plain()
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http", "scheme": "bearer",
                "description": "The token `zhen serve` prints at start (or --token / ZHEN_TOKEN). Needed on "
                               "every write, and on every request when the server is bound beyond loopback."}
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = ["add_docs", "docs_page"]
