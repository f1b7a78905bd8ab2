"""Run the 企业微信 sandbox interactively: ``python -m sandbox.wecom --callback-url URL``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from sandbox.wecom.config import WecomSandboxConfig
from sandbox.wecom.server import WecomSandbox, start


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description="企业微信 self-built app sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--callback-url", default="", help="the bot's callback URL")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start the server and run until cancelled."""
    config = WecomSandboxConfig(callback_url=args.callback_url)
    runner, url = await start(args.host, args.port, WecomSandbox(config))
    print(f"企业微信沙盒已启动：请在浏览器打开 {url}/?user=zhangsan")
    print(f"  WECOM_API_URL={url}")
    print(f"  WECOM_CORP_ID={config.corp_id}")
    print(f"  WECOM_AGENT_ID={config.agent_id}")
    print(f"  WECOM_SECRET={config.secret}")
    print(f"  WECOM_TOKEN={config.token}")
    print(f"  WECOM_AES_KEY={config.aes_key}")
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
