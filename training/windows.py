"""Sliding windows over documents longer than the model's context: nothing is silently truncated."""

from __future__ import annotations


def window_spans(n_tokens: int, body: int, stride: int) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` covering every token; ``body`` is the window size without special tokens."""
    if n_tokens <= body:
        return [(0, n_tokens)]
    # The last window is pulled back to end at the document's end, so every window is full length
    # and long documents add no padding.
    spans, start = [], 0
    while start + body < n_tokens:
        spans.append((start, start + body))
        start += stride
    spans.append((n_tokens - body, n_tokens))
    return spans


def document_windows(ids: list[int], context: int, stride: int, cls_id: int, sep_id: int) -> list[list[int]]:
    body = context - 2
    step = min(stride, body)
    return [[cls_id, *ids[s:e], sep_id] for s, e in window_spans(len(ids), body, step)]
