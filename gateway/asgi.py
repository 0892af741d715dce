"""ASGI entry point for ``uvicorn --factory gateway.asgi:build`` (settings from the environment)."""

from __future__ import annotations

from starlette.applications import Starlette

from .app import create_app
from .settings import load_settings


def build() -> Starlette:
    return create_app(load_settings())
