"""The demo portal: Northshire Council's mock intranet home page, embedding every Townhall
widget from another origin under a strict Content-Security-Policy, and signing its visitors'
tokens as the council's identity provider would (``portal.app``, ``portal.tokens``).

Demo code: the gateway never imports it, except the demo launcher (``townhall_demo/launcher.py``).
"""
