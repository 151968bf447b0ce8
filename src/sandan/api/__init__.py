"""The REST API (FastAPI, /api/v1): thin routers over capability functions; tenancy from one dependency.

No business logic and no SQL here.
"""

from sandan.api.app import create_app

__all__ = ["create_app"]
