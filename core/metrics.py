"""Prometheus metrics of one process, in a registry of its own (tests build many)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Down to a millisecond: a cached catalogue page answers in about that."""


@dataclass
class Metrics:
    """Counters and histograms exposed at /metrics."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.updates = Counter(
            "prilavok_updates_total", "Telegram updates received", ["type"], registry=self.registry
        )
        self.duplicate_updates = Counter(
            "prilavok_duplicate_updates_total",
            "Telegram updates dropped as repeats",
            registry=self.registry,
        )
        self.handler_latency = Histogram(
            "prilavok_update_handling_seconds",
            "Time to handle one update",
            ["type"],
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "prilavok_handler_seconds",
            "Time in one chat handler (filters passed), by handler",
            ["handler"],
            registry=self.registry,
        )
        self.handler_errors = Counter(
            "prilavok_update_errors_total",
            "Updates whose handler raised",
            ["type"],
            registry=self.registry,
        )
        self.bot_api_calls = Counter(
            "prilavok_bot_api_calls_total", "Bot API calls", ["method"], registry=self.registry
        )
        self.bot_api_errors = Counter(
            "prilavok_bot_api_errors_total",
            "Bot API calls that failed",
            ["method", "error"],
            registry=self.registry,
        )
        self.http_requests = Counter(
            "prilavok_http_requests_total",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "prilavok_http_request_seconds",
            "HTTP request latency by route template and status",
            ["method", "route", "status"],
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )
        self._request_series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def observe_request(self, method: str, route: str, status: str, seconds: float) -> None:
        """Count and time one HTTP request. The labelled series are looked up once per
        (method, route template, status): `labels()` takes a lock and builds a key on every
        call, a cost the hottest route would otherwise pay per request."""
        key = (method, route, status)
        series = self._request_series.get(key)
        if series is None:
            series = (self.http_requests.labels(*key), self.http_latency.labels(*key))
            self._request_series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def render(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)
