"""The web UI (Korean and English), served by the same server as the API; pages call capability functions.

No business logic and no SQL here; JS and CSS are vendored (works offline).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def mount(app: FastAPI) -> None:
    """Attach the web pages and the static files to the server's app (store and settings are on app.state).

    Call it after the API's routers: the last route answers unknown non-API paths with a not-found page.
    """
    from sandan.web import imports, pages, quarantine

    app.include_router(pages.router)
    app.include_router(quarantine.router)
    app.include_router(imports.router)
    from sandan.web import monitor as monitor_pages

    app.include_router(monitor_pages.router)
    from sandan.web import calendar as calendar_pages

    app.include_router(calendar_pages.router)
    from sandan.web import codes as code_pages

    app.include_router(code_pages.router)
    from sandan.web import assist as assist_pages
    from sandan.web import connect as connect_pages

    app.include_router(assist_pages.router)
    app.include_router(connect_pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    from sandan.web import optimize as optimize_pages

    app.include_router(optimize_pages.router)
    from sandan.web import learn as learn_pages

    app.include_router(learn_pages.router)
    from sandan.web import federate as federate_pages

    app.include_router(federate_pages.router)
    from sandan.web import twin as twin_pages

    app.include_router(twin_pages.router)
    from sandan.web import users as user_pages

    app.include_router(user_pages.router)
    from sandan.web import backups as backup_pages

    app.include_router(backup_pages.router)
    from sandan.web import takeout as takeout_pages

    app.include_router(takeout_pages.router)
    app.include_router(pages.fallback)
