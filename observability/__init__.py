"""Operating the bot: Prometheus metrics, health and readiness checks, private logs.

``metrics`` defines the counters (one registry per application, so tests never collide),
``health`` serves ``/healthz``, ``/readyz`` and ``/metrics`` on the bot's web server,
``logs`` sets up logging (text or JSON lines) with personal data redacted from every record,
and ``updates`` meters the Application's update handling at one place.
"""
