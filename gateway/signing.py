"""Signed, expiring links: one HMAC for photos, document downloads and exports.

A link carries its expiry and an HMAC-SHA256 over what it grants (a photo's GUID; a
viewer and a path; a requester and an export) and that expiry, under the server's
signing key (``TOWNHALL_SERVER__URL_SIGNING_KEY``, shared by instances) prefixed with the
link's purpose, so a photo's signature is never valid for a download or an export.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

SIGNATURE_HEX = 40  # 160 bits


class LinkSigner:
    """Signs and checks one kind of link."""

    def __init__(self, key: bytes, purpose: str) -> None:
        self._key = f"townhall-{purpose}:".encode() + key

    def sign(self, parts: Sequence[str], expires: int) -> str:
        message = "\n".join([*parts, str(expires)]).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:SIGNATURE_HEX]

    def valid(self, parts: Sequence[str], expires: str, signature: str) -> bool:
        """Whether ``signature`` grants ``parts`` until ``expires``, and that is not past."""
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(self.sign(parts, int(expires)), signature)
