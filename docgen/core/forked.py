"""Work shared among forked processes (Linux): each task is a callable that the workers inherit when they fork, so
nothing it reads (the registers, the ledger's state) is pickled; only what it returns comes back. The workers
are killed with docgen, so none of them can write after the run that started them was killed."""
from __future__ import annotations

import gc
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

_TASKS: list[Callable] | None = None  # what forked workers run (set while the pool forks)
MANY = 40  # documents in a run from which its work is shared among forked workers: fewer are quicker in the process


def workers_for(documents: int, workers: int) -> int:
    """The workers for a run of so many documents: `workers` for MANY or more, else the process alone."""
    return workers if documents >= MANY else 1


def die_with_parent() -> None:
    """A worker process is killed with docgen (Linux: PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Pool(ProcessPoolExecutor):
    """A fork pool (which forks all its processes at its first submit) that forks with the garbage collector's
    objects frozen (gc.freeze): a child's collections then never touch the objects it inherited, so the pages
    holding them stay shared instead of each being copied into the child (copy-on-write) when it collects."""

    _forked = False

    def submit(self, *args, **kwargs):
        if self._forked:
            return super().submit(*args, **kwargs)
        gc.freeze()
        try:
            return super().submit(*args, **kwargs)
        finally:
            self._forked = True
            gc.unfreeze()


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` forked processes that die with docgen."""
    return _Pool(max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=die_with_parent)


def _run(i: int):
    return _TASKS[i]()


class Forked:
    """The tasks started now, in `workers` forked processes (here, one after another, when there are fewer than
    `least` of them or one worker); results() waits for them and gives what each returned, in order, or raises
    what the first that failed raised. Use it as a context manager, or call results() or cancel().
    first_here: the first task runs here, before the workers fork, so that what it loads and works out once a
    process (the fonts' widths, the template's compiled parts, its styles) is theirs from the start instead of
    being loaded again in each worker (about 0.2 s of CPU a worker for a slip)."""

    def __init__(self, tasks: list[Callable], workers: int, least: int = 2, first_here: bool = False):
        global _TASKS
        self.tasks, self._pool, self._done, self._first = list(tasks), None, None, None
        if workers < 2 or len(self.tasks) < max(2, least):
            return
        if first_here:
            try:
                self._first = (self.tasks[0](), None)
            except Exception as e:  # noqa: BLE001 - raised by results(), in its order, as a worker's would be
                self._first = (None, e)
            self.tasks = self.tasks[1:]
        self._pool = pool(min(workers, len(self.tasks)))
        _TASKS = self.tasks
        try:  # a fork pool forks all its processes at the first submit: after it, the tasks are theirs
            size = max(1, min(8, len(self.tasks) // (4 * workers)))
            self._futures = [self._pool.submit(_run_many, i, min(i + size, len(self.tasks)))
                             for i in range(0, len(self.tasks), size)]
        finally:
            _TASKS = None

    def results(self) -> list:
        if self._done is None:
            if self._pool is None:
                self._done = [t() for t in self.tasks]
            else:
                try:
                    if self._first is not None and self._first[1] is not None:
                        raise self._first[1]
                    self._done = [r for f in self._futures for r in f.result()]
                finally:
                    self._pool.shutdown(wait=True, cancel_futures=True)
                if self._first is not None:
                    self._done.insert(0, self._first[0])
        return self._done

    def cancel(self) -> None:
        """Stop what has not begun and wait for what has (nothing runs after this returns)."""
        if self._pool is not None and self._done is None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._done = []

    def __enter__(self) -> "Forked":
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()


def _run_many(i: int, j: int) -> list:
    return [_run(k) for k in range(i, j)]


def forked(tasks: list[Callable], workers: int, least: int = 2, first_here: bool = False) -> list:
    """What each task returns, in order (Forked, waited for)."""
    with Forked(tasks, workers, least, first_here) as f:
        return f.results()
