"""The access gate: per request, the readers schema code reads through.

``build_scope`` makes a ``schema.scope.ViewerScope`` for one signed-in person from
that request's raw loaders (``gateway.loaders``), the social store and the
``GatePolicy``. The raw loaders and the store stay here: schema code gets only the
scope (``Context.scope``), whose readers judge every item through one ``Gate``
(``gate``). The download endpoint reads through the same gate.
"""

from __future__ import annotations

from connectors.directory import DirectoryPerson
from connectors.social import SocialStore
from schema.scope import ViewerScope

from ..loaders import RequestLoaders
from .activity import ActivityGate, NotificationGate
from .comments import CommentGate, ReactionGate
from .documents import DocumentGate
from .follows import FollowGate, ProfileGate
from .gate import Gate, GatePolicy
from .moderation import ModerationGate

__all__ = ["Gate", "GatePolicy", "build_scope"]


def build_scope(
    viewer: DirectoryPerson, loaders: RequestLoaders, store: SocialStore, policy: GatePolicy
) -> ViewerScope:
    """The readers ``viewer`` may read through in this request."""
    gate = Gate(viewer, loaders, store, policy)
    return ViewerScope(
        documents=DocumentGate(gate),
        activity=ActivityGate(gate),
        comments=CommentGate(gate),
        reactions=ReactionGate(gate),
        follows=FollowGate(gate),
        notifications=NotificationGate(gate),
        moderation=ModerationGate(gate),
        profiles=ProfileGate(gate),
    )
