"""The engagement part of /api/v1: the loyalty card with its points and history.

Its endpoints join the shop API's document (`shop_api.setup` registers this table too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from services import loyalty
from webapp.routes.shop_api_kit import Call, RouteTable
from webapp.routes.shop_api_models import ResponseBody

routes = RouteTable()


class PointsMove(ResponseBody):
    """One change of the person's points."""

    at: datetime
    points: int = Field(
        description="Positive: earned or given back; negative: spent, expired or taken back."
    )
    kind: Literal["earned", "spent", "returned", "expired", "taken_back"]
    order_id: int | None


class Loyalty(ResponseBody):
    """The person's member card: its id (the QR code shows it), points and latest moves."""

    member_id: str = Field(description="10 digits; the chat's /card shows it as a QR code.")
    points: int = Field(description="1 point = 1 rouble.")
    next_expiry: datetime | None = Field(description="When the points earned first expire.")
    expiring: int = Field(description="How many points expire then.")
    history: list[PointsMove] = Field(description="Newest first, at most 20.")


@routes.endpoint("GET", "/loyalty", tag="loyalty")
async def get_loyalty(call: Call) -> Loyalty:
    """The caller's member card (issued on first use), points and their latest moves."""
    summary = await loyalty.summary(call.user)
    return Loyalty(
        member_id=summary.member_id,
        points=summary.points,
        next_expiry=summary.next_expiry,
        expiring=summary.expiring,
        history=[
            PointsMove(at=move.at, points=move.points, kind=move.kind, order_id=move.order_id)
            for move in summary.history
        ],
    )
