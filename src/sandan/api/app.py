"""The server application: the REST API under /api/v1 and the web shell, on one FastAPI app.

It wires settings, the store and the job registry to the routers; the routers hold no business logic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel

from sandan import __version__, web
from sandan.api import assets, auth, companies, data, errors, imports, ingest, quarantine, users
from sandan.api import assist as assist_routes
from sandan.api import backups as backup_routes
from sandan.api import connect as connect_routes
from sandan.api import connectors as connector_routes
from sandan.api import federate as federate_routes
from sandan.api import learn as learn_routes
from sandan.api import monitor as monitor_routes
from sandan.api import optimize as optimize_routes
from sandan.api import twin as twin_routes
from sandan.api.limits import BodyLimit
from sandan.collect.connector import ConnectorRegistry
from sandan.jobs import JobRegistry
from sandan.settings import Settings, load_settings
from sandan.store import Store, open_store

TAGS = [
    {"name": "auth", "description": "Log in, tokens, who am I. 로그인, 토큰"},
    {"name": "companies", "description": "Member companies. 회원사"},
    {"name": "assets", "description": "Sites, lines, machines, signals. 사업장, 라인, 설비, 신호"},
    {"name": "ingest", "description": "Send readings, part records and machine events. 데이터 수집"},
    {"name": "data", "description": "Readings, aggregates, part records, events. 데이터 조회"},
    {"name": "imports", "description": "CSV/Excel/Parquet import as background jobs. 파일 가져오기"},
    {"name": "quarantine", "description": "Rejected records: review, fix and replay, discard. 격리 데이터"},
    {"name": "users", "description": "Users and the audit log. 사용자, 감사 기록"},
    {"name": "twin", "description": "Line models, simulation, scenarios, scheduling. 디지털 트윈"},
    {"name": "backups", "description": "Backups of the whole platform (operator). 백업"},
    {"name": "system", "description": "Health. 상태"},
]


class Health(BaseModel):
    status: str
    version: str


def create_app(
    settings: Settings | None = None, store: Store | None = None, connectors: ConnectorRegistry | None = None
) -> FastAPI:
    """The app; opens the store from `settings` unless one is given (then the caller closes it).

    `connectors` are collectors already running in this process (the demo's, or a site file's), shown per company.
    """
    settings = settings or load_settings()
    owns_store = store is None
    if store is None:
        settings.ensure_data_dir()
        store = open_store(settings.resolved_store_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # every queued or running job is asked to stop and waited for a bounded time (`JobRegistry.shutdown`): a
        # training budget can be an hour, and a service manager kills a server that takes over 90 s to stop
        app.state.jobs.shutdown(wait=True)
        app.state.connectors.stop_all()
        if owns_store:
            store.close()

    app = FastAPI(
        title="sandan API",
        summary="산단 sandan — data, AI and digital twins for the factories of an industrial complex",
        version=__version__,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.jobs = JobRegistry()
    app.state.connectors = connectors or ConnectorRegistry()
    errors.install(app)
    app.add_middleware(BodyLimit)

    @app.get("/api/v1/health", response_model=Health, tags=["system"])
    def health() -> Health:
        """No login needed: for load balancers and monitoring."""
        return Health(status="ok", version=__version__)

    for module in (
        auth,
        companies,
        assets,
        ingest,
        data,
        imports,
        quarantine,
        users,
        connector_routes,
        monitor_routes,
        assist_routes,
        connect_routes,
        optimize_routes,
        learn_routes,
        twin_routes,
        federate_routes,
        backup_routes,
    ):
        app.include_router(module.router)
    web.mount(app)
    return app
