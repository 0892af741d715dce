"""The demo portal's identity provider: an EC P-256 key pair and the ES256 tokens it signs.

An intranet that embeds Townhall's widgets signs its visitors in with the council's identity
provider (Entra ID, ADFS) and hands each widget a token it obtained itself. The demo has no
such provider, so the portal plays it: a key pair made at start-up, whose public half the
gateway is configured with (``auth.jwt_public_key``), and short-lived tokens naming the
visitor by UPN, as Entra's carry it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

#: Ten minutes: a widget asks for a new token when its last one is about to expire.
TOKEN_LIFETIME = 600
ALGORITHM = "ES256"


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@dataclass
class TokenIssuer:
    """Signs tokens for ``audience`` as ``issuer`` with a key pair made when it is created."""

    issuer: str
    audience: str
    lifetime: int = TOKEN_LIFETIME
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=_new_key, repr=False)
    #: Names the key in each token's header, as a real provider's JWKS would.
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:16])

    def public_key_pem(self) -> str:
        """The public key as PEM, for the gateway's ``auth.jwt_public_key``."""
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign(self, upn: str, *, lifetime: int | None = None, **claims: Any) -> str:
        """A token naming ``upn``, valid from now for ``lifetime`` seconds (negative: already
        expired); ``claims`` are added to, or replace, the standard ones."""
        now = int(time.time())
        seconds = self.lifetime if lifetime is None else lifetime
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": upn,
            "upn": upn,
            "iat": now if seconds > 0 else now + seconds - 60,
            "exp": now + seconds,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(body, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def auth_settings(self) -> dict[str, Any]:
        """The gateway's ``auth`` settings that accept this issuer's tokens."""
        return {
            "jwt_public_key": self.public_key_pem(),
            "jwt_issuer": self.issuer,
            "jwt_audience": self.audience,
        }
