"""The bare aiohttp program of the catalogue benchmark (a separate process).

    python -m tests.bench.bare_aiohttp PORT

A JSON list of 8 products of the same shape as Prilavok's catalogue page, built per request
with the standard library's json, and nothing else (no auth, no database).
"""

from __future__ import annotations

import sys

from aiohttp import web

PRODUCTS = [
    {
        "id": number,
        "title": f"Демо-товар {number}",
        "price": 45000 + number * 100,
        "currency": "RUB",
        "price_text": f"{450 + number},00 ₽",
        "stock": 10,
        "kind": "physical",
        "photo": f"/media/products/demo/{number}.thumb.jpg",
        "has_model": False,
    }
    for number in range(1, 9)
]


async def products(request: web.Request) -> web.Response:
    return web.json_response({"items": PRODUCTS, "page": 1, "pages": 1, "total": len(PRODUCTS)})


def main() -> None:
    app = web.Application()
    app.router.add_get("/api/v1/providers/{provider_id}/products", products)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
