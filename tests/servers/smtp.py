"""A real SMTP server on loopback for the tests: aiosmtpd's ``Controller`` (its own thread
and event loop) with a handler keeping every message it accepted.

``SmtpServer()`` speaks plain SMTP; ``SmtpServer(certificates=..., users=...)`` requires
STARTTLS (with a certificate from ``certificates.py``) and AUTH (PLAIN/LOGIN, only over
TLS). ``stop()`` and ``start()`` again on the same port stand for a mail server that went
away and came back.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from .certificates import TestCertificates


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool  # the session had switched to TLS
    login: str | None  # who authenticated, if anyone


class _Collector:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        auth = session.auth_data
        login = auth.login.decode() if session.authenticated and auth is not None else None
        with self.lock:
            self.received.append(
                Received(
                    mail_from=envelope.mail_from or "",
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=parsed,
                    tls=session.ssl is not None,
                    login=login,
                )
            )
        return "250 Message accepted for delivery"


class _Authenticator:
    def __init__(self, users: dict[str, str]) -> None:
        self._users = users

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self._users.get(user) == password:
                return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)


class SmtpServer:
    """aiosmtpd on a free loopback port, collecting what it accepts in ``received``."""

    def __init__(
        self, *, certificates: TestCertificates | None = None, users: dict[str, str] | None = None
    ) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._collector = _Collector()
        self._certificates = certificates
        self._users = users
        self._controller: Controller | None = None

    def start(self) -> None:
        options: dict[str, Any] = {}
        if self._certificates is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self._certificates.certificate, self._certificates.key)
            options.update(tls_context=context, require_starttls=True)
        if self._users is not None:
            options.update(
                authenticator=_Authenticator(self._users), auth_required=True,
                auth_require_tls=True,
            )  # fmt: skip
        self._controller = Controller(
            self._collector, hostname=self.host, port=self.port, ready_timeout=10, **options
        )
        for _ in range(50):  # the port of a server just stopped may take a moment to free
            try:
                self._controller.start()
                return
            except (OSError, RuntimeError):
                time.sleep(0.1)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        with self._collector.lock:
            return list(self._collector.received)

    def clear(self) -> None:
        with self._collector.lock:
            self._collector.received.clear()

    def to(self, address: str) -> list[Received]:
        """Messages accepted for ``address``."""
        return [r for r in self.received if address in r.rcpt_tos]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
