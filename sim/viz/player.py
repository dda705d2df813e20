"""Step, Play and Reset for the dashboard: the models advance on a thread of their own.

Drawing a frame (a few matplotlib panels) costs far more than stepping a few hundred blocks,
so Play does not draw after every batch: its thread steps at a set pace (blocks per second,
or as fast as it can) and only flags that there is something new; the page takes a snapshot
and draws whenever it is ready, and skips the blocks it could not draw. Drawing never holds
stepping back, and a slow browser only gets fewer frames, not a slower run.

With A/B (`ammsim viz --ab`), the player holds two models built from the same seed, stepped in
lockstep: block n of A and block n of B are always drawn together.
"""

from __future__ import annotations

import threading
import time

from sim.viz.model import DashboardModel
from sim.viz.snapshot import History, Snapshot, take

BATCH = 50
"""Blocks stepped per lock hold when playing as fast as possible (the page waits at most one)."""


class Player:
    """One model, or A and B in lockstep, stepped on demand or by a Play thread."""

    def __init__(self, models: dict[str, DashboardModel]) -> None:
        self.models = models
        self.histories = {k: History(m) for k, m in models.items()}
        self.lock = threading.Lock()
        self.changed = threading.Event()
        self.blocks_per_s = 0.0
        """Play's pace; 0 = as fast as the machine steps."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        for k, m in models.items():
            self.histories[k].record(m)

    @property
    def block(self) -> int:
        return next(iter(self.models.values())).market.block

    @property
    def running(self) -> bool:
        """Whether every model has blocks left to step."""
        return all(m.running for m in self.models.values())

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def step(self, blocks: int) -> None:
        """Advance every model by up to `blocks` blocks (fewer at the scenario's end)."""
        with self.lock:
            for _ in range(blocks):
                if not self.running:
                    break
                for k, m in self.models.items():
                    m.step()
                    self.histories[k].record(m)
        self.changed.set()

    def snapshots(self) -> dict[str, Snapshot]:
        """Each model's snapshot now (A first)."""
        with self.lock:
            return {k: take(m, self.histories[k]) for k, m in self.models.items()}

    def play(self) -> None:
        """Start stepping to the scenario's end on a daemon thread."""
        if self.playing or not self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="ammsim-play", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        """Stop the Play thread (returns once it has stopped)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._thread = None

    def _loop(self) -> None:
        start, first, pace = time.monotonic(), self.block, self.blocks_per_s
        while not self._stop.is_set() and self.running:
            if self.blocks_per_s != pace:  # the pace was changed while playing
                start, first, pace = time.monotonic(), self.block, self.blocks_per_s
            if self.blocks_per_s > 0:
                due = first + int((time.monotonic() - start) * self.blocks_per_s)
                blocks = min(due - self.block, 4 * BATCH)
                if blocks <= 0:
                    time.sleep(0.02)
                    continue
            else:
                blocks = BATCH
            self.step(blocks)
        self.changed.set()
