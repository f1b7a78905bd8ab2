"""Use cases: one channel-neutral module per user flow, each function one unit of work."""
