"""Figures and the interleaved rounds that measure them.

A variant measured in a block of its own (all of A, then all of B) drifts with whatever else the machine
does at that moment; on a shared two-core machine that drift is larger than the differences we look
for. So every comparison runs in rounds: each round runs every variant once, in an order rotated from
round to round, and a figure is the median over rounds. Ratios are taken between medians of the same
run, and a per-round paired ratio is kept too, since both variants of a round saw the same machine.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: A variant measures one sample and returns it (seconds per unit, or whatever its figure's unit is
#: derived from); it does its own set-up outside the timed part.
Measure = Callable[[], Awaitable[float]]


@dataclass
class Variant:
    key: str
    label: str
    measure: Measure
    batch: int = 1  # units per sample: cheap variants time a batch, so the clock's resolution is moot


@dataclass
class Figure:
    """One measured quantity: its samples and the summary the table and results.json show."""

    key: str
    label: str
    unit: str
    samples: list[float]
    batch: int = 1
    ratio: float | None = None
    ratio_means: str | None = None
    paired_ratio: float | None = None  # median over rounds of the same ratio, taken round by round
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label,
            "unit": self.unit,
            "median": round(self.median, 4),
            "min": round(self.min, 4),
            "max": round(self.max, 4),
            "repetitions": len(self.samples),
            "units_per_repetition": self.batch,
        }
        if self.ratio is not None:
            data["ratio"] = round(self.ratio, 3)
            data["ratio_means"] = self.ratio_means
        if self.paired_ratio is not None:
            data["paired_ratio"] = round(self.paired_ratio, 3)
        data.update(self.extra)
        return data


@dataclass
class Rounds:
    """Raw samples by variant key, in round order (so sample ``i`` of two variants shares a round)."""

    samples: dict[str, list[float]]

    def paired_ratio(self, numerator: str, denominator: str) -> float:
        pairs = zip(self.samples[numerator], self.samples[denominator], strict=True)
        return statistics.median(a / b for a, b in pairs if b)


async def interleave(
    variants: Sequence[Variant],
    rounds: int,
    *,
    warmup: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Rounds:
    """Run ``rounds`` rounds of every variant, order rotated each round; warm-up rounds are discarded.

    The warm-up fills prepared-statement caches, connection pools and SQLAlchemy's compiled cache, so
    the first measured sample is not the one paying for them. A garbage collection before each sample
    keeps one variant's garbage from being collected on another's clock.
    """
    samples: dict[str, list[float]] = {variant.key: [] for variant in variants}
    for number in range(-warmup, rounds):
        offset = number % len(variants)
        order = [*variants[offset:], *variants[:offset]]
        for variant in order:
            gc.collect()
            value = await variant.measure()
            if number >= 0:
                samples[variant.key].append(value)
        if progress is not None and number >= 0:
            progress(f"round {number + 1}/{rounds}")
    return Rounds(samples)


def per_unit(seconds: float, batch: int) -> float:
    """Milliseconds per unit of a batch timed as a whole."""
    return seconds * 1000.0 / batch


class Stopwatch:
    """``with Stopwatch() as watch: ...; watch.seconds``: perf_counter around a block."""

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
