"""A Bot API server that answers every call at once, for benchmarks (a separate process).

    python -m tests.bench.stub_bot_api PORT

`sendMessage` gets a Message back (as Telegram answers), everything else `true`, getMe the bot.
"""

from __future__ import annotations

import itertools
import sys
import time

from aiohttp import web

_ids = itertools.count(1)


async def call(request: web.Request) -> web.Response:
    method = request.match_info["method"]
    if method == "getMe":
        result: object = {
            "id": 123456789,
            "is_bot": True,
            "first_name": "Bench",
            "username": "bench_bot",
        }
    elif method in ("sendMessage", "editMessageText"):
        form = await request.post()
        result = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": int(str(form.get("chat_id", "1"))), "type": "private"},
            "text": str(form.get("text", "")),
        }
    elif method == "getMyDescription":
        result = {"description": ""}
    elif method == "getWebhookInfo":
        result = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
    else:
        await request.read()
        result = True
    return web.json_response({"ok": True, "result": result})


def main() -> None:
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", call)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
