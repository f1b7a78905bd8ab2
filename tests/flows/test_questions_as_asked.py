"""Questions as people ask them, through the sandbox: several at once, about now, advice,
what the notice does not say, small talk, the person's own cases, and inside a form."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import BEIJING
from tests.flows.test_cases import registered, start_case


async def test_a_two_part_question_gets_both_answers(harness):
    user = harness.user()
    mark = user.mark()
    await user.send("截止是哪天 字数有要求吗")
    replies = user.replies_since(mark)
    assert len(replies) == 2
    assert "2024年7月15日（周一）23:59" in replies[0].text
    assert "3000 字" in replies[1].text


async def test_a_question_about_now_before_and_after_the_deadline(harness):
    user = harness.user()
    harness.at(datetime(2024, 7, 10, 10, 0, tzinfo=BEIJING))
    await user.send("现在还能提交吗")
    text = user.last_reply.text
    assert text.startswith("能。"), text
    assert "2024年7月15日（周一）23:59" in text and "还有 5 天 13 小时" in text
    await user.send("下周一交来得及吗")
    assert user.last_reply.text.startswith("来得及。"), user.last_reply.text
    assert "正是截止日当天" in user.last_reply.text
    harness.at(datetime(2024, 7, 16, 9, 0, tzinfo=BEIJING))
    await user.send("现在还能提交吗")
    text = user.last_reply.text
    assert text.startswith("不能。"), text
    assert "已截止" in text


async def test_a_described_project_gets_the_closest_category_with_why(harness):
    user = harness.user()
    await user.send("我们的项目是优化审批流程 该报哪个组")
    text = user.last_reply.text
    assert text.startswith("建议报正风增效"), text
    assert "流程再造" in text  # the clause of the category's description it matched


async def test_what_the_notice_does_not_say_is_said_plainly_with_the_contacts(harness):
    user = harness.user()
    await user.send("决赛在哪里举办")
    text = user.last_reply.text
    assert "没有写明举办地点" in text
    assert "王宇昕" in text and "0755-88134324" in text
    assert "综合评选" not in text  # no neighbouring topic instead


async def test_a_greeting_and_thanks_are_answered_kindly(harness):
    user = harness.user()
    await user.send("你好")
    assert "您好" in user.last_reply.text and "尖兵杯" in user.last_reply.text
    assert "不太确定" not in user.last_reply.text
    await user.send("好的 谢谢老师")
    assert "不客气" in user.last_reply.text


async def test_the_official_system_question_is_answered_from_the_contest_file(harness):
    user = harness.user()
    await user.send("在这里提交了还要去官网上传吗")
    text = user.last_reply.text
    assert text.startswith("需要。"), text
    assert "网络报名系统" in text and "新增案例" in text


async def test_a_question_about_our_own_cases_uses_the_units_cases(harness):
    user, _ = await registered(harness)
    await user.send("我们的案例交了吗")
    assert "本单位还没有创建案例" in user.last_reply.text
    await start_case(user)
    await user.press("发展提质")
    mark = user.mark()
    await user.send("？我们的案例交了吗")  # asked inside the case form: answered, then re-asked
    replies = user.replies_since(mark)
    assert replies[0].text.startswith("还没有提交。"), replies[0].text
    assert "草稿，尚未提交" in replies[0].text
    assert "案例名称" in replies[-1].text


async def test_a_question_in_the_middle_of_a_form_keeps_its_place(harness):
    from tests.flows.test_registration import make_invite

    harness.at(datetime(2024, 7, 10, 10, 0, tzinfo=BEIJING))
    code = await make_invite(harness)
    user = harness.user()
    await user.send(f"/start {code}")
    await user.send("中共深圳市某某局机关委员会")
    assert "推荐单位" in user.last_reply.text
    mark = user.mark()
    await user.send("？下周一交来得及吗 字数多少")
    replies = user.replies_since(mark)
    assert replies[0].text.startswith("来得及。"), replies[0].text
    assert "3000 字" in replies[1].text
    assert "第 2/3 项" in replies[-1].text and "推荐单位" in replies[-1].text
    await user.send("深圳市某某局")
    assert "申报渠道" in user.last_reply.text


async def test_a_value_named_to_confirm_is_answered_yes_or_no_with_the_files_value(harness):
    user = harness.user()
    await user.send("文本评审后每类选15个对吗")  # the 2024 notice: 10 per category
    text = user.last_reply.text
    assert text.startswith("不对。"), text
    assert "10 个" in text
    await user.send("联系电话是0755-88134324吧")
    assert user.last_reply.text.startswith("是。"), user.last_reply.text


async def test_a_short_question_is_matched_in_the_loop_and_a_long_message_in_a_thread(
    harness, monkeypatch
):
    import asyncio

    from handlers import browse

    in_threads: list[str] = []
    to_thread = asyncio.to_thread

    async def counted(function, /, *args, **kwargs):
        if function is browse.ask:
            in_threads.append(args[0])
        return await to_thread(function, *args, **kwargs)

    monkeypatch.setattr(browse.asyncio, "to_thread", counted)
    user = harness.user()
    await user.send("ddl是几号")  # short: in the event loop
    assert "2024年7月15日（周一）23:59" in user.last_reply.text
    long = "老师您好，我们是区里的单位，想问一下截止是哪天，还有字数有没有要求"
    assert len("ddl是几号") <= browse.INLINE_QUESTION < len(long)
    mark = user.mark()
    await user.send(long)
    replies = user.replies_since(mark)
    assert any("2024年7月15日（周一）23:59" in r.text for r in replies)
    assert any("3000 字" in r.text for r in replies)
    assert in_threads == [long]
