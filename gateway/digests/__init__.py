"""Email digests: each person's daily or weekly mail of their unread notifications.

``settings`` (the ``digests`` section), ``periods`` (which digest is due, and the window it
covers), ``content`` (a digest read through the recipient's own access gate), ``mail``
(the message: plain text and HTML, headers, one-click unsubscribe), ``sender`` (SMTP),
``rounds`` (one round: who is due, claim, send, confirm), ``scheduler`` (rounds in the
web lifespan), ``unsubscribe`` (the signed link and its endpoint) and ``cli``
(``townhall digests send``). This module imports nothing, so that the settings tree can
import ``settings`` alone.
"""
