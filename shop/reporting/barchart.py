"""Stacked bar charts drawn as inline SVG on the server: no JavaScript, nothing fetched.

This module only computes the geometry (plain numbers); ``statistics/_chart.html`` writes the
SVG, so every label goes through Jinja's escaping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Okabe-Ito: told apart by people with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OTHERS_COLOUR = "#8C8C8C"

WIDTH, HEIGHT = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 44
MAX_X_LABELS = 12  # beyond this, every n-th month is labelled (all keep their bar)


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]  # one per column
    colour: str = ""


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    colour: str
    series: str
    column: str
    value: int


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class ColumnLabel:
    x: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    segments: list[Segment]
    ticks: list[Tick]
    labels: list[ColumnLabel]
    legend: list[Series]


def nice_step(largest: int, steps: int = 4) -> int:
    """A round gridline step (1, 2 or 5 times a power of ten) for about ``steps`` lines."""
    raw = max(largest, 1) / steps
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, int(factor * power))
    return int(10 * power)  # pragma: no cover - the loop always returns


def stacked_bars(columns: list[str], series: list[Series]) -> BarChart:
    """One bar per column, one coloured segment per series, stacked in the series' order."""
    coloured = [
        s if s.colour else Series(s.label, s.values, PALETTE[i % len(PALETTE)])
        for i, s in enumerate(series)
    ]
    totals = [sum(s.values[i] for s in coloured) for i in range(len(columns))]
    step = nice_step(max(totals, default=0))
    top_value = step * max(1, math.ceil(max(totals, default=0) / step))
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    plot_top, plot_bottom = TOP, HEIGHT - BOTTOM
    scale = (plot_bottom - plot_top) / top_value
    slot = (plot_right - plot_left) / max(len(columns), 1)
    bar = slot * 0.64
    segments = []
    for i, column in enumerate(columns):
        x = plot_left + i * slot + (slot - bar) / 2
        base = plot_bottom
        for s in coloured:
            value = s.values[i]
            if value <= 0:
                continue
            height = value * scale
            base -= height
            segments.append(Segment(x, base, bar, height, s.colour, s.label, column, value))
    every = math.ceil(len(columns) / MAX_X_LABELS) if columns else 1
    labels = [
        ColumnLabel(plot_left + i * slot + slot / 2, column)
        for i, column in enumerate(columns)
        if i % every == 0
    ]
    ticks = [Tick(plot_bottom - v * scale, v) for v in range(0, top_value + 1, step)]
    return BarChart(
        WIDTH,
        HEIGHT,
        plot_left,
        plot_right,
        plot_top,
        plot_bottom,
        segments,
        ticks,
        labels,
        coloured,
    )
