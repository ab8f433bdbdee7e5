"""Command line: ``python -m sandbox [--port N]`` serves, ``… accounts`` prints logins."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date

from aiohttp import web

from .app import DEFAULT_PORT, HOST, Sandbox, create_app


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="School Portal sandbox (local portals)."
    )
    parser.add_argument(
        "command", nargs="?", choices=("serve", "accounts"), default="serve"
    )
    parser.add_argument("--host", default=HOST, help=f"address to bind ({HOST} only)")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("SANDBOX_PORT", DEFAULT_PORT))
    )
    parser.add_argument("--today", type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=7)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.host != HOST:
        print(f"The sandbox binds {HOST} only.", file=sys.stderr)
        return 2
    sandbox = Sandbox(today=args.today, seed=args.seed)
    base_url = f"http://{args.host}:{args.port}"
    if args.command == "accounts":
        print(json.dumps(sandbox.accounts(base_url), ensure_ascii=False, indent=2))
        return 0
    print(
        f"School Portal sandbox on {base_url} (accounts: {base_url}/_sandbox/accounts)"
    )
    web.run_app(create_app(sandbox), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
