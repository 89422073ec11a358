"""A progress bar on stderr for long work (click's), shown only when stderr is a terminal: never in logs or pipes."""
from __future__ import annotations

import sys

import click


class Progress:
    """`progress(done, total)` as the converter calls it, drawn by `click.progressbar`."""

    def __init__(self, label: str, stream=None):
        self.label, self.stream = label, stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar, self._done = None, 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=self.stream, width=30,
                                          show_eta=False, show_percent=False, show_pos=True)
            self._bar.short_limit = 0  # draw at once, even for work shorter than half a second
            self._bar.__enter__()
        self._bar.update(max(0, done - self._done))
        self._done = max(done, self._done)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)  # the last line, then a newline
            self._bar = None
