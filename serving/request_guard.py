"""ASGI middleware in front of the serving app: request size limit, per-client rate limit, bearer-token auth.

Order matters: a client over its rate gets 429 before its token is even looked at, so tokens cannot be
guessed faster than the rate allows; the body is read (at most the limit) only for requests that pass both.
"""

from __future__ import annotations

import hmac
import json
import math
from collections.abc import Callable

from longloop.serving.rate_limiter import TokenBucketLimiter

OPEN_PATHS = frozenset({"/health", "/ready"})  # liveness and readiness probes need no token and no budget


async def send_error(send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    def __init__(
        self,
        app,
        max_request_bytes: int,
        limiter: TokenBucketLimiter | None,
        auth_token: str | None,
        on_reject: Callable[[int], None] = lambda status: None,
    ):
        if auth_token is not None and not auth_token.strip():
            raise ValueError("the serving auth token is empty")
        self.app, self.max_bytes, self.limiter = app, max_request_bytes, limiter
        self._token = auth_token.encode() if auth_token is not None else None
        self.on_reject = on_reject

    async def _reject(self, send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.on_reject(status)
        await send_error(send, status, message, headers)

    def _authorized(self, headers: dict[bytes, bytes]) -> bool:
        if self._token is None:  # __call__ checks the header only when a token is configured
            raise RuntimeError("no serving auth token is configured to check the request against")
        scheme, _, given = headers.get(b"authorization", b"").partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self._token)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if self.limiter is not None:
            client = (scope.get("client") or ("unknown", 0))[0]
            allowed, wait = self.limiter.allow(client)
            if not allowed:
                return await self._reject(
                    send, 429, "too many requests from this client", {"retry-after": str(max(1, math.ceil(wait)))}
                )
        if self._token is not None and not self._authorized(headers):
            return await self._reject(send, 401, "missing or wrong bearer token", {"www-authenticate": "Bearer"})

        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await self._reject(send, 413, f"request body over the limit of {self.max_bytes} bytes")
        # Read the body here, at most the limit, so that a chunked upload without a length is bounded too.
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                return await self._reject(send, 413, f"request body over the limit of {self.max_bytes} bytes")
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)
