"""Benchmark: the Mini App's first screen and its catalogue endpoint (`make bench`).

1. Weight: Prilavok (`python -m bot run`, demo data) serves `/app`; headless Chromium opens it
   as Telegram does (signed initData in the URL hash) at a phone's size and waits for the shops
   list. Every response is counted by type with the bytes that crossed the wire (headers and
   body as sent, `Request.sizes()`): JavaScript, CSS, the page, the API's JSON, the rest. Then a
   reload counts what the browser fetches again (immutable assets come from its cache).
2. Speed: `GET /api/v1/providers/1/products` under `wrk` (64 connections, 64 people), in rounds
   alternating with the bare aiohttp program (`tests/bench/bare_aiohttp.py`).

The figures are printed, not asserted: a loaded machine moves them. Needs Debian's Chromium
with Playwright, and `wrk` for part 2 (skipped without it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from sandbox.initdata import sign_init_data
from tests.bench.bare_aiogram import TOKEN
from tests.bench.test_hot_paths import (
    CATALOGUE_SCRIPT,
    ROUNDS,
    WRK,
    auth_headers,
    bare,
    base_env,
    free_port,
    prilavok,
    process,
    report,
    run_wrk,
)
from tests.web.test_pages import BROWSER_READY, CHROMIUM, CHROMIUM_FLAGS

PHONE = {"width": 390, "height": 844}
THEME = {"bg_color": "#ffffff", "text_color": "#000000", "button_color": "#2481cc"}
SHOPS_LIST = "#screen a.storefront"
"""The first screen is interactive once the shops are listed."""
KINDS = {"script": "JavaScript", "stylesheet": "CSS", "document": "HTML", "fetch": "API JSON"}


def launch_url(base: str) -> str:
    user = {"id": 7_100_000, "first_name": "Bench", "language_code": "en"}
    init_data = sign_init_data(TOKEN, user)
    return (
        f"{base}/app?lang=en#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0"
        f"&tgWebAppPlatform=android&tgWebAppThemeParams={quote(json.dumps(THEME), safe='')}"
    )


async def first_screen(base: str) -> tuple[dict[str, list[int]], dict[str, list[int]], float]:
    """Bytes on the wire by kind for a first visit and for a reload, and the time (ms) from
    navigation start to the shops list on the first visit."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            page = await browser.new_page(viewport=PHONE)
            visits: list[dict[str, list[int]]] = []
            for _ in range(2):
                seen: list[Any] = []

                def finished(request: Any, seen: list[Any] = seen) -> None:
                    seen.append(request)

                page.on("requestfinished", finished)
                if visits:
                    await page.reload()
                else:
                    await page.goto(launch_url(base))
                await page.wait_for_selector(SHOPS_LIST, timeout=30_000)
                if not visits:
                    shown = await page.evaluate("performance.now()")  # since navigation start
                await page.wait_for_load_state("networkidle")
                page.remove_listener("requestfinished", finished)
                totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
                for request in seen:
                    sizes = await request.sizes()
                    kind = KINDS.get(request.resource_type, "other")
                    totals[kind][0] += 1
                    totals[kind][1] += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                visits.append(dict(totals))
            return visits[0], visits[1], float(shown)
        finally:
            await browser.close()


def weight_report(first: dict[str, list[int]], again: dict[str, list[int]], shown: float) -> str:
    lines = ["Mini App first screen (bytes on the wire: requests, KiB):"]
    for kind in ("JavaScript", "CSS", "HTML", "API JSON", "other"):
        count, size = first.get(kind, [0, 0])
        count_again, size_again = again.get(kind, [0, 0])
        lines.append(
            f"  {kind:<10} first visit {count:3d} req {size / 1024:8.1f} KiB"
            f" | reload {count_again:3d} req {size_again / 1024:8.1f} KiB"
        )
    code = sum(first.get(kind, [0, 0])[1] for kind in ("JavaScript", "CSS"))
    lines.append(f"  JavaScript + CSS on the first visit: {code / 1024:.1f} KiB")
    lines.append(f"  shops list shown {shown:.0f} ms after navigation (local, no throttling)")
    return "\n".join(lines)


@pytest.mark.skipif(not BROWSER_READY, reason="needs /usr/bin/chromium and playwright")
async def test_mini_app_weight_and_catalogue_speed(tmp_path: Path) -> None:
    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}"
    results = []
    with process(
        "-m", "tests.bench.stub_bot_api", str(api_port), env=base_env(tmp_path), cwd=tmp_path
    ):
        async with prilavok(tmp_path, f"sqlite://{tmp_path}/bench.sqlite3", api) as product:
            results.append(weight_report(*await first_screen(product)))
            if WRK is None:
                results.append("catalogue: skipped, wrk is not installed (apt-get install wrk)")
            else:
                async with bare(tmp_path, "tests.bench.bare_aiohttp") as web:
                    script = CATALOGUE_SCRIPT.replace("HEADERS", auth_headers())
                    bare_runs, product_runs = [], []
                    for _ in range(ROUNDS):
                        bare_runs.append(run_wrk(web, script, tmp_path))
                        product_runs.append(run_wrk(product, script, tmp_path))
                    results.append(
                        report(
                            "GET /api/v1/providers/1/products beside bare aiohttp (SQLite)",
                            bare_runs,
                            product_runs,
                        )
                    )
    print("\n" + "\n\n".join(results))
