"""Use case: hand a person's replies to the outbox when their channel said “not now”.

A channel that is over its service's frequency limit (企业微信's 45009) while answering
cannot wait a minute inside the person's turn. It renders the replies it could not send and
writes them here as outbox rows; the delivery worker sends them once the limit lifts, paced
like every push.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from delivery import wake
from handlers.replies import Reply, stored
from handlers.visits import Visit
from messages import per_channel
from storage.db import transaction
from storage.outbox import enqueue_many

KIND = "reply"  # outbox rows of replies deferred by a frequency limit


async def send_later(v: Visit, replies: Sequence[Reply]) -> int:
    """Write these replies to the outbox for this person, due now; return how many."""
    batch = secrets.token_hex(8)
    rows = [
        {
            "person_id": v.person.id or 0,
            "kind": KIND,
            "dedupe_key": f"{KIND}:{batch}:{index}",
            "text": per_channel(item.template, **item.values),
            "actions": stored(item.actions) or None,
            "due_at": v.now,
        }
        for index, item in enumerate(replies)
        if item.template
    ]
    if not rows:
        return 0
    async with transaction(v.services.sessions) as session:
        written = await enqueue_many(session, messages=rows)
    wake(v.services)
    return written
