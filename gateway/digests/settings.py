"""The ``digests`` settings section (``TOWNHALL_DIGESTS__*``): who gets a digest by
default, when digests go out, and the SMTP server they go through."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, field_validator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DigestSettings(BaseModel):
    """Email digests of unread notifications (see the README, "Email digests")."""

    enabled: bool = Field(
        False,
        description="Send digests from the web process (a round every `check_interval` "
        "seconds); `townhall digests send` works either way.",
    )
    default_frequency: Literal["never", "daily", "weekly"] = Field(
        "never", description="The digest of everyone who has not chosen one."
    )
    smtp_host: str = Field("127.0.0.1", description="The SMTP server (a relay or submission).")
    smtp_port: int = Field(25, ge=1, le=65535, description="Its port (587 with starttls, 465 tls).")
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        "starttls",
        description="`starttls` (upgrade, required), `tls` (implicit TLS) or `none`.",
    )
    smtp_ca_file: str | None = Field(
        None, description="CA bundle that signed the SMTP server's certificate (default: system)."
    )
    smtp_username: str = Field("", description="SMTP AUTH user (empty: no AUTH).")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP AUTH password.")
    smtp_timeout: float = Field(30.0, gt=0, description="Seconds for each SMTP exchange.")
    from_address: str = Field(
        "Townhall <townhall@localhost>", description="The From of every digest."
    )
    link_base_url: str = Field(
        "",
        description="Where the mail's links go: the portal page with the notifications "
        "widget (default: server.public_url). Unsubscribe links always go to the gateway.",
    )
    item_link: str = Field(
        "",
        description="Each notification's link, with {id} (the Notification id) and {target} "
        "(the Document, Person or Comment id it is about), e.g. "
        "'https://intranet.example/townhall?item={target}' (empty: link_base_url).",
    )
    send_hour: int = Field(7, ge=0, le=23, description="Local hour daily digests go out.")
    weekly_day: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = Field("monday", description="Day weekly digests go out, at `send_hour`.")
    timezone: str = Field("Europe/London", description="The time zone of `send_hour` (IANA).")
    check_interval: float = Field(
        300.0, gt=0, description="Seconds between the web process's rounds."
    )
    batch_size: int = Field(
        100, ge=1, le=1000, description="People read from the store per query of a round."
    )
    max_per_round: int = Field(
        2000, ge=1, description="Digests one round sends at most (the rest: next round)."
    )
    rate_per_second: float = Field(
        10.0, ge=0, description="Messages per second at most (0: as fast as the server takes)."
    )
    max_items: int = Field(
        25, ge=1, le=200, description="Notifications listed in one mail (the rest are counted)."
    )
    claim_timeout: float = Field(
        900.0,
        ge=60,
        description="Seconds after which a digest claimed by a sender that never confirmed "
        "(it stopped) may be claimed again.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def refuse_unsafe_production(self, *, signing_key: bool) -> None:
        """In production: no password over an unencrypted connection, and unsubscribe
        links every instance (and the CLI) can check."""
        if self.smtp_username and self.smtp_tls == "none":
            raise ValueError(
                "digests.smtp_username over smtp_tls 'none' would send the password in "
                "clear: use starttls or tls"
            )
        if self.enabled and not signing_key:
            raise ValueError(
                "digests.enabled needs server.url_signing_key: unsubscribe links must "
                "outlive a restart"
            )

    @property
    def weekday(self) -> int:
        """``weekly_day`` as Monday = 0."""
        return WEEKDAYS.index(self.weekly_day)
