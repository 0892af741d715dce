"""Sending digests over SMTP with aiosmtplib (asyncio-native, typed, well kept: the
standard library's ``smtplib`` would block the event loop for every exchange).

One ``SmtpSender`` per round holds one connection, opened at the first message (a
round with nothing to send opens none) and reused for the rest, with STARTTLS required
(``starttls``), implicit TLS (``tls``) or neither (``none``, the demo's local server),
and AUTH when a user name is set. Errors:

    SendFailed              this message was not sent; the next round tries again
    ├── ConnectionLost      the server cannot be reached or dropped us: stop the round
    └── AddressRefused      the server refused the recipient for good (5xx)
"""

from __future__ import annotations

import asyncio
import ssl
from email.message import EmailMessage
from types import TracebackType

import aiosmtplib

from .settings import DigestSettings


class SendFailed(Exception):
    """The message was not accepted; nothing was sent."""


class ConnectionLost(SendFailed):
    """The SMTP server cannot be reached, refused us, or the connection broke."""


class AddressRefused(SendFailed):
    """The server refused the recipient's address permanently."""


class SmtpSender:
    """Sends messages over one SMTP connection at a time, at most ``rate`` a second."""

    def __init__(self, settings: DigestSettings) -> None:
        self._settings = settings
        self._client: aiosmtplib.SMTP | None = None
        self._pause = 1.0 / settings.rate_per_second if settings.rate_per_second else 0.0
        self._last = 0.0
        self.sent = 0

    async def __aenter__(self) -> SmtpSender:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self._settings
        context = ssl.create_default_context(cafile=s.smtp_ca_file)
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_tls == "tls",
            start_tls=s.smtp_tls == "starttls",  # required, never opportunistic
            tls_context=context if s.smtp_tls != "none" else None,
            username=s.smtp_username or None,
            password=s.smtp_password.get_secret_value() or None,
            timeout=s.smtp_timeout,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            reason = type(exc).__name__
            raise ConnectionLost(f"cannot connect to the SMTP server ({reason})") from exc
        return client

    async def send(self, message: EmailMessage) -> None:
        """Send one message (its From and To); raises a ``SendFailed``."""
        loop = asyncio.get_running_loop()
        wait = self._last + self._pause - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        if self._client is None or not self._client.is_connected:
            self._client = await self._connect()
        try:
            await self._client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [e.code for e in exc.recipients]
            if codes and all(500 <= c < 600 for c in codes):
                raise AddressRefused(f"the recipient was refused ({codes[0]})") from exc
            raise SendFailed(f"the recipient was refused for now ({codes[:1]})") from exc
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            await self.close()
            raise ConnectionLost(f"the SMTP connection broke ({type(exc).__name__})") from exc
        except aiosmtplib.SMTPException as exc:
            raise SendFailed(f"the SMTP server did not take the message ({exc})") from exc
        finally:
            self._last = loop.time()
        self.sent += 1
