"""Progress while ``conform`` runs, on stderr: rich's console (colours, and a spinner naming the
work under way when the stream is a terminal), plain lines when rich is not installed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from draftmock.conformance.behaviour import ScenarioResult

MARKS = {
    "passed": ("ok", "green"),
    "failed": ("FAIL", "bold red"),
    "error": ("ERROR", "bold red"),
    "skipped": ("skip", "yellow"),
}


class Progress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.console: Any = None
        try:
            from rich.console import Console
        except ImportError:  # rich comes with schemathesis
            return
        self.console = Console(file=stream, highlight=False, soft_wrap=True)

    @property
    def is_terminal(self) -> bool:
        return self.console is not None and bool(self.console.is_terminal)

    def _print(self, markup: str, plain: str) -> None:
        if self.console is None:
            print(plain, file=self.stream, flush=True)
        else:
            self.console.print(markup)

    def phase(self, text: str) -> None:
        """A phase starts."""
        self._print(f"[bold]{_escape(text)}[/]", text)

    def line(self, text: str) -> None:
        """A line of Schemathesis' output."""
        self._print(f"  {_escape(text)}", f"  {text}")

    def scenario(self, result: ScenarioResult) -> None:
        """A behaviour scenario ended."""
        mark, style = MARKS[result.status]
        reason = f" — {result.reason.splitlines()[0][:100]}" if result.reason else ""
        tail = f" {result.name} ({result.duration:.2f}s){reason}"
        self._print(f"  [{style}]\\[{mark}][/]{_escape(tail)}", f"  [{mark}]{tail}")

    @contextmanager
    def working(self, text: str) -> Iterator[Callable[[str], None]]:
        """A spinner showing ``text`` while the block runs (on a terminal); yields a function
        that changes the text."""
        if self.console is None or not self.console.is_terminal:
            yield lambda _text: None
            return
        with self.console.status(_escape(text)) as status:
            yield lambda new: status.update(_escape(new))


def _escape(text: str) -> str:
    try:
        from rich.markup import escape
    except ImportError:
        return text
    return escape(text)
