"""Run the sandbox interactively: ``python -m sandbox --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from sandbox.config import DEFAULT_TOKEN, SandboxConfig
from sandbox.server import start


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description="Telegram Bot API sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--username", default="contest_sandbox_bot")
    parser.add_argument("--no-rate-limit", action="store_true", help="disable flood limits")
    parser.add_argument("--users", default="", help="comma-separated user ids to pre-register")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start the server and run until cancelled."""
    config = SandboxConfig(
        token=args.token,
        bot_username=args.username,
        known_users=tuple(int(u) for u in args.users.split(",") if u.strip()),
    )
    if args.no_rate_limit:
        config.global_rate = None
        config.per_chat_rate = None
    runner, url = await start(args.host, args.port, config)
    print(f"Bot API sandbox at {url}")
    print(f"  web chat:      {url}/?user=10001")
    print(f"  token:         {config.token}")
    print(f"  base_url:      {url}/bot")
    print(f"  base_file_url: {url}/file/bot")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
