"""The warm pool's bookkeeping (sandbox/pool.py), with items that are plain numbers:
what is kept ready per key, hits and misses, refilling, idle recycling, closing."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import pytest

from grader.spec import Limits
from sandbox.pool import PoolKey, WarmPool

CS189 = PoolKey("img", Limits(), ("numpy",))
THU = PoolKey("img", Limits(memory_mb=1536), ("numpy", "torch"))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Factory:
    """Starts numbered items, records stops; ``fail`` makes starts raise."""

    def __init__(self) -> None:
        self.numbers = itertools.count(1)
        self.started: list[tuple[PoolKey, int]] = []
        self.stopped: list[int] = []
        self.fail = False
        self.lock = threading.Lock()

    def start(self, key: PoolKey) -> int:
        if self.fail:
            raise OSError("engine down")
        with self.lock:
            item = next(self.numbers)
            self.started.append((key, item))
            return item

    def stop(self, item: int) -> None:
        with self.lock:
            self.stopped.append(item)


@pytest.fixture
def factory() -> Factory:
    return Factory()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pool(factory: Factory, clock: Clock) -> Iterator[WarmPool[int]]:
    warm = WarmPool(2, 600, factory.start, factory.stop, clock)
    yield warm
    warm.close()


def test_a_first_submission_misses_and_teaches_the_pool_its_key(
    pool: WarmPool[int], factory: Factory
) -> None:
    assert pool.take(CS189) is None
    pool.done(CS189)
    assert pool.wait_ready(10)
    assert [key for key, _ in factory.started] == [CS189, CS189]  # size 2
    assert pool.stats().as_dict() == {
        "ready": 2,
        "starting": 0,
        "in_use": 0,
        "hits": 0,
        "misses": 1,
        "recycled": 0,
    }


def test_nothing_is_started_while_a_taken_item_is_in_use(
    pool: WarmPool[int], factory: Factory
) -> None:
    pool.warm(CS189)
    assert pool.wait_ready(10)
    pool.take(CS189)
    assert not pool.wait_ready(0.3)  # one short, and it stays short while in use
    assert len(factory.started) == 2
    pool.done(CS189, used=1)
    assert pool.wait_ready(10)
    assert len(factory.started) == 3 and 1 in factory.stopped


def test_each_item_is_handed_out_once_and_the_pool_refills(
    pool: WarmPool[int], factory: Factory
) -> None:
    pool.warm(CS189)
    assert pool.wait_ready(10)
    first, second = pool.take(CS189), pool.take(CS189)
    assert {first, second} == {1, 2}
    pool.done(CS189)
    pool.done(CS189)
    assert pool.wait_ready(10)
    third = pool.take(CS189)
    assert third not in (first, second)  # never the same container twice
    stats = pool.stats()
    assert (stats.hits, stats.misses, stats.in_use) == (3, 0, 1)


def test_keys_are_kept_apart(pool: WarmPool[int], factory: Factory) -> None:
    pool.warm(CS189)
    pool.warm(THU)
    assert pool.wait_ready(10)
    thu_items = {item for key, item in factory.started if key == THU}
    assert pool.take(THU) in thu_items
    assert len(factory.started) == 4


def test_an_item_that_waited_too_long_is_recycled(
    pool: WarmPool[int], factory: Factory, clock: Clock
) -> None:
    pool.warm(CS189)
    assert pool.wait_ready(10)
    clock.now += 601
    assert pool.take(CS189) is None  # both waited too long: never handed out
    pool.done(CS189)
    assert pool.wait_ready(10)
    pool.close()
    assert pool.stats().recycled == 2
    assert set(factory.stopped) >= {1, 2}


def test_a_key_no_one_asks_for_is_forgotten(
    pool: WarmPool[int], factory: Factory, clock: Clock
) -> None:
    pool.warm(CS189)
    assert pool.wait_ready(10)
    clock.now += 601
    pool.warm(THU)  # wakes the filler
    assert pool.wait_ready(10)
    assert sorted(factory.stopped) == [1, 2]
    assert pool.stats().ready == 2  # THU's only


def test_a_failing_engine_means_misses_not_errors(pool: WarmPool[int], factory: Factory) -> None:
    factory.fail = True
    assert pool.take(CS189) is None
    pool.done(CS189)
    assert not pool.wait_ready(0.3)
    assert pool.stats().ready == 0


def test_close_stops_every_ready_item(factory: Factory, clock: Clock) -> None:
    pool = WarmPool(1, 600, factory.start, factory.stop, clock)
    pool.warm(CS189)
    pool.warm(THU)
    assert pool.wait_ready(10)
    pool.close()
    assert sorted(factory.stopped) == [1, 2]
    assert pool.take(CS189) is None


def test_size_zero_is_no_pool(factory: Factory) -> None:
    with pytest.raises(ValueError, match="no pool"):
        WarmPool(0, 600, factory.start, factory.stop)
