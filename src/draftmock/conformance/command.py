"""The ``conform`` and ``diff`` sub-commands: argument parsing and exit codes only.

Exit codes as Schemathesis: 0 everything passed, 1 a contract failure (or a difference, for
``diff``), 2 a usage or connection error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

COMMANDS = ("conform", "diff")


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected more than 0 seconds, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {text!r}")
    return value


def _phases(text: str) -> list[str]:
    from draftmock.conformance.gate import ALL_PHASES

    phases = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in phases if p not in ALL_PHASES]
    if unknown or not phases:
        raise argparse.ArgumentTypeError(
            f"unknown phase {', '.join(unknown) or '(none)'}; choose from {', '.join(ALL_PHASES)}"
        )
    return phases


def _target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "api",
        nargs="?",
        help="the API to check, e.g. promptlayer (conform: default, the name of --spec's file)",
    )
    parser.add_argument(
        "--header",
        dest="headers",
        action="append",
        type=_header,
        default=[],
        metavar="'NAME: VALUE'",
        help="extra header on every request (repeatable)",
    )
    parser.add_argument("--api-key", help="the API's key, sent the way the API expects it")
    parser.add_argument(
        "--timeout",
        type=_positive,
        default=120.0,
        help="seconds to wait for asynchronous work before a check fails (default 120)",
    )
    parser.add_argument(
        "--poll-interval",
        type=_positive,
        default=2.0,
        help="seconds between polls (virtual seconds against a draftmock; default 2)",
    )
    parser.add_argument(
        "--destructive",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the scenarios, and let Schemathesis call the operations, that change or leave "
        "data behind (default: only against a local URL or a draftmock)",
    )
    parser.add_argument(
        "--region",
        help="SigV4 signing region for AWS APIs (default: AWS_REGION, AWS_DEFAULT_REGION, "
        "us-east-1); credentials come from the standard AWS chain",
    )
    parser.add_argument("--report", type=Path, metavar="PATH.json", help="write a JSON report")


def add_commands(commands: Any) -> None:
    """Add ``conform`` and ``diff`` to the ``draftmock`` sub-command parsers."""
    conform = commands.add_parser(
        "conform", help="check a server (default: the mock itself) against an API's contract"
    )
    _target_arguments(conform)
    conform.add_argument(
        "--base-url", help="the API's base URL; without it the mock is started and checked"
    )
    conform.add_argument(
        "--phases",
        type=_phases,
        default=None,
        help="comma-separated: examples,coverage,fuzzing,stateful,behaviour (default: all)",
    )
    conform.add_argument(
        "--max-examples", type=_count, default=25, help="per operation (default 25)"
    )
    conform.add_argument("--seed", type=int, default=1, help="Schemathesis seed (default 1)")
    conform.add_argument("--junit-xml", type=Path, metavar="PATH", help="write JUnit XML")
    conform.add_argument("--verbose", action="store_true", help="show Schemathesis' own output")
    conform.add_argument(
        "--artifacts",
        type=Path,
        metavar="DIR",
        help="keep Schemathesis' HAR file and VCR cassette in DIR (<api>.schemathesis.har.json, "
        "<api>.schemathesis.vcr.yaml) to replay its requests",
    )
    conform.add_argument(
        "--spec",
        type=Path,
        help="check against this OpenAPI document instead of specs/<api>.yaml "
        "(e.g. a vendor's published fragment, as an independent contract)",
    )
    conform.add_argument(
        "--schemathesis-config",
        type=Path,
        help="Schemathesis config file (default: the API's own, unless --spec is given)",
    )
    conform.add_argument(
        "--mode",
        choices=["all", "positive"],
        default="all",
        help="positive: valid data only, for documents that describe success paths only",
    )
    conform.add_argument(
        "--exclude-checks",
        default="",
        help="comma-separated Schemathesis checks to leave out for every operation, beyond "
        "those the API's settings leave out",
    )

    diff = commands.add_parser(
        "diff", help="run the behaviour scenarios on the mock and a target; report differences"
    )
    _target_arguments(diff)
    diff.add_argument("--base-url", required=True, help="the target API's base URL")


def run(args: argparse.Namespace) -> int:
    from draftmock.conformance.gate import ALL_PHASES, ConformOptions, UsageError
    from draftmock.errors import MockError

    api = args.api
    if api is None:
        spec = getattr(args, "spec", None)
        if args.command != "conform" or spec is None:
            print(
                f"draftmock {args.command}: name the API to check (or give --spec)", file=sys.stderr
            )
            return 2
        from draftmock.assembly import api_name

        api = api_name(spec)
    options = ConformOptions(
        api=api,
        base_url=args.base_url,
        headers=dict(args.headers),
        api_key=args.api_key,
        phases=getattr(args, "phases", None) or list(ALL_PHASES),
        max_examples=getattr(args, "max_examples", 25),
        seed=getattr(args, "seed", 1),
        junit_xml=getattr(args, "junit_xml", None),
        report=args.report,
        destructive=args.destructive,
        poll_interval=args.poll_interval,
        timeout=args.timeout,
        verbose=getattr(args, "verbose", False),
        spec=getattr(args, "spec", None),
        schemathesis_config=getattr(args, "schemathesis_config", None),
        mode=getattr(args, "mode", "all"),
        exclude_checks=[c for c in getattr(args, "exclude_checks", "").split(",") if c],
        region=args.region,
        artifacts=getattr(args, "artifacts", None),
    )
    try:
        if args.command == "diff":
            return _diff(options)
        return _conform(options)
    except (UsageError, MockError) as exc:
        print(f"draftmock {args.command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a report that cannot be written
        print(
            f"draftmock {args.command}: cannot write {exc.filename}: {exc.strerror}",
            file=sys.stderr,
        )
        return 2


def _conform(options: Any) -> int:
    from draftmock.conformance.gate import conform

    report = conform(options, stream=sys.stderr)
    report.print_summary(sys.stdout)
    if options.report is not None:
        report.write_json(options.report)
    if options.junit_xml is not None:
        report.write_junit(options.junit_xml)
    return report.exit_code


def _diff(options: Any) -> int:
    from draftmock.conformance.diff import diff

    result = diff(options, stream=sys.stderr)
    result.print(sys.stdout)
    if options.report is not None:
        result.write_json(options.report)
    return result.exit_code
