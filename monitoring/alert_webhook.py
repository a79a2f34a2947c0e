"""Drift alerts to a webhook: one JSON POST per drifting window, never a reason for the drift job to fail."""

from __future__ import annotations

import httpx


def post_alert(url: str, alert: dict, timeout: float = 10.0) -> tuple[bool, str]:
    """POST ``alert`` to ``url``; ``(delivered, detail)``. A receiver that is down or refuses is reported back,
    not raised: the drift verdict is already recorded, and the alert log line stands either way."""
    try:
        response = httpx.post(url, json=alert, timeout=timeout)
    except httpx.HTTPError as exc:
        return False, f"{type(exc).__name__}: {exc}"
    if response.is_success:
        return True, f"HTTP {response.status_code}"
    return False, f"HTTP {response.status_code}"
