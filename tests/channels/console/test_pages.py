"""Every console page renders with hostile data in the database, escaped, and paginates."""

from __future__ import annotations

import aiohttp
import pytest

from config.services import services_of
from storage.db import transaction
from storage.models import Broadcast, Case, Person, Unit
from tests.channels.console.conftest import login_link
from tests.channels.console.test_security import _login
from tests.db import telegram_account
from tests.messages.samples import EVIL

pytestmark = pytest.mark.database


async def _fill(harness, units: int) -> list[int]:
    async with transaction(services_of(harness.app).sessions) as session:
        ids = []
        for number in range(units):
            unit = Unit(party_org=f"{EVIL}{number}", recommending_unit=f"{EVIL}{number}")
            session.add(unit)
            await session.flush()
            contact = Person(unit_id=unit.id, name=EVIL, mobile="13800000000")
            session.add(contact)
            await session.flush()
            session.add(telegram_account(contact.id or 0, 50_000 + number))
            case = Case(unit_id=unit.id or 0, values={"category": "dev", "title": EVIL})
            session.add(case)
            await session.flush()
            ids.append(case.id or 0)
        organizer = Person(name=EVIL)
        session.add(organizer)
        await session.flush()
        session.add(telegram_account(organizer.id or 0, 1))
        session.add(Broadcast(created_by=organizer.id or 0, text=EVIL, status="done"))
        return ids


async def test_every_page_escapes_hostile_data(console):
    case_ids = await _fill(console, 3)
    link = await login_link(console)
    base = console.server.url + "/console"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await _login(client, link)
        paths = ["/", "/units", "/units?q=%3Cb%3E", "/cases", "/cases?q=%3Cscript%3E&sort=-id",
                 "/notices", "/exports", "/audit", f"/cases/{case_ids[0]}", "/units/1",
                 "/cases/999999", "/units/999999", "/exports/nothing"]  # fmt: skip
        for path in paths:
            async with client.get(base + path) as response:
                html = await response.text()
                assert response.status in (200, 404), path
                assert "<script>" not in html, path
                assert "javascript:1" not in html or 'href="javascript' not in html, path


async def test_tables_paginate(console):
    await _fill(console, 120)
    link = await login_link(console)
    base = console.server.url + "/console"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await _login(client, link)
        async with client.get(base + "/cases") as response:
            html = await response.text()
        assert html.count('class="case-row"') == 50
        assert "第 1 / 3 页，共 120 条" in html
        async with client.get(base + "/cases?page=3") as response:
            assert (await response.text()).count('class="case-row"') == 20
        async with client.get(base + "/units?page=9") as response:
            html = await response.text()
        assert "第 3 / 3 页，共 120 条" in html


async def test_the_case_page_shows_the_diff_between_versions(console):
    from storage.models import CaseRevision

    (case_id,) = await _fill(console, 1)
    async with transaction(services_of(console.app).sessions) as session:
        for number, title in ((1, "旧的案例名称"), (2, "新的案例名称")):
            values = {"category": "development", "title": title, "background": "不变的背景。"}
            session.add(
                CaseRevision(case_id=case_id, number=number, reason="submission", values=values)
            )
    link = await login_link(console)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await _login(client, link)
        async with client.get(f"{console.server.url}/console/cases/{case_id}") as response:
            html = await response.text()
    assert '<span class="ddel">- 案例名称：旧的案例名称</span>' in html
    assert '<span class="dadd">+ 案例名称：新的案例名称</span>' in html


async def test_the_notices_page_previews_the_next_reminder(console):
    await _fill(console, 3)
    link = await login_link(console)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await _login(client, link)
        async with client.get(f"{console.server.url}/console/notices") as response:
            html = await response.text()
    assert "2024年7月8日（周一）10:00 · 「文本申报」截止" in html  # 7 days before, at 10:00
    assert "将提醒 3 个单位的 3 位联系人" in html
    sample = html.split("内容示例")[1]
    assert "「文本申报」截止提醒" in sample and "未填写" in sample


async def test_the_exports_download_whole_from_their_temporary_files(console):
    """The big exports are streamed by aiohttp from a temporary file: every byte arrives."""
    import io
    import zipfile

    from openpyxl import load_workbook

    await _fill(console, 3)
    link = await login_link(console)
    base = console.server.url + "/console/exports/"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await _login(client, link)
        async with client.get(base + "cases.xlsx") as response:
            assert response.status == 200
            book = load_workbook(io.BytesIO(await response.read()))
        assert book.sheetnames[0] == "汇总" and book["汇总"]["A5"].value == "合计"
        assert book["汇总"]["D5"].value == 3
        async with client.get(base + "units.xlsx") as response:
            rows = list(load_workbook(io.BytesIO(await response.read())).active.values)
        assert len(rows) == 1 + 3
        async with client.get(base + "documents.zip") as response:
            assert response.status == 200
            assert zipfile.ZipFile(io.BytesIO(await response.read())).namelist() == []
