"""A one-line progress bar on stderr, phase by phase (nothing when it is not a terminal)."""

import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None, phases: int, width: int = 28) -> None:
        self.stream = stream if stream is not None and stream.isatty() else None
        self.phases = phases
        self.width = width
        self.number = 0
        self.label = ""
        self.total = 1
        self.done = 0
        self.started = time.monotonic()
        self.drawn = 0.0

    def phase(self, label: str, total: int) -> None:
        self.number += 1
        self.label, self.total, self.done = label, max(total, 1), 0
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw(force=self.done >= self.total)

    def _draw(self, force: bool) -> None:
        now = time.monotonic()
        if self.stream is None or (not force and now - self.drawn < 0.1):
            return
        self.drawn = now
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * self.width)
        self.stream.write(
            f"\r[{self.number}/{self.phases}] {self.label:<9} [{bar:<{self.width}}] {share:4.0%} "
            f"{min(self.done, self.total):>9,}/{self.total:<9,} {now - self.started:6.1f} s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()
