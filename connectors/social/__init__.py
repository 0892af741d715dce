"""Townhall's own social store (follows, comments), the only store Townhall writes to."""

from .store import Comment, Follow, SocialError, SocialStore, SocialUnavailable

__all__ = ["Comment", "Follow", "SocialError", "SocialStore", "SocialUnavailable"]
