"""Token-bucket rate limits per API key (or client address), answered with 429 and Retry-After."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from atlas.web.problems import problem


@dataclass
class Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """`rate` tokens per minute, at most `burst` saved up; thread-safe, per process."""

    def __init__(self, rate_per_minute: int, burst: int, *, clock: Callable[[], float] = time.monotonic):
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token; 0.0 when allowed, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                if len(self._buckets) > 50_000:
                    self._buckets.clear()
                b = self._buckets[key] = Bucket(self.burst, now)
            b.tokens = min(self.burst, b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / self.rate


class RateLimitMiddleware:
    """Limits requests under `/api/` per credential (`atlas.web.auth.credential_id`) and, with a budget
    `ADDRESS_FACTOR` times larger, per client address, so made-up key ids cannot mint fresh buckets."""

    ADDRESS_FACTOR = 10

    def __init__(self, app: ASGIApp, buckets: TokenBuckets):
        self.app = app
        self.buckets = buckets
        self.addresses = TokenBuckets(int(buckets.rate * 60) * self.ADDRESS_FACTOR,
                                      int(buckets.burst) * self.ADDRESS_FACTOR, clock=buckets.clock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        from atlas.web.auth import credential_id

        request = Request(scope)
        identity = credential_id(request)
        wait = self.buckets.take(identity)
        if wait == 0 and identity.startswith("key:"):
            wait = self.addresses.take(request.client.host if request.client else "unknown")
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            response = problem(429, "rate-limited", "Too many requests",
                               f"Rate limit exceeded; retry in {seconds} s.", instance=scope["path"],
                               headers={"Retry-After": str(seconds)})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
