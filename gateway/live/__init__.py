"""Live updates: GraphQL subscriptions fed by the social store's committed writes.

``events``: the publisher (store changes -> bus), the hub (bus -> subscriptions, bounded
queues, ``SlowConsumer``) and ``open_live``, which the app's lifespan calls. ``bus``: the
message shape and the memory and Redis buses. ``settings``: the ``live`` settings section.
The WebSocket transport lives in the ``ws_*`` modules beside them.
"""
