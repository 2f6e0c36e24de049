"""Schemathesis against the live /api/v1: generated requests for every documented operation,
checked with every check it has (status codes, schemas, headers, 405s with `Allow`, auth,
valid data accepted and invalid data refused).

The app serves the demo shop and tutor on a real socket; Schemathesis (its CLI, in a child
process, so the server keeps answering in this event loop) signs in with valid initData. The
seed and the number of examples are fixed: a run is repeatable and takes about a minute.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from db.models import Provider, ProviderKind, User
from services.demo import load_demo_data
from tests.web.conftest import TG_USER, MakeWeb, Web, sign_init_data, tma

SEED = 20261206
MAX_EXAMPLES = 15
"""Per operation and phase: about 800 requests, some 20 s of Schemathesis."""
OUTPUT_TAIL = 20_000
CONFIG = Path(__file__).with_name("schemathesis.toml")


async def run_the_demo_shop(web: Web, init_data: str) -> None:
    """The signed-in person owns the demo shop: seller mode's operations answer (not only 403)."""
    signed_in = await web.client.get("/api/v1/me", headers=tma(init_data))
    assert signed_in.status == 200
    user = await User.get(tg_id=TG_USER["id"])
    await Provider.filter(kind=ProviderKind.shop).update(owner_id=user.id)


async def test_the_api_answers_as_its_openapi_document_says(make_web: MakeWeb) -> None:
    web = await make_web()
    await load_demo_data(web.settings.data_path)
    schema_url = str(web.client.make_url("/api/v1/openapi.json"))
    init_data = sign_init_data(web.settings.token)
    await run_the_demo_shop(web, init_data)

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "schemathesis.cli",
        f"--config-file={CONFIG}",
        "run",
        schema_url,
        "--checks=all",
        f"--seed={SEED}",
        f"--max-examples={MAX_EXAMPLES}",
        "--workers=1",
        "--no-shrink",
        # Generation speed depends on the machine's load, not on the API.
        "--suppress-health-check=too_slow",
        "--header",
        f"Authorization: tma {init_data}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"},
    )
    output, _ = await process.communicate()

    report = output.decode(errors="replace")
    assert process.returncode == 0, report[-OUTPUT_TAIL:]
