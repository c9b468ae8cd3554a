"""Seeding: every global random generator that student code can reach, fixed per test.

A submission that draws random numbers without seeding them (a program's own
``np.random``, a ``default_rng()`` with no seed) would otherwise get new numbers on
every run, so the same submission could pass, then fail on regrade. Before a test's
steps run, on both sides (the student's module in the sandbox, the reference on the
trusted side), ``seeded(seed)`` sets:

- Python's ``random`` and NumPy's legacy global generator (``np.random.rand`` and
  friends) to ``seed``;
- ``np.random.default_rng()`` called without a seed to a generator from
  ``SeedSequence([seed, n])``, n counting the calls: two unseeded generators of one
  test differ from each other, and are the same on every run;
- PyTorch's global generator to ``seed``, if torch is loaded (torch's own default
  seed is already fixed when it is imported later).

Generators that read the operating system's entropy directly (``random.SystemRandom``,
``os.urandom``, ``np.random.PCG64()``) are not fixed. A test's seed is derived from
its name and the assignment's `seed` (``test_seed``), so adding or moving a test
changes no other test's numbers; ``grader check --seeds`` moves the assignment's seed.

On the trusted side the previous state of every generator is put back afterwards;
in the sandbox each test runs in a process of its own, which ends with the test.

Copied into the sandbox: standard library and NumPy only.
"""

from __future__ import annotations

import itertools
import random
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

_DEFAULT_RNG = np.random.default_rng  # NumPy's own, whatever seeded() put in its place


def test_seed(name: str, base: int = 0) -> int:
    """The seed of the test called ``name`` in an assignment whose `seed` is ``base``:
    the same on every run, below 2**32."""
    return (zlib.crc32(name.encode("utf-8")) + base) % 2**32


def seed_generators(seed: int) -> None:
    """Seed the global generators (see the module's docstring); leaves them seeded."""
    random.seed(seed)
    np.random.seed(seed)
    calls = itertools.count()

    def default_rng(seed_: Any = None) -> np.random.Generator:
        return _DEFAULT_RNG(np.random.SeedSequence([seed, next(calls)]) if seed_ is None else seed_)

    np.random.default_rng = default_rng
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


@contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """The generators seeded with ``seed`` inside the block (None: as they are), and
    put back as they were after it, whatever a seed step did inside."""
    torch = sys.modules.get("torch")
    saved = (
        random.getstate(),
        np.random.get_state(),
        np.random.default_rng,
        torch.get_rng_state() if torch is not None else None,
    )
    if seed is not None:
        seed_generators(seed)
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        np.random.default_rng = saved[2]
        if torch is not None and saved[3] is not None:
            torch.set_rng_state(saved[3])
