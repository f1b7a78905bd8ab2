"""Sending to one 企业微信 member: a rendered reply as text parts and button cards.

Both the interactive adapter and the outbox channel send through one :class:`Speaker`, so
a card looks the same whether it answers a press or brings a notice. The speaker remembers
the labels of the cards it sent (the latest ``memory`` cards, in this process), to say on a
pressed card which button was pressed; after a restart a pressed card just says “已选择”.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from channels.wecom.api import Sent, WecomClient
from channels.wecom.render import cards_of, text_parts

MEMORY = 5000  # cards whose button labels are remembered


class Speaker:
    """Send text and cards through a :class:`WecomClient`."""

    def __init__(self, client: WecomClient, *, memory: int = MEMORY) -> None:
        self.client = client
        self.memory = memory
        self._labels: OrderedDict[str, dict[str, str]] = OrderedDict()

    async def say(
        self,
        user_id: str,
        markup: str,
        buttons: Sequence[tuple[str, str]] = (),
        *,
        document: tuple[bytes, str, str] | None = None,
    ) -> str:
        """Send a rendered message: a file first, the text in parts, then its buttons' cards.

        ``buttons`` are (id, label) pairs; ``document`` is (data, file name, MIME type).
        Returns the id of the last message sent ("" if there was nothing to send).
        """
        last: Sent | None = None
        if document is not None:
            data, name, mime = document
            last = await self.client.send_document(user_id, data, name, mime)
        for part in text_parts(markup):
            last = await self.client.send_text(user_id, part)
        for card in cards_of(buttons):
            last = await self.client.send_card(
                user_id, title=card.title, buttons=card.buttons, task_id=card.task_id
            )
            self._remember(card.task_id, {b.key: b.text for b in card.buttons})
        return last.msg_id if last is not None else ""

    def _remember(self, task_id: str, labels: dict[str, str]) -> None:
        self._labels[task_id] = labels
        while len(self._labels) > self.memory:
            self._labels.popitem(last=False)

    def label_of(self, task_id: str, key: str) -> str:
        """Return the label of a button on a card sent by this process, or ""."""
        return self._labels.get(task_id, {}).get(key, "")

    async def mark_pressed(self, user_id: str, response_code: str, label: str) -> None:
        """Replace a pressed card's buttons with one unclickable label (once per press)."""
        if response_code and label:
            await self.client.update_card_buttons(
                user_id, response_code=response_code, replace_name=label
            )
