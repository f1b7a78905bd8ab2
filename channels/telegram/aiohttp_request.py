"""The Bot API over aiohttp: PTB's ``BaseRequest`` on an ``aiohttp.ClientSession``.

PTB's own :class:`~telegram.request.HTTPXRequest` costs ≈0.66 ms of CPU per POST on loopback
(server included) against aiohttp's ≈0.17 ms, and py-spy put ≈30 % of the bot's main thread in
httpx's send path under load. aiohttp is already the sandbox's and 企业微信's client, so this
adds no dependency.

The contract is :meth:`telegram.request.BaseRequest.do_request`'s: the parameters go as one
JSON body (which the Bot API takes for every method; PTB's httpx sends an urlencoded form of
JSON-encoded values, ≈7× the CPU to encode and, for Chinese text, twice the bytes), or as
``multipart/form-data`` with the files (documents, photos); the answer is
the status code and the body's bytes, whatever the status; a timeout raises
:class:`~telegram.error.TimedOut` and any other transport failure
:class:`~telegram.error.NetworkError`. ``initialize`` opens the session (in the running loop, as
aiohttp wants), ``shutdown`` closes it, and ``initialize`` after ``shutdown`` opens a new one.

Timeouts: ``pool_timeout`` bounds the wait for one of the ``connection_pool_size`` slots (a
semaphore: aiohttp's own pool wait shares its timeout with the connect), and its expiry is a
:class:`~telegram.error.TimedOut` whose request was not sent; ``connect_timeout`` bounds the
connect (``connect``, ``sock_connect``), ``read_timeout`` the longest silence while reading
(``sock_read``), and since aiohttp has no write timeout, ``connect + write + read`` bounds the
whole request (``total``), so a stalled upload still ends. ``None`` means no limit, as in PTB.

Proxies: ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` (and a proxy's password in ``.netrc``), as
aiohttp's ``trust_env`` reads them, looked up once per origin (the Bot API is one) rather than
at every request: with ``trust_env`` aiohttp read the environment and ``.netrc`` in a worker
thread twice per request, ≈10 % of the bot's CPU under load in thread hops and file reads.
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import IO, Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

_JSON = {"Content-Type": "application/json"}


def _filename(name: str) -> str:
    """Escape a multipart file name as httpx and browsers do (HTML5), keeping UTF-8 as it is.

    aiohttp's default percent-quotes the whole name (``%E6%A1%88…``), which Telegram would show
    as such; unquoted, a ``"`` or a line break would end the header.
    """
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class _Lent(io.RawIOBase):
    """A file handle lent to one attempt: aiohttp closes what it has sent, the handle stays
    open for the next attempt (a retry after a 5xx), which sends it again from its start."""

    def __init__(self, handle: IO[bytes]) -> None:
        super().__init__()
        handle.seek(0)
        self._handle = handle

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._handle.read(-1 if size is None else size)

    def tell(self) -> int:
        return self._handle.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def fileno(self) -> int:  # aiohttp sizes the part from it: a Content-Length, not chunks
        return self._handle.fileno()

    def close(self) -> None:
        """Leave the handle open: its owner closes it."""


def _part(content: bytes | IO[bytes]) -> bytes | _Lent:
    return content if isinstance(content, bytes | bytearray) else _Lent(content)


Proxy = tuple[URL | None, aiohttp.BasicAuth | None]


def _env_proxy(url: URL) -> Proxy:
    """Return the proxy the environment names for ``url`` (and its login), or none."""
    try:
        return get_env_proxy_for_url(url)
    except LookupError:  # none named, or NO_PROXY exempts the host
        return None, None


def _sum(*timeouts: float | None) -> float | None:
    """Add timeouts; ``None`` (no limit) if any of them is."""
    return None if any(t is None for t in timeouts) else sum(t for t in timeouts if t is not None)


class AiohttpRequest(BaseRequest):
    """A :class:`~telegram.request.BaseRequest` on aiohttp, with HTTPXRequest's arguments."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(connection_pool_size)
        self._proxies: dict[URL, Proxy] = {}  # origin -> its proxy, read at its first request

    @property
    def read_timeout(self) -> float | None:
        """See :attr:`BaseRequest.read_timeout` (PTB adds it to getUpdates' long-poll wait)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session and its connection pool, unless open already."""
        if self._session is None or self._session.closed:
            self._slots = asyncio.Semaphore(self._pool_size)
            self._proxies = {}  # the environment is read again after a restart
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None),
                headers={"User-Agent": self.USER_AGENT},
                skip_auto_headers=("Accept-Encoding",),  # the Bot API's answers are small
            )

    async def shutdown(self) -> None:
        """Close the session; closing it twice is harmless."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`BaseRequest.do_request`: send, and return the status and the body."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        else:
            write = write_timeout
        timeout = aiohttp.ClientTimeout(
            # No overall cap on a file: an upload or a download takes as long as its size needs
            # (httpx's limits are per read and write too); connecting and each read are bounded.
            total=None if files or method == "GET" else _sum(connect, write, read),
            connect=connect,
            sock_connect=connect,
            sock_read=read,
        )
        data: Any = None
        headers = None
        if request_data is not None and files:
            form = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                form.add_field(
                    name, _part(content), filename=_filename(filename), content_type=mimetype
                )
            data = form
        elif request_data is not None and request_data.parameters:
            # ASCII escapes: a lone surrogate in a text is Telegram's to refuse, not a crash here
            data = json.dumps(request_data.parameters, separators=(",", ":")).encode()
            headers = _JSON
        target = URL(url)
        proxy = self._proxies.get(target.origin())
        if proxy is None:  # the environment's files are read in a thread, once per origin
            proxy = self._proxies[target.origin()] = await asyncio.to_thread(_env_proxy, target)
        if self._slots.locked():  # else the slot is taken at once, no timer needed
            try:
                async with asyncio.timeout(pool):
                    await self._slots.acquire()
            except TimeoutError as error:
                raise TimedOut(
                    "Pool timeout: all connections in the pool are taken; the request was not sent"
                ) from error
        else:
            await self._slots.acquire()
        try:
            async with session.request(
                method, target, data=data, headers=headers, timeout=timeout,
                proxy=proxy[0], proxy_auth=proxy[1],
            ) as response:  # fmt: skip
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut(f"aiohttp: {type(error).__name__}") from error
        except (aiohttp.ClientError, OSError) as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        finally:
            self._slots.release()
