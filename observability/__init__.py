"""Operating the bot: Prometheus metrics, health and readiness checks, private logs.

``metrics`` defines the counters (one registry per application, so tests never collide),
``health`` serves ``/healthz``, ``/readyz`` and ``/metrics`` on the bot's web server, and
``logs`` sets up logging (text or JSON lines) with personal data redacted from every record.
No messenger here: the Telegram side (counting and timing each update, the ids an error log
may name) is ``channels/telegram/metered.py``.
"""
