"""Realistic values: what a string of a given ``format``, or a field of a given name, looks like.

Everything is drawn from the random source handed in, so a seeded run repeats itself. A value
from here is a suggestion: the generator still fits it to the schema's own constraints and
falls back to a plain value when it does not validate.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from draftmock.ids import Rng

# Generated instants fall within 2026, so values look current and stay comparable.
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_YEAR_SECONDS = 365 * 86400

FIRST_NAMES = ["Ada", "Grace", "Alan", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Ritchie", "Liskov"]
WORDS = [
    "alpha", "amber", "harbor", "meadow", "summit", "cedar", "falcon", "lantern", "orbit",
    "pioneer", "quartz", "river", "sierra", "tundra", "velvet", "willow", "zephyr", "beacon",
]  # fmt: skip
TITLES = [
    "Quarterly report", "Onboarding checklist", "Release notes", "Weekly sync",
    "Customer feedback", "Migration plan", "Design review", "Incident summary",
]  # fmt: skip
SENTENCES = [
    "A short description of this item.",
    "Created for the spring release.",
    "Updated after the last review.",
    "Used by the support team every day.",
    "Everything needed to get started.",
]
CITIES = ["Berlin", "Lisbon", "Toronto", "Osaka", "Nairobi", "Lyon", "Austin", "Melbourne"]
COUNTRIES = [("Germany", "DE"), ("Portugal", "PT"), ("Canada", "CA"), ("Japan", "JP")]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Labs", "Stark Industries"]
STATUSES = ["active", "pending", "completed", "archived"]


def instant(rng: Rng) -> datetime:
    return _EPOCH + timedelta(seconds=rng.randrange(_YEAR_SECONDS))


def date_time(rng: Rng) -> str:
    return instant(rng).strftime("%Y-%m-%dT%H:%M:%SZ")


def uuid4(rng: Rng) -> str:
    value = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[rng.randrange(4)]
    return f"{value[:8]}-{value[8:12]}-4{value[13:16]}-{variant}{value[17:20]}-{value[20:32]}"


def word(rng: Rng) -> str:
    return rng.choice(WORDS)


def person(rng: Rng) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def email(rng: Rng) -> str:
    first, last = person(rng)
    return f"{first.lower()}.{last.lower()}@example.com"


def url(rng: Rng) -> str:
    return f"https://example.com/{word(rng)}/{rng.randint(1, 999)}"


def hex_string(rng: Rng, length: int) -> str:
    return f"{rng.getrandbits(4 * length):0{length}x}"


FORMATS: dict[str, Callable[[Rng], str]] = {
    "date-time": date_time,
    "date": lambda rng: instant(rng).strftime("%Y-%m-%d"),
    "time": lambda rng: instant(rng).strftime("%H:%M:%SZ"),
    "duration": lambda rng: f"PT{rng.randint(1, 59)}M",
    "uuid": uuid4,
    "email": email,
    "idn-email": email,
    "uri": url,
    "url": url,
    "iri": url,
    "uri-reference": lambda rng: f"/{word(rng)}/{rng.randint(1, 999)}",
    "iri-reference": lambda rng: f"/{word(rng)}/{rng.randint(1, 999)}",
    "uri-template": lambda rng: f"https://example.com/{word(rng)}/{{id}}",
    "hostname": lambda rng: f"{word(rng)}.example.com",
    "idn-hostname": lambda rng: f"{word(rng)}.example.com",
    "ipv4": lambda rng: ".".join(str(rng.randint(1, 254)) for _ in range(4)),
    "ipv6": lambda rng: ":".join(f"{rng.getrandbits(16):x}" for _ in range(8)),
    "byte": lambda rng: base64.b64encode(rng.randbytes(12)).decode("ascii"),
    "binary": word,
    "password": lambda rng: f"{word(rng).capitalize()}-{rng.randint(1000, 9999)}!",
    "json-pointer": lambda rng: f"/{word(rng)}/{rng.randint(0, 9)}",
    "relative-json-pointer": lambda rng: f"{rng.randint(0, 3)}/{word(rng)}",
    "regex": lambda rng: "^[a-z]+$",
}

# 2**31 and 2**63 bounds of the OpenAPI integer formats.
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def tokens(name: str) -> list[str]:
    """``createdAt``, ``created_at`` and ``Created-At`` all become ``["created", "at"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


_STRING_HINTS: list[tuple[Callable[[list[str]], bool], Callable[[Rng], str]]] = [
    (lambda t: t[-1] in ("email", "mail"), email),
    (lambda t: t[-1] in ("url", "uri", "href", "link", "website", "homepage"), url),
    (
        lambda t: t[-1] in ("avatar", "image", "photo", "picture", "thumbnail", "icon", "logo"),
        lambda rng: f"https://example.com/images/{word(rng)}.png",
    ),
    (lambda t: t[-1] == "id" or t[-1] == "uuid" or t[-1] == "guid", uuid4),
    (lambda t: t[-1] in ("at", "timestamp", "datetime") or t[-2:] == ["date", "time"], date_time),
    (
        lambda t: t[-1] in ("date", "birthday", "dob"),
        lambda rng: instant(rng).strftime("%Y-%m-%d"),
    ),
    (lambda t: t[-1] in ("username", "login", "handle", "nickname", "user"), word),
    (lambda t: t[-2:] in (["first", "name"], ["given", "name"]), lambda rng: person(rng)[0]),
    (
        lambda t: t[-2:] in (["last", "name"], ["family", "name"]) or t[-1] == "surname",
        lambda rng: person(rng)[1],
    ),
    (
        lambda t: t[-1] in ("company", "organization", "organisation", "org"),
        lambda rng: rng.choice(COMPANIES),
    ),
    (lambda t: (t[-1] == "name" and len(t) == 1) or t[-2:] == ["full", "name"], lambda rng: " ".join(person(rng))),
    (lambda t: t[-1] in ("name", "label", "tag"), lambda rng: word(rng).capitalize()),
    (lambda t: t[-1] in ("title", "subject", "headline"), lambda rng: rng.choice(TITLES)),
    (
        lambda t: t[-1]
        in ("description", "summary", "body", "message", "comment", "text", "content", "note", "notes", "bio", "details"),
        lambda rng: rng.choice(SENTENCES),
    ),
    (lambda t: t[-1] in ("phone", "mobile", "telephone", "tel", "fax"), lambda rng: f"+1-555-{rng.randint(100, 999):04d}"),
    (lambda t: t[-1] == "city", lambda rng: rng.choice(CITIES)),
    (lambda t: t[-2:] == ["country", "code"], lambda rng: rng.choice(COUNTRIES)[1]),
    (lambda t: t[-1] == "country", lambda rng: rng.choice(COUNTRIES)[0]),
    (lambda t: t[-1] in ("zip", "zipcode", "postcode") or t[-2:] == ["postal", "code"], lambda rng: f"{rng.randint(10000, 99999)}"),
    (lambda t: t[-1] in ("street", "address") or ("address" in t and t[-1] == "line1"), lambda rng: f"{rng.randint(1, 400)} {word(rng).capitalize()} Street"),
    (lambda t: t[-1] == "currency", lambda rng: rng.choice(["USD", "EUR", "GBP", "JPY"])),
    (lambda t: t[-1] == "locale", lambda rng: rng.choice(["en-US", "de-DE", "fr-FR"])),
    (lambda t: t[-1] in ("language", "lang"), lambda rng: rng.choice(["en", "de", "fr"])),
    (lambda t: t[-1] in ("timezone", "tz") or t[-2:] == ["time", "zone"], lambda rng: rng.choice(["Europe/Berlin", "America/New_York", "UTC"])),
    (lambda t: t[-1] in ("color", "colour"), lambda rng: f"#{hex_string(rng, 6)}"),
    (lambda t: t[-1] == "slug", lambda rng: f"{word(rng)}-{word(rng)}"),
    (lambda t: t[-1] in ("sha", "hash", "checksum", "digest", "etag"), lambda rng: hex_string(rng, 40)),
    (lambda t: t[-1] in ("token", "secret", "password") or t[-2:] == ["api", "key"], lambda rng: hex_string(rng, 32)),
    (lambda t: t[-1] == "version", lambda rng: f"{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"),
    (lambda t: t[-1] == "status", lambda rng: rng.choice(STATUSES)),
    (lambda t: t[-1] in ("ip",) or t[-2:] == ["ip", "address"], FORMATS["ipv4"]),
    (lambda t: t[-1] in ("host", "hostname", "domain"), FORMATS["hostname"]),
    (lambda t: t[-2:] in (["content", "type"], ["media", "type"], ["mime", "type"]), lambda rng: "application/json"),
    (lambda t: t[-1] in ("filename", "file"), lambda rng: f"{word(rng)}.pdf"),
    (lambda t: t[-1] == "path", lambda rng: f"/{word(rng)}/{word(rng)}"),
]  # fmt: skip


def string_for(name: str | None, rng: Rng) -> str | None:
    """A realistic string for a field called ``name``, or None when the name says nothing."""
    parts = tokens(name) if name else []
    if not parts:
        return None
    for matches, make in _STRING_HINTS:
        if matches(parts):
            return make(rng)
    return None


# (predicate over the name's tokens, low, high) for integers; numbers use the same windows.
_NUMBER_HINTS: list[tuple[Callable[[list[str]], bool], float, float]] = [
    (lambda t: t[-1] in ("id", "number") and len(t) > 0, 1, 99999),
    (lambda t: t[-1] in ("page",), 1, 5),
    (lambda t: t[-1] in ("limit", "size") or t[-2:] == ["per", "page"], 10, 50),
    (lambda t: t[-1] in ("count", "total", "quantity", "qty"), 1, 100),
    (lambda t: t[-1] == "year", 2000, 2026),
    (lambda t: t[-1] == "month", 1, 12),
    (lambda t: t[-1] == "day", 1, 28),
    (lambda t: t[-1] == "hour", 0, 23),
    (lambda t: t[-1] in ("minute", "second"), 0, 59),
    (lambda t: t[-1] == "age", 18, 90),
    (lambda t: t[-1] == "port", 1024, 65535),
    (lambda t: t[-1] in ("lat", "latitude"), -90, 90),
    (lambda t: t[-1] in ("lng", "lon", "long", "longitude"), -180, 180),
    (lambda t: t[-1] in ("percent", "percentage"), 0, 100),
    (lambda t: t[-1] in ("rating", "priority", "stars"), 1, 5),
    (lambda t: t[-1] in ("price", "amount", "cost", "balance"), 1, 1000),
    (lambda t: t[-1] in ("at", "timestamp", "epoch", "time"), 1_767_225_600, 1_798_761_599),
]


def number_window(name: str | None) -> tuple[float, float]:
    """The range a realistic number for a field called ``name`` falls in."""
    parts = tokens(name) if name else []
    if parts:
        for matches, low, high in _NUMBER_HINTS:
            if matches(parts):
                return low, high
    return 1, 1000


def any_value(name: str | None, rng: Rng) -> Any:
    """A value for a schema that allows anything."""
    return string_for(name, rng) or word(rng)
