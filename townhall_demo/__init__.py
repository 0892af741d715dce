"""The embedded demo and the launchers of its upstream servers: demo code, never in the
production package (the wheel holds gateway/, schema/, connectors/ and townhall_client/).

* ``townhall_demo.upstreams`` starts and seeds the real servers Townhall talks to, as child
  processes on loopback: scim2-server (HR) and wsgidav (documents). It imports nothing of
  Townhall, so the tests and benchmarks start their servers with it without the gateway.
* ``townhall_demo.launcher`` serves the sample council end to end (``townhall demo``): the
  gateway, its worker beside it, and the demo portal (``portal/``).

It lives beside the source tree, as the sample council and the portal do: an editable or
source install (``pip install -e '.[demo]'``, ``make run``) finds it there, and the CLI's
``demo`` command imports it only when asked for.
"""
