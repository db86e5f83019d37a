"""WorkRate: the pace from working time only (start-up, pauses, work done while paused, and stops excluded)."""

from __future__ import annotations

import pytest

from faceaudit.core.work_rate import WorkRate


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _work(rate: WorkRate, clock: Clock, done: int, seconds: int, per_second: int) -> int:
    for _ in range(seconds):
        clock.now += 1
        done += per_second
        rate.note(done)
    return done


def test_start_up_is_not_work():
    clock = Clock()
    rate = WorkRate(clock=clock)
    clock.now += 40  # models load, workers start: nothing done
    done = _work(rate, clock, 500, 1, 10)  # the first point starts the clock
    assert rate.rate() == 0.0 and rate.seconds_left(100) is None  # too little timed to say
    done = _work(rate, clock, done, 10, 10)
    assert rate.rate() == pytest.approx(10.0)
    assert rate.seconds_left(1000) == pytest.approx(100.0)


def test_a_pause_is_not_work_nor_what_finished_during_it():
    clock = Clock()
    rate = WorkRate(clock=clock)
    done = _work(rate, clock, 0, 20, 10)
    rate.pause()
    clock.now += 25
    done += 30  # the batches already sent finish while paused
    rate.note(done)
    rate.resume()
    clock.now += 0.1
    done += 40  # and arrive at once after the resume
    rate.note(done)
    assert rate.rate() == pytest.approx(10.0)  # neither 7.2 (pause counted) nor 44 (burst counted)
    done = _work(rate, clock, done, 10, 10)
    assert rate.rate() == pytest.approx(10.0, rel=0.01)  # the 0.1 s after the resume was work, untimed items not
    assert rate.worked() == pytest.approx(19 + 0.1 + 10)  # from the first point on; the 25 s paused are not work


def test_a_new_run_after_a_stop_starts_its_own_clock():
    clock = Clock()
    first = WorkRate(clock=clock)
    done = _work(first, clock, 0, 30, 4)
    clock.now += 200  # stopped, then started again
    second = WorkRate(clock=clock)
    clock.now += 15  # start-up of the new run
    done = _work(second, clock, done, 10, 4)
    assert second.rate() == pytest.approx(4.0)
    assert second.seconds_left(480) == pytest.approx(120.0)
