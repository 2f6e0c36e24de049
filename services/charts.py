"""Chart images for the figures screens: bars with a line on a second axis, as a PNG.

Drawn with matplotlib's object API (no pyplot: no global figure state shared between threads)
and always in a thread, off the event loop."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence


def _draw(
    ticks: Sequence[str],
    bars: Sequence[float],
    line: Sequence[float],
    title: str,
    bars_label: str,
    line_label: str,
) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=100)
    axis = figure.subplots()
    axis.bar(ticks, bars, color="#4a90d9")
    axis.set_ylabel(bars_label)
    axis.tick_params(axis="x", rotation=60 if len(ticks) > 10 else 0, labelsize=8)
    line_axis = axis.twinx()
    line_axis.plot(ticks, line, color="#e08a1e", marker="o")
    line_axis.set_ylabel(line_label)
    line_axis.set_ylim(bottom=0)
    axis.set_title(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def bars_and_line_png(
    ticks: Sequence[str],
    bars: Sequence[float],
    line: Sequence[float],
    *,
    title: str,
    bars_label: str,
    line_label: str,
) -> bytes:
    """Bars (left axis) and a line (right axis, from 0) over the same ticks, as a PNG."""
    return await asyncio.to_thread(_draw, ticks, bars, line, title, bars_label, line_label)
