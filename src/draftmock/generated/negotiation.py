"""Content negotiation: the documented media type a request's ``Accept`` prefers.

Each documented media type takes the quality of the most specific range of ``Accept`` that
admits it (``application/json`` before ``application/*`` before ``*/*``, RFC 9110 §12.5.1); the
one of highest quality is answered, ties going to the server's own order (JSON first). A request
whose ``Accept`` admits none of them is not acceptable (406).
"""

from __future__ import annotations

from collections.abc import Sequence


def accepted_ranges(accept: str) -> list[tuple[str, str, float]]:
    """``Accept`` as (type, subtype, quality); an unreadable quality counts as 1."""
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        main, _, sub = media.lower().partition("/")
        if not main or not sub:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 1.0
        ranges.append((main, sub, quality))
    return ranges


def quality(media_type: str, ranges: Sequence[tuple[str, str, float]]) -> float:
    """How much the client wants ``media_type`` (a documented type, possibly a wildcard)."""
    main, _, sub = media_type.split(";")[0].strip().lower().partition("/")
    best: tuple[int, float] | None = None  # (specificity, quality)
    for range_main, range_sub, q in ranges:
        if main == "*" or range_main == "*":
            specificity = 0 if range_main == "*" else 1
        elif range_main != main:
            continue
        elif sub == "*" or range_sub == "*":
            specificity = 1 if range_sub == "*" else 2
        elif range_sub != sub:
            continue
        else:
            specificity = 2
        if best is None or specificity > best[0]:
            best = (specificity, q)
    return best[1] if best is not None else 0.0


def negotiate(documented: Sequence[str], accept: str | None) -> str | None:
    """The documented media type to answer with, given in the server's order of preference;
    None when ``Accept`` admits none. No (or an unreadable) ``Accept`` takes the first."""
    if not documented:
        return None
    ranges = accepted_ranges(accept) if accept else []
    if not ranges:
        return documented[0]
    scored = [(quality(media, ranges), -index, media) for index, media in enumerate(documented)]
    best = max(scored)
    return best[2] if best[0] > 0 else None
