"""A digest as an email message: plain text and HTML, and the headers that mark it as a
bulk, automatic mail with a one-click unsubscribe (RFC 8058).

The parts are rendered by Jinja2 templates (``templates/digest.txt`` and ``.html``) with
autoescaping on for HTML, so every value (names, titles, a comment's words) is escaped
by construction, whatever it holds: a comment saying ``<script>`` reads as that text.
Jinja2 was chosen over ``string.Template`` with ``html.escape`` by hand because a value
forgotten by hand is an injection, and the engine has no way to forget; it is already
installed with the demo's WebDAV server (wsgidav) and is a runtime dependency now.

Headers: ``Message-ID`` is the same for every attempt at one person's digest of one
period (a copy sent again after a crash is one mail clients drop), ``Date``,
``Auto-Submitted: auto-generated`` (RFC 3834: no auto-replies), ``Precedence: bulk``,
``X-Auto-Response-Suppress: All`` (Exchange's out-of-office replies), and
``List-Unsubscribe`` with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from schema.ids import global_id

from .content import Digest, DigestItem
from .periods import local_label
from .settings import DigestSettings

_TEMPLATES = Environment(
    loader=PackageLoader("gateway.digests", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Links:
    """Where a digest's links go."""

    home: str  # the portal (or the gateway): "Open Townhall"
    item: str  # per notification, with {id} and {target}; "" links to ``home``
    unsubscribe: str  # the recipient's signed one-click link, on the gateway


def subject(count: int) -> str:
    return f"Townhall: {count} new notification{'' if count == 1 else 's'}"


def message_id(person: str, period: str, from_address: str) -> str:
    """The same id for every attempt at one digest; nothing of the person in clear."""
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "townhall.invalid"
    digest = hashlib.sha256(f"{person}\n{period}".encode()).hexdigest()[:24]
    return f"<digest.{period.replace(':', '.')}.{digest}@{domain}>"


def compose(
    digest: Digest, links: Links, settings: DigestSettings, *, now: datetime
) -> EmailMessage:
    """The digest as a multipart/alternative message addressed to its recipient."""
    person = digest.person
    if not person.mail:
        raise ValueError("the recipient has no email address")
    shown = digest.items[: settings.max_items]
    zone = ZoneInfo(settings.timezone)
    values = {
        "subject": subject(len(digest.items)),
        "greeting": f"Hello {person.given_name or person.display_name},",
        "intro": _intro(len(digest.items), local_label(digest.period, settings)),
        "items": [_view(i, links, zone) for i in shown],
        "more": len(digest.items) - len(shown),
        "home_url": links.home,
        "unsubscribe_url": links.unsubscribe,
        "frequency": digest.period.kind,
    }
    message = EmailMessage()
    message["Subject"] = values["subject"]
    message["From"] = settings.from_address
    local, _, domain = person.mail.rpartition("@")
    message["To"] = Address(display_name=person.display_name, username=local, domain=domain)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(person.guid, digest.period.key, settings.from_address)
    message["Auto-Submitted"] = "auto-generated"
    message["Precedence"] = "bulk"
    message["X-Auto-Response-Suppress"] = "All"
    message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(_TEMPLATES.get_template("digest.txt").render(values))
    message.add_alternative(_TEMPLATES.get_template("digest.html").render(values), subtype="html")
    return message


def _intro(count: int, period: str) -> str:
    what = "notification" if count == 1 else "notifications"
    return f"You have {count} unread {what} in Townhall from {period}."


def _view(item: DigestItem, links: Links, zone: ZoneInfo) -> dict[str, str | None]:
    link = links.home
    if links.item:
        link = links.item.format(
            id=global_id("Notification", str(item.notification)), target=item.target or ""
        )
    at = item.at.astimezone(zone)
    return {
        "headline": item.headline,
        "excerpt": item.excerpt,
        "when": f"{at:%a} {at.day} {at:%b}, {at:%H:%M}",
        "link": link,
    }
