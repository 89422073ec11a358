"""A progress bar on stderr for long work, shown only when stderr is a terminal (never in logs or pipes)."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, stream=None, min_interval: float = 0.2):
        self.label, self.stream = label, stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.min_interval, self._last, self._shown = min_interval, 0.0, False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = time.monotonic()
        if done < total and now - self._last < self.min_interval:
            return
        self._last, self._shown = now, True
        width = 30
        filled = width * done // total
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()

    def close(self) -> None:
        if self._shown and self.enabled:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
