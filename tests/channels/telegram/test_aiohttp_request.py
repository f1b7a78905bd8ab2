"""The Bot API over aiohttp, against a small aiohttp server on loopback.

What PTB's ``BaseRequest.do_request`` promises: the parameters arrive (as one JSON body), files as
multipart parts with their UTF-8 names and types; the status and body come back as they are;
a timeout is :class:`TimedOut`, a refused connection :class:`NetworkError`; the pool holds no
more connections than asked. And :class:`RetryingRequest` retries 5xx answers and timeouts
over it. The slow handler never answers until the test ends (no sleeps): the client's short
timeout is what ends the call.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from channels.telegram import retrying
from channels.telegram.aiohttp_request import AiohttpRequest
from channels.telegram.outbound import _mapped
from channels.telegram.retrying import RetryingRequest
from delivery.channel import Transient


class Api:
    """A stand-in Bot API: records what it got and answers as told."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []
        self.statuses: list[int] = []  # answered in turn, then 200
        self.hang = 0  # this many first calls wait for ``release``
        self.release = asyncio.Event()
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        fields: dict[str, object] = {}
        if request.content_type == "application/json":
            fields = await request.json()
        else:  # a form, or multipart with files
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    fields[key] = (value.filename, value.content_type, value.file.read())
                else:
                    fields[key] = value
        self.calls.append({
            "path": request.path,
            "type": request.content_type,
            "agent": request.headers.get("User-Agent", ""),
            "fields": fields,
        })  # fmt: skip
        self.arrived.set()
        if self.hang:
            self.hang -= 1
            await self.release.wait()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({"ok": status < 400, "result": True}, status=status)


@pytest.fixture
async def api() -> AsyncIterator[tuple[Api, str]]:
    stand_in = Api()
    app = web.Application()
    app.router.add_post("/{method}", stand_in.handle)
    server = TestServer(app)
    await server.start_server()
    yield stand_in, str(server.make_url("/"))
    stand_in.release.set()
    await server.close()


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    client = AiohttpRequest(read_timeout=30)
    await client.initialize()
    yield client
    await client.shutdown()


def data(**params: object) -> RequestData:
    """Return PTB's request data for ``params``, as the Bot builds it."""
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


async def test_a_call_sends_its_parameters_as_json_and_returns_status_and_body(
    api: tuple[Api, str], request_: AiohttpRequest
) -> None:
    stand_in, url = api
    markup = {"inline_keyboard": [[{"text": "确认", "callback_data": "ok"}]]}
    code, body = await request_.do_request(
        url + "sendMessage", "POST", data(chat_id=7, text="你好 & <b>再见</b>", reply_markup=markup)
    )
    assert code == 200 and json.loads(body) == {"ok": True, "result": True}
    [call] = stand_in.calls
    assert call["path"] == "/sendMessage" and call["type"] == "application/json"
    assert call["fields"] == {"chat_id": 7, "text": "你好 & <b>再见</b>", "reply_markup": markup}
    assert "python-telegram-bot" in str(call["agent"])


async def test_a_call_without_parameters_and_an_error_status_come_back_as_they_are(
    api: tuple[Api, str], request_: AiohttpRequest
) -> None:
    stand_in, url = api
    stand_in.statuses = [400]
    code, body = await request_.do_request(url + "getMe", "POST")
    assert code == 400 and json.loads(body)["ok"] is False
    assert stand_in.calls[0]["fields"] == {}


async def test_a_file_goes_as_a_multipart_part_with_its_chinese_name_and_type(
    api: tuple[Api, str], request_: AiohttpRequest
) -> None:
    stand_in, url = api
    docx = b"PK\x03\x04 not really a docx"
    name = '“一网通办”再提速 "全国首创"-说明书.docx'
    code, _ = await request_.do_request(
        url + "sendDocument",
        "POST",
        data(chat_id=7, caption="说明书", document=InputFile(docx, filename=name)),
    )
    assert code == 200
    [call] = stand_in.calls
    assert call["type"] == "multipart/form-data"
    fields = call["fields"]
    assert isinstance(fields, dict) and fields["chat_id"] == "7" and fields["caption"] == "说明书"
    filename, content_type, content = fields["document"]
    assert filename == name.replace('"', "%22")  # as httpx and browsers escape a quote
    assert content_type.endswith("wordprocessingml.document") and content == docx


async def test_a_photo_from_a_file_handle_is_uploaded_whole(
    api: tuple[Api, str], request_: AiohttpRequest, tmp_path: object
) -> None:
    stand_in, url = api
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
    path = tmp_path / "二维码.png"  # type: ignore[operator]
    path.write_bytes(png)
    with path.open("rb") as handle:
        photo = data(chat_id=7, photo=InputFile(handle))
        await request_.do_request(url + "sendPhoto", "POST", photo)
    _, content_type, content = stand_in.calls[0]["fields"]["photo"]  # type: ignore[index]
    assert content_type == "image/png" and content == png


async def test_no_answer_within_the_read_timeout_is_timed_out(
    api: tuple[Api, str], request_: AiohttpRequest
) -> None:
    stand_in, url = api
    stand_in.hang = 1
    with pytest.raises(TimedOut):
        await request_.do_request(url + "sendMessage", "POST", data(chat_id=7), read_timeout=0.05)


async def test_a_refused_connection_is_a_network_error(request_: AiohttpRequest) -> None:
    with socket.socket() as bound:  # bound, not listening: connecting is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        with pytest.raises(NetworkError) as caught:
            await request_.do_request(f"http://127.0.0.1:{port}/getMe", "POST")
    assert not isinstance(caught.value, TimedOut)
    mapped, gateway = _mapped(caught.value), _mapped(NetworkError("Bad Gateway"))
    assert isinstance(mapped, Transient) and mapped.network  # the outbox's: no answer, not 5xx
    assert isinstance(gateway, Transient) and not gateway.network


async def test_the_pool_holds_no_more_connections_than_asked(api: tuple[Api, str]) -> None:
    stand_in, url = api
    stand_in.hang = 1
    client = AiohttpRequest(connection_pool_size=1, pool_timeout=0.05)
    await client.initialize()
    try:
        first = asyncio.create_task(client.do_request(url + "getMe", "POST"))
        await stand_in.arrived.wait()  # the only connection is taken
        with pytest.raises(TimedOut):
            await client.do_request(url + "getMe", "POST")
        stand_in.release.set()
        assert (await first)[0] == 200
        assert len(stand_in.calls) == 1
    finally:
        await client.shutdown()


async def test_it_must_be_initialized_and_can_be_again_after_shutdown(
    api: tuple[Api, str],
) -> None:
    _, url = api
    client = AiohttpRequest()
    with pytest.raises(RuntimeError):
        await client.do_request(url + "getMe", "POST")
    await client.initialize()
    await client.shutdown()
    await client.shutdown()  # twice is harmless
    with pytest.raises(RuntimeError):
        await client.do_request(url + "getMe", "POST")
    await client.initialize()
    try:
        assert (await client.do_request(url + "getMe", "POST"))[0] == 200
    finally:
        await client.shutdown()


@pytest.fixture
async def retrying_request(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RetryingRequest]:
    monkeypatch.setattr(retrying, "BACKOFF", 0)
    client = RetryingRequest(attempts=3, read_timeout=30)
    await client.initialize()
    yield client
    await client.shutdown()


async def test_a_5xx_is_sent_again_until_it_succeeds(
    api: tuple[Api, str], retrying_request: RetryingRequest
) -> None:
    stand_in, url = api
    stand_in.statuses = [502, 500]
    code, _ = await retrying_request.do_request(url + "sendMessage", "POST", data(text="答复"))
    assert code == 200 and [c["fields"] for c in stand_in.calls] == [{"text": "答复"}] * 3


async def test_the_last_5xx_is_returned_and_a_4xx_is_not_retried(
    api: tuple[Api, str], retrying_request: RetryingRequest
) -> None:
    stand_in, url = api
    stand_in.statuses = [503, 503, 503]
    assert (await retrying_request.do_request(url + "getMe", "POST"))[0] == 503
    assert len(stand_in.calls) == 3
    stand_in.statuses = [403]
    assert (await retrying_request.do_request(url + "getMe", "POST"))[0] == 403
    assert len(stand_in.calls) == 4


async def test_a_timeout_is_sent_again_and_the_last_one_raised(
    api: tuple[Api, str], retrying_request: RetryingRequest
) -> None:
    stand_in, url = api
    stand_in.hang = 1
    code, _ = await retrying_request.do_request(url + "getMe", "POST", read_timeout=0.05)
    assert code == 200 and len(stand_in.calls) == 2
    stand_in.hang = 3
    stand_in.release = asyncio.Event()
    with pytest.raises(TimedOut):
        await retrying_request.do_request(url + "getMe", "POST", read_timeout=0.05)
    assert len(stand_in.calls) == 5


async def test_a_refused_connection_is_tried_attempts_times(
    retrying_request: RetryingRequest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger=retrying.__name__)
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        with pytest.raises(NetworkError):
            await retrying_request.do_request(f"http://127.0.0.1:{port}/getMe", "POST")
    assert [r.getMessage().split(",")[0] for r in caplog.records] == ["getMe: NetworkError"] * 2


async def test_a_file_handle_is_sent_whole_again_after_a_5xx(
    api: tuple[Api, str], retrying_request: RetryingRequest
) -> None:
    """An export goes as an open temporary file (``read_file_handle=False``): a retry after a
    502 sends it again from its start, and the handle stays its owner's to close."""
    import tempfile

    stand_in, url = api
    stand_in.statuses = [502]
    content = "单位与联系人".encode() * 5000
    with tempfile.TemporaryFile() as handle:
        handle.write(content)
        handle.seek(0)
        document = InputFile(handle, filename="导出.xlsx", read_file_handle=False)
        code, _ = await retrying_request.do_request(
            url + "sendDocument", "POST", data(chat_id=7, document=document)
        )
        assert not handle.closed
    assert code == 200 and len(stand_in.calls) == 2
    for call in stand_in.calls:
        filename, _, sent = call["fields"]["document"]  # type: ignore[index]
        assert (filename, sent) == ("导出.xlsx", content)


async def test_a_backslash_in_a_file_name_is_escaped_once(
    api: tuple[Api, str], request_: AiohttpRequest
) -> None:
    stand_in, url = api
    name = "a\\b 说明书.docx"
    await request_.do_request(
        url + "sendDocument", "POST", data(chat_id=7, document=InputFile(b"x", filename=name))
    )
    filename, _, _ = stand_in.calls[0]["fields"]["document"]  # type: ignore[index]
    assert filename == name


async def test_the_proxy_named_by_the_environment_carries_every_request(
    api: tuple[Api, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in, proxy = api  # the stand-in plays the proxy: absolute URLs arrive at it
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = AiohttpRequest()
    await client.initialize()
    loop = asyncio.get_running_loop()
    hops = 0
    run_in_executor = loop.run_in_executor

    def counted(*args: object) -> object:
        nonlocal hops
        hops += 1
        return run_in_executor(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "run_in_executor", counted)
    try:
        for _ in range(3):
            code, _ = await client.do_request("http://bot-api.invalid/sendMessage", "POST",
                                              data(chat_id=7))  # fmt: skip
            assert code == 200
    finally:
        await client.shutdown()
    assert [c["path"] for c in stand_in.calls] == ["/sendMessage"] * 3
    # The environment (and .netrc) is read once for the origin, not in a thread per request.
    assert hops == 1
