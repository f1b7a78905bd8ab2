"""Console security through the sandbox: no session, contact persons, replayed, expired
and forged links, POSTs without the CSRF token, idle sessions and logging out."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from sqlmodel import select

from config.services import services_of
from storage.models import AuditEvent, ConsoleSession
from tests.channels.console.conftest import login_link

pytestmark = pytest.mark.database


async def _login(client: aiohttp.ClientSession, link: str) -> aiohttp.ClientResponse:
    parts = urlsplit(link)
    token = parse_qs(parts.query)["token"][0]
    base = f"{parts.scheme}://{parts.netloc}"
    async with client.get(link) as page:
        assert page.status == 200
        html = await page.text()
        assert "登录控制台" in html and token in html
    response = await client.post(
        f"{base}/console/login", data={"token": token}, allow_redirects=True
    )
    await response.read()
    return response


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def _sessions(harness) -> list[ConsoleSession]:
    async with services_of(harness.app).sessions() as session:
        return list((await session.exec(select(ConsoleSession))).all())


async def test_no_session_gets_the_login_page(console):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        for path in (
            "/console/",
            "/console/cases",
            "/console/exports/cases.xlsx",
            "/console/cases/1",
        ):
            async with client.get(console.server.url + path) as response:
                assert response.status == 401
                html = await response.text()
                assert "请登录" in html and "/console" in html
                assert response.headers["Cache-Control"] == "no-store"


async def test_a_link_opens_a_session_once_and_a_replay_is_refused(console):
    link = await login_link(console)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        response = await _login(client, link)
        assert response.status == 200
        assert "总览" in await response.text()
        cookie = response.history[0].cookies["console_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/console"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        replay = await _login(other, link)
        assert replay.status == 403
        assert "链接已使用" in await replay.text()
        async with other.get(console.server.url + "/console/") as page:
            assert page.status == 401
    async with services_of(console.app).sessions() as session:
        actions = [e.action for e in (await session.exec(select(AuditEvent))).all()]
    assert actions == ["login"]


async def test_a_contact_person_gets_no_link(console):
    user = console.user(1001)
    await user.send("/start")
    await user.send("/console")
    assert "仅供大赛组织者使用" in user.last_reply.text
    assert "token=" not in user.last_reply.text


async def test_expired_and_forged_links_are_refused(console):
    link = await login_link(console)
    console.at(console.clock.now() + timedelta(minutes=10, seconds=1))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        expired = await _login(client, link)
        assert expired.status == 403
        assert "链接已过期" in await expired.text()
        forged = await _login(client, link.split("token=")[0] + "token=" + "A" * 43)
        assert forged.status == 403
        assert "链接无效" in await forged.text()
    assert await _sessions(console) == []


async def test_a_post_without_the_csrf_token_changes_nothing(console):
    link = await login_link(console)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        page = await _login(client, link)
        csrf = _csrf(await page.text())
        base = console.server.url + "/console"
        for data in ({}, {"csrf": "forged"}):
            async with client.post(f"{base}/logout", data=data) as refused:
                assert refused.status == 403
                assert "请求无效" in await refused.text()
        assert [s.ended_at for s in await _sessions(console)] == [None]
        async with client.get(f"{base}/cases") as still:
            assert still.status == 200
        async with client.post(f"{base}/logout", data={"csrf": csrf}) as out:
            assert out.status == 200 and "已退出" in await out.text()
        async with client.get(f"{base}/") as after:
            assert after.status == 401


async def test_an_idle_session_ends_and_a_lost_right_ends_it_too(console):
    link = await login_link(console)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await _login(client, link)
        console.at(console.clock.now() + timedelta(minutes=59))
        async with client.get(console.server.url + "/console/") as page:
            assert page.status == 200
        console.at(console.clock.now() + timedelta(minutes=61))
        async with client.get(console.server.url + "/console/") as page:
            assert page.status == 401
