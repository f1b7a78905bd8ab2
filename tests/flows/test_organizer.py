"""The organizer console, /status, results (晋级名单), and refusals for everyone else."""

from __future__ import annotations

from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from storage.db import transaction
from storage.models import Person
from tests.db import telegram_person
from tests.delivery.world import COMPLETE, CaseSpec, add_unit, bot_texts, services, worker
from tests.harness import ORGANIZER_ID

REFUSAL = "这项功能仅供大赛组织者使用"


async def test_console_from_the_menu_and_the_command(harness):
    await add_unit(harness, contacts=[4001], cases=[CaseSpec(), CaseSpec(submitted=True)])
    organizer = harness.organizer()
    await organizer.send("/start")
    await organizer.press("🛠 组织者后台")
    console = organizer.last_reply
    assert "组织者后台" in console.text
    assert "已登记单位 1 个，联系人 1 人" in console.text
    assert "案例：已提交 1 个，未提交 1 个" in console.text
    assert console.button_labels()[:4] == [
        "📢 发布通知",
        "📊 各单位进度",
        "🏅 晋级名单",
        "🎟 邀请码",
    ]
    assert ("🎟 邀请码", "inv:home") in [b for row in console.buttons for b in row]
    await organizer.send("/organizer")
    assert "组织者后台" in organizer.last_reply.text


async def test_status_shows_every_unit_compactly(harness):
    gappy = CaseSpec({"category": "development", "title": "全国首创的服务模式"}, lead=False)
    await add_unit(harness, party_org="甲局机关委员会", contacts=[4101, 4102], cases=[gappy])
    made = await add_unit(
        harness, party_org="乙局机关委员会", submitter_key="futian", contacts=[4103],
        cases=[CaseSpec(submitted=True, advancing_at=("review",))],
    )  # fmt: skip
    await add_unit(harness, party_org="丙局机关委员会", contacts=[4104])
    async with transaction(services(harness).sessions) as session:
        person = await session.get(Person, made.person_ids[0])
        assert person is not None
        person.unreachable = True
        session.add(person)
    organizer = harness.organizer()
    await organizer.send("/status")
    text = organizer.last_reply.text
    assert "单位 3 个（1 个尚无案例），联系人 4 人" in text
    assert "案例 2 个：已提交 1，未提交 1（1 个未填完必填项），晋级 1" in text
    assert "无法送达 1 人" in text
    assert "甲局机关委员会 · 市直机关工委\n联系人 2 · 案例 1：已提交 0，未提交 1（缺项 3）" in text
    assert "乙局机关委员会 · 福田区直机关工委\n联系人 1（无法送达：联系人4103）" in text
    assert "丙局机关委员会 · 市直机关工委\n联系人 1 · 尚无案例" in text


async def test_status_is_one_message_whose_pages_turn_in_place(harness):
    """Issue 17: not one message per 4,096 characters, but one, paged and edited in place."""
    for number in range(90):
        name = f"中共深圳市第{number}号单位机关委员会" + "很长的名称" * 6
        await add_unit(harness, party_org=name, contacts=[50_000 + number], cases=[CaseSpec()])
    organizer = harness.organizer()
    mark = organizer.mark()
    await organizer.send("/status")
    (view,) = organizer.replies_since(mark)
    assert len(view.text) <= 4096 and "全部单位：90 个，第 1/9 页" in view.text
    assert "单位 90 个（0 个尚无案例）" in view.text
    assert view.button_labels()[-3:] == ["下一页 ➡️", "🔎 查看单位与案例", "🛠 组织者后台"]
    seen = set()
    for page in range(1, 10):
        current = organizer.last_reply
        assert current.message_id == view.message_id  # the same message, edited
        assert f"第 {page}/9 页" in current.text and len(current.text) <= 4096
        seen |= {n for n in range(90) if f"第{n}号单位" in current.text}
        if page < 9:
            await organizer.press("下一页 ➡️", current)
    assert seen == set(range(90))
    assert organizer.replies_since(mark) == [organizer.last_reply]


async def test_status_of_ten_thousand_units_is_one_message_with_filters(harness):
    """Issue 17: 10,000 units, one message; the filters and the pages choose in SQL."""
    from sqlalchemy import insert

    from storage.models import Unit

    now, empty = harness.clock.now(), {"extra": {}, "status": "active"}
    async with transaction(services(harness).sessions) as session:
        connection = await session.connection()  # executemany: one statement, many rows
        await connection.execute(
            insert(Unit),
            [
                {"party_org": f"第{n}号单位", "registered": True, "submitter_key": "futian",
                 "created_at": now, **empty}
                for n in range(10_000)
            ],
        )  # fmt: skip
        units = (await session.exec(select(Unit.id).order_by(Unit.id))).all()
        await connection.execute(
            insert(Person),
            [
                {"unit_id": unit_id, "name": f"联系人{n}", "unreachable": n % 1000 == 7,
                 "created_at": now, "extra": {}}
                for n, unit_id in enumerate(units)
            ],
        )  # fmt: skip
    await add_unit(harness, party_org="有案例的单位", contacts=[4501], cases=[CaseSpec()])
    organizer = harness.organizer()
    mark = organizer.mark()
    await organizer.send("/status")
    (view,) = organizer.replies_since(mark)
    assert "单位 10001 个（10000 个尚无案例），联系人 10001 人" in view.text
    assert "无法送达 10 人" in view.text
    assert "全部单位：10001 个，第 1/1001 页" in view.text and len(view.text) <= 4096
    await organizer.press("无法送达", view)
    assert "有联系人无法送达的单位：10 个，第 1/1 页" in organizer.last_reply.text
    assert "第7号单位" in organizer.last_reply.text and "第1007号单位" in organizer.last_reply.text
    assert "✓ 无法送达" in organizer.last_reply.button_labels()
    await organizer.press("有未提交", organizer.last_reply)
    assert "有未提交案例的单位：1 个" in organizer.last_reply.text
    assert "有案例的单位" in organizer.last_reply.text
    await organizer.press("全部", organizer.last_reply)
    await organizer.press("下一页 ➡️", organizer.last_reply)
    assert "第 2/1001 页" in organizer.last_reply.text and "第10号单位" in organizer.last_reply.text
    assert organizer.replies_since(mark) == [organizer.last_reply]


async def test_results_marked_from_the_list_and_an_upload_then_notified_once(harness):
    first = await add_unit(
        harness, party_org="甲局", contacts=[4201, 4202],
        cases=[CaseSpec(dict(COMPLETE, title="甲局的案例"), submitted=True)],
    )  # fmt: skip
    second = await add_unit(
        harness, party_org="乙局", contacts=[4203],
        cases=[CaseSpec(dict(COMPLETE, title="乙局的案例"), submitted=True)],
    )  # fmt: skip
    await add_unit(harness, party_org="丙局", contacts=[4204], cases=[CaseSpec()])  # a draft
    organizer = harness.organizer()
    await organizer.send("/organizer")
    await organizer.press("🏅 晋级名单")
    await organizer.press("文本评审")
    listing = organizer.last_reply
    assert "已提交的案例共 2 个" in listing.text
    case_id = first.case_ids[0]
    await organizer.press(f"adv:review:t:{case_id}:0")
    assert f"☑️ #{case_id}" in organizer.last_reply.text
    assert "发展提质：已选 1/10 个" in organizer.last_reply.text
    await organizer.press("📤 上传名单")
    assert ".txt 或 .csv" in organizer.last_reply.text
    mark = organizer.mark()
    data = f"编号,名称\n#{case_id},\n乙局的案例,\n不存在的案例\n".encode()
    await organizer.upload("名单.csv", data)
    matched, listing = organizer.replies_since(mark)
    assert "已按名单标记 2 个案例" in matched.text
    assert "· 编号,名称" in matched.text and "· 不存在的案例" in matched.text
    assert "发展提质：已选 2/10 个" in listing.text

    await organizer.press("📣 通知晋级单位")
    assert "已通知 2 个单位：2 个案例晋级「文本评审」" in organizer.last_reply.text
    await worker(harness).drain()
    for uid in (4201, 4202, 4203):
        (text,) = bot_texts(harness, uid)
        assert "晋级通知" in text and "下一阶段「专家辅导」" in text
    assert "《甲局的案例》" in bot_texts(harness, 4201)[0]
    assert bot_texts(harness, 4204) == []
    await organizer.press("🏅 晋级名单")
    await organizer.press("文本评审")
    await organizer.press("📣 通知晋级单位")
    await worker(harness).drain()
    assert len(bot_texts(harness, 4201)) == 1  # the marks did not change: nobody is told twice
    assert second.case_ids


async def test_a_list_in_a_wrong_format_is_explained(harness):
    organizer = harness.organizer()
    await organizer.send("/organizer")
    await organizer.press("🏅 晋级名单")
    await organizer.press("文本评审")
    await organizer.press("📤 上传名单")
    await organizer.upload("名单.pdf", b"%PDF-1.4")
    assert "请上传 .txt 或 .csv 格式的名单文件（收到的是“名单.pdf”）" in organizer.last_reply.text
    await organizer.send("12\n15")
    assert "已按名单标记 0 个案例" in organizer.replies_since(0)[-2].text


async def test_a_promoted_organizer_may_use_the_console(harness):
    user = harness.user(4301)
    await user.send("/start")
    async with transaction(services(harness).sessions) as session:
        from storage.people import set_organizer

        person = await telegram_person(session, 4301)
        assert person is not None
        await set_organizer(session, person_id=person.id or 0)
    await user.send("/organizer")
    assert "组织者后台" in user.last_reply.text


ORGANIZER_COMMANDS = ["/organizer", "/status", "/broadcast"]


async def test_every_organizer_command_and_button_is_refused_to_others(harness):
    organizer = harness.organizer()
    await organizer.send("/broadcast")
    await organizer.send("一条草稿通知")
    draft = organizer.last_reply.buttons[0][0][1].split(":")[1]
    outsider = harness.user(4401)
    for command in ORGANIZER_COMMANDS:
        await outsider.send(command)
        assert REFUSAL in outsider.last_reply.text, command
    buttons = [
        "org:home", "org:status", "org:st:unreachable:1", "org:adv", "org:bc", "org:bcl",
        "adv:review:v:0", "adv:review:t:1:0", "adv:review:up", "adv:review:n",
        f"bc:{draft}:aud", f"bc:{draft}:m:cat", f"bc:{draft}:m:unit:1",
        f"bc:{draft}:a:all", f"bc:{draft}:go", f"bc:{draft}:at", f"bc:{draft}:un",
        f"bc:{draft}:x", f"bc:{draft}:txt", f"bc:{draft}:doc", f"bc:{draft}:sum",
        f"bc:{draft}:acks", f"bc:{draft}:re",
    ]  # fmt: skip
    # Callback data is user input: a forged button reaches the bot like a real one.
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in buttons])
    forged = await harness.app.bot.send_message(4401, "伪造的按钮", reply_markup=markup)
    await outsider.refresh()
    for data in buttons:
        mark = outsider.mark()
        toast = await outsider.press(data, forged.message_id)
        assert toast and toast["text"] == "仅组织者可用", data
        assert [m.text for m in outsider.replies_since(mark)] == [
            "这项功能仅供大赛组织者使用。如需帮助，请发送 /help 或直接提问。"
        ], data
    async with services(harness).sessions() as session:
        from storage.outbox import pending_count

        assert await pending_count(session) == 0
    assert ORGANIZER_ID == 9001
