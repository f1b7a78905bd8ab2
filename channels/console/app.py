"""The web console as an aiohttp application, mounted under ``/console``.

``ConsoleSite`` is created before the bot (the sandbox mounts its app at start) and bound
to the bot's database, contest and clock once the bot is built (``bind``). Until then every
page says the console is starting.

Login: ``GET /login?token=…`` shows a button, ``POST /login`` spends the one-time token
(so a link preview fetching the URL cannot use it up) and sets the session cookie
(HttpOnly, SameSite=Lax, Secure under https, path /console). Every page re-checks the
session and the organizer right; every POST also checks the session's CSRF token.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from config.services import Services
from contest.definition import Contest
from handlers import console as use
from handlers import exports
from handlers.console import CaseFilter, Signed
from messages.pages import render_page

log = logging.getLogger(__name__)

COOKIE = "console_session"
STATIC = Path(__file__).with_name("static")
SITE: web.AppKey[ConsoleSite] = web.AppKey("console_site")
SIGNED: web.RequestKey[Signed] = web.RequestKey("console_signed", Signed)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ConsoleBackend:
    """What the console needs from the running bot."""

    services: Services
    idle: timedelta
    secure_cookies: bool
    base_path: str = "/console"

    @property
    def contest(self) -> Contest:
        """Return the contest the bot runs."""
        return self.services.contest

    def clock(self) -> datetime:
        """Return the bot's current time (the sandbox's clock in the sandbox)."""
        return self.services.clock.now()


class ConsoleSite:
    """The console's link to the bot, set once the bot is built."""

    def __init__(self) -> None:
        self.backend: ConsoleBackend | None = None

    def bind(self, backend: ConsoleBackend) -> None:
        """Connect the console to the bot's database, contest and clock."""
        self.backend = backend


def _backend(request: web.Request) -> ConsoleBackend:
    backend = request.app[SITE].backend
    if backend is None:
        raise web.HTTPServiceUnavailable(
            text=render_page("message.j2", code="starting", base="/console", signed=None),
            content_type="text/html",
        )  # fmt: skip
    return backend


def _page(request: web.Request, name: str, *, status: int = 200, **values: object) -> web.Response:
    backend = _backend(request)
    signed = request.get(SIGNED)
    html = render_page(
        name, base=backend.base_path, signed=signed, contest=backend.contest,
        now=backend.clock(), **values,
    )  # fmt: skip
    return web.Response(text=html, status=status, content_type="text/html")


def _message(request: web.Request, code: str, status: int) -> web.Response:
    return _page(request, "message.j2", status=status, code=code)


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _session_required(handler: Handler, *, judges: bool) -> Handler:
    """Let a request through only with a live session (and CSRF on POST); ``judges`` admits
    judges' sessions beside organizers'."""

    async def checked(request: web.Request) -> web.StreamResponse:
        backend = _backend(request)
        signed = await use.check_session(
            sessions=backend.services.sessions, secret=request.cookies.get(COOKIE, ""),
            configured=backend.services.is_configured_organizer, idle=backend.idle,
            now=backend.clock(), judges=judges,
        )  # fmt: skip
        if signed is None:
            return _page(request, "login_needed.j2", status=401)
        request[SIGNED] = signed
        if request.method == "POST":
            form = await request.post()
            if not signed.csrf_matches(str(form.get("csrf", ""))):
                return _message(request, "csrf", 403)
        return await handler(request)

    return checked


def signed_in(handler: Handler) -> Handler:
    """Let a request through only with a live session of a current organizer (and CSRF on POST)."""
    return _session_required(handler, judges=False)


def judge_signed_in(handler: Handler) -> Handler:
    """Let a request through with a live session of an organizer or a judge (评委)."""
    return _session_required(handler, judges=True)


def _int(request: web.Request, name: str, default: int = 1) -> int:
    value = request.query.get(name, "")
    return int(value) if value.isdigit() and len(value) < 9 else default


# ------------------------------------------------------------------------------ login


async def login_form(request: web.Request) -> web.Response:
    """Show the button that spends the one-time token (a GET never spends it)."""
    token = request.query.get("token", "")[:100]
    return _page(request, "login.j2", token=token)


async def login(request: web.Request) -> web.StreamResponse:
    """Spend the one-time token and open a session."""
    backend = _backend(request)
    form = await request.post()
    result = await use.redeem_login(
        sessions=backend.services.sessions, token=str(form.get("token", ""))[:100],
        configured=backend.services.is_configured_organizer, now=backend.clock(),
    )  # fmt: skip
    if result.refusal is not None:
        return _message(request, f"login_{result.refusal.value}", 403)
    home = f"{backend.base_path}/judge" if result.judge_only else f"{backend.base_path}/"
    response = web.Response(status=303, headers={"Location": home})
    response.set_cookie(
        COOKIE, result.session_secret, path=backend.base_path, httponly=True,
        samesite="Lax", secure=backend.secure_cookies,
    )  # fmt: skip
    return response


@signed_in
async def logout(request: web.Request) -> web.StreamResponse:
    """End the session and forget the cookie."""
    backend = _backend(request)
    await use.log_out(
        sessions=backend.services.sessions, secret=request.cookies.get(COOKIE, ""),
        now=backend.clock(),
    )  # fmt: skip
    response = _message(request, "logged_out", 200)
    response.del_cookie(COOKIE, path=backend.base_path)
    return response


# ------------------------------------------------------------------------------ pages


@signed_in
async def overview_page(request: web.Request) -> web.Response:
    """总览."""
    backend = _backend(request)
    view = await use.overview(
        sessions=backend.services.sessions, contest=backend.contest, now=backend.clock()
    )
    return _page(request, "overview.j2", view=view)


@signed_in
async def chart(request: web.Request) -> web.Response:
    """The cases-per-day chart as PNG."""
    backend = _backend(request)
    stats = await exports.case_stats(
        sessions=backend.services.sessions,
        contest=backend.contest,
        now=backend.clock(),
    )
    return web.Response(body=stats.chart, content_type="image/png")


@signed_in
async def units_page(request: web.Request) -> web.Response:
    """单位: the table with search and the submitting-body filter."""
    backend = _backend(request)
    table = await use.unit_table(
        sessions=backend.services.sessions, contest=backend.contest,
        search=request.query.get("q", ""), submitter=request.query.get("submitter", ""),
        page=_int(request, "page"),
    )  # fmt: skip
    return _page(request, "units.j2", table=table)


@signed_in
async def unit_page(request: web.Request) -> web.Response:
    """One unit with its contacts and cases."""
    backend = _backend(request)
    unit_id = request.match_info["unit_id"]
    view = await use.unit_view(
        sessions=backend.services.sessions, contest=backend.contest,
        unit_id=int(unit_id), now=backend.clock(),
    )  # fmt: skip
    if view is None:
        return _message(request, "no_unit", 404)
    return _page(request, "unit.j2", view=view)


@signed_in
async def cases_page(request: web.Request) -> web.Response:
    """案例: the table with filters and sorting."""
    backend = _backend(request)
    q = request.query
    where = use.case_filter(
        category=q.get("category", ""), status=q.get("status", ""), search=q.get("q", ""),
        sort=q.get("sort", ""), unit=q.get("unit", ""),
    )  # fmt: skip
    table = await use.case_table(
        sessions=backend.services.sessions, contest=backend.contest,
        where=where, page=_int(request, "page"), now=backend.clock(),
    )  # fmt: skip
    return _page(request, "cases.j2", table=table, query=_query(where))


def _query(where: CaseFilter) -> str:
    pairs = [
        ("category", where.category),
        ("status", where.status),
        ("q", where.search),
        ("sort", where.sort),
        ("unit", "" if where.unit_id is None else str(where.unit_id)),
    ]
    return "&".join(f"{k}={quote(v)}" for k, v in pairs if v)  # fmt: skip


@signed_in
async def case_page(request: web.Request) -> web.Response:
    """One case: the 说明书 in the official layout, 依据, team, revisions."""
    backend = _backend(request)
    view = await use.case_view(
        sessions=backend.services.sessions, contest=backend.contest,
        case_id=int(request.match_info["case_id"]), now=backend.clock(),
    )  # fmt: skip
    if view is None:
        return _message(request, "no_case", 404)
    return _page(request, "case.j2", view=view)


def _download(file: exports.ExportFile) -> web.Response:
    # A big export is a temporary file: aiohttp streams it and closes it when sent.
    response = web.Response(body=file.data, content_type=file.mime)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file.name)}"
    return response


@signed_in
async def case_docx(request: web.Request) -> web.StreamResponse:
    """One case's 说明书 as .docx."""
    backend = _backend(request)
    signed: Signed = request[SIGNED]
    file = await exports.case_document(
        sessions=backend.services.sessions, contest=backend.contest,
        case_id=int(request.match_info["case_id"]), now=backend.clock(), who=signed.person_id,
        template=backend.services.case_template,
    )  # fmt: skip
    if file is None:
        return _message(request, "no_case", 404)
    return _download(file)


@signed_in
async def notices_page(request: web.Request) -> web.Response:
    """通知: notices with reach per unit, the reminders due next."""
    backend = _backend(request)
    view = await use.notices(
        sessions=backend.services.sessions, contest=backend.contest,
        page=_int(request, "page"), now=backend.clock(),
    )  # fmt: skip
    return _page(request, "notices.j2", view=view)


@signed_in
async def exports_page(request: web.Request) -> web.Response:
    """导出: the files there are."""
    backend = _backend(request)
    choices = await use.export_choices(sessions=backend.services.sessions, contest=backend.contest)
    return _page(request, "exports.j2", choices=choices)


@signed_in
async def export_file(request: web.Request) -> web.StreamResponse:
    """Build and send one export."""
    backend = _backend(request)
    signed: Signed = request[SIGNED]
    kind = request.match_info["kind"]
    values = {
        "sessions": backend.services.sessions, "contest": backend.contest, "now": backend.clock(),
        "who": signed.person_id,
    }  # fmt: skip
    template = backend.services.case_template
    file: exports.ExportFile | None
    if kind == "units.xlsx":
        file = await exports.export_units(**values)
    elif kind == "cases.xlsx":
        file = await exports.export_cases(**values)
    elif kind == "documents.zip":
        file = await exports.export_documents(template=template, **values)
    elif kind.startswith("stage-") and kind.endswith(".zip"):
        file = await exports.export_stage_documents(
            stage_key=kind[6:-4], template=template, **values
        )
    else:
        file = None
    if file is None:
        return _message(request, "no_export", 404)
    return _download(file)


@signed_in
async def audit_page(request: web.Request) -> web.Response:
    """操作记录."""
    backend = _backend(request)
    view = await use.audit_log(sessions=backend.services.sessions, page=_int(request, "page"))
    return _page(request, "audit.j2", view=view)


def create_console_app(site: ConsoleSite) -> web.Application:
    """Build the console's aiohttp app (routes relative to where it is mounted)."""
    app = web.Application(middlewares=[_headers])
    app[SITE] = site
    app.router.add_get("/", overview_page)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/chart.png", chart)
    app.router.add_get("/units", units_page)
    app.router.add_get(r"/units/{unit_id:\d{1,9}}", unit_page)
    app.router.add_get("/cases", cases_page)
    app.router.add_get(r"/cases/{case_id:\d{1,9}}", case_page)
    app.router.add_get(r"/cases/{case_id:\d{1,9}}/docx", case_docx)
    app.router.add_get("/notices", notices_page)
    app.router.add_get("/exports", exports_page)
    app.router.add_get(r"/exports/{kind}", export_file)
    app.router.add_get("/audit", audit_page)
    judging_routes(app)
    app.router.add_static("/static/", STATIC, show_index=False)
    return app


def mount(root: web.Application, site: ConsoleSite, path: str = "/console") -> None:
    """Mount the console on another aiohttp app (the sandbox's or the webhook server's)."""
    root.add_subapp(path, create_console_app(site))


from channels.console.judging import judging_routes  # noqa: E402  (its pages use the above)
