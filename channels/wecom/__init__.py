"""企业微信 (WeCom) self-built app channel: callback crypto, callback server, API client.

Nothing here knows the contest or the database: ``callback`` turns 企业微信's encrypted
callbacks into neutral ``InboundEvent`` values for a consumer, and ``api`` sends what the
consumer decides. The adapter onto the channel seam wires the two together.
"""
