"""ASGI entry point for ``uvicorn --factory gateway.asgi:build`` (settings from the environment)."""

from __future__ import annotations

from starlette.applications import Starlette

from .app import create_app
from .logs import configure_logging
from .settings import load_settings


def build() -> Starlette:
    configure_logging(only_if_unset=True)  # a worker of `townhall serve --workers N`
    return create_app(load_settings())
