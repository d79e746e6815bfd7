"""The results: the printed table, the targets met or missed, and ``bench/results.json``.

The targets are the ones the benchmark issue set for this machine; each is checked against figures
of the same run, so a target is never judged on numbers measured under different conditions.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.timing import Figure


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    def figure(self, key: str) -> Figure | None:
        return next((figure for figure in self.figures if figure.key == key), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title}
        if self.skipped:
            data["skipped"] = self.skipped
        if self.notes:
            data["notes"] = self.notes
        data["figures"] = {figure.key: figure.to_json() for figure in self.figures}
        return data


@dataclass
class Target:
    key: str
    description: str
    value: str  # the measured figure, formatted
    threshold: str
    met: bool | None  # None: not measured in this run
    why: str = ""

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "n/a"}[self.met]

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "value": self.value,
            "threshold": self.threshold,
            "met": self.met,
            "why": self.why or None,
        }


ALLOWED_GRAPH_STATEMENTS = {"INSERT", "SAVEPOINT", "RELEASE"}


def evaluate(sections: dict[str, Section]) -> list[Target]:
    """Each target of the issue, judged on this run's figures (n/a where a section did not run)."""
    targets: list[Target] = []

    def check(
        key: str,
        description: str,
        section: str,
        figure: str,
        value: Callable[[Figure], float],
        fmt: str,
        threshold: str,
        passes: Callable[[float], bool],
    ) -> None:
        found = sections[section].figure(figure) if section in sections else None
        if found is None:
            why = sections[section].skipped if section in sections else "section not run"
            targets.append(Target(key, description, "-", threshold, None, why or ""))
            return
        measured = value(found)
        targets.append(Target(key, description, fmt.format(measured), threshold, passes(measured)))

    iso = sections.get("isolation")
    floor = iso.figure("floor") if iso else None
    check(
        "isolation_vs_floor",
        "savepoint isolation vs the raw asyncpg floor",
        "isolation",
        "ours",
        lambda ours: ours.median / floor.median if floor else float("nan"),
        "{:.2f}x the floor",
        "<= 2x",
        lambda x: x <= 2.0,
    )
    check(
        "isolation_vs_truncate",
        "TRUNCATE of every table vs savepoint isolation",
        "isolation",
        "truncate",
        lambda f: f.ratio or 0.0,
        "{:.1f}x ours",
        ">= 10x",
        lambda x: x >= 10.0,
    )
    check(
        "isolation_vs_clone",
        "database clone per test vs savepoint isolation",
        "isolation",
        "clone",
        lambda f: f.ratio or 0.0,
        "{:.1f}x ours",
        ">= 20x",
        lambda x: x >= 20.0,
    )
    check(
        "graph_vs_polyfactory",
        "polyfactory vs repos.deck.create() for the deck graph",
        "graphs",
        "polyfactory",
        lambda f: f.ratio or 0.0,
        "{:.2f}x ours",
        ">= 2x",
        lambda x: x >= 2.0,
    )
    graphs = sections.get("graphs")
    ours_graph = graphs.figure("ours") if graphs else None
    if ours_graph is not None:
        kinds = set(ours_graph.extra.get("statement_kinds", {}))
        other = sorted(kinds - ALLOWED_GRAPH_STATEMENTS)
        targets.append(
            Target(
                "graph_statement_kinds",
                "repos.deck.create() sends only INSERT, SAVEPOINT, RELEASE",
                ", ".join(sorted(kinds)),
                "INSERT/SAVEPOINT/RELEASE",
                not other,
                f"also sends {', '.join(other)}" if other else "",
            )
        )
    for figure, call, share in (
        ("create_batch_1000", "create_batch(1000)", 0.25),
        ("create_many_10000", "create_many(10,000)", 0.30),
    ):
        check(
            f"bulk_{figure}",
            f"{call} rows/s as a share of COPY's",
            "bulk",
            figure,
            lambda f: f.ratio or 0.0,
            "{:.0%} of COPY",
            f">= {share:.0%}",
            functools.partial(float.__le__, share),
        )
    for figure in ("embedded_warm", "external_warm"):
        check(
            f"start_{figure}",
            f"warm suite start ({figure.split('_')[0]}): seconds added to a bare collection",
            "start",
            figure,
            lambda f: float(f.extra["added_s"]),
            "{:+.2f} s",
            "<= +0.5 s",
            lambda x: x <= 0.5,
        )
    check(
        "scaling_n2",
        "speed-up of -n 2 over -n 1 on the whole suite",
        "scaling",
        "n2",
        lambda f: f.ratio or 0.0,
        "{:.2f}x",
        ">= 1.6x",
        lambda x: x >= 1.6,
    )
    lists = sections.get("lists")
    counted = [f for f in lists.figures if f.unit == "statements"] if lists is not None else []
    row_counts = sorted({int(f.extra["rows"]) for f in counted}) or [10, 1_000]
    description = f"list reads: same statements at {' and '.join(f'{rows:,}' for rows in row_counts)} rows"
    if lists is None or lists.skipped or not counted:
        why = (lists.skipped if lists else None) or "section not run"
        targets.append(Target("list_reads", description, "-", "equal", None, why))
    else:
        # route -> rows -> statements of one GET
        counts: dict[str, dict[int, int]] = {}
        for read in counted:
            counts.setdefault(read.extra["route"], {})[read.extra["rows"]] = int(read.median)
        differing = [route for route, by_rows in counts.items() if len(set(by_rows.values())) != 1]
        targets.append(
            Target(
                "list_reads",
                description,
                "; ".join(
                    f"{route.removeprefix('/api/v1')}: "
                    + " / ".join(f"{count} at {rows:,}" for rows, count in sorted(by_rows.items()))
                    for route, by_rows in counts.items()
                ),
                "equal",
                not differing,
                f"grows with the rows: {', '.join(differing)}" if differing else "",
            )
        )
    return targets


# -- printing -------------------------------------------------------------------------------------
def _number(value: float, unit: str) -> str:
    if unit == "rows/s":
        return f"{value:,.0f}"
    if unit == "s":
        return f"{value:.2f}"
    if unit.startswith("ms"):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return f"{value:g}"


def _ratio(figure: Figure) -> str:
    if figure.ratio is None:
        return ""
    if figure.unit == "rows/s":
        return f"{figure.ratio:.0%} of floor"
    if figure.key.startswith(("embedded", "external")):
        return f"adds {figure.extra['added_s']:+.2f} s" if figure.extra.get("added_s") is not None else ""
    if figure.key == "n2":
        return f"{figure.ratio:.2f}x speed-up"
    if figure.unit == "ms/request":
        return f"{figure.ratio:.2f}x the {figure.extra['reference_rows']:,}-row read"
    return f"{figure.ratio:.2f}x ours" if figure.ratio >= 0.1 else f"{figure.ratio:.3f}x ours"


def markdown(sections: dict[str, Section], targets: list[Target]) -> str:
    """The results as Markdown tables: printed by the runner and pasted into bench/README.md."""
    lines: list[str] = []
    for section in sections.values():
        lines.append(f"### {section.title}")
        lines.append("")
        if section.skipped:
            lines.append(f"Skipped: {section.skipped}")
            lines.append("")
            continue
        lines.append("| figure | unit | median | min | max | reps | vs reference | statements |")
        lines.append("|---|---|---:|---:|---:|---:|---|---|")
        for figure in section.figures:
            statements = ""
            count = figure.extra.get("statements_per_graph", figure.extra.get("statements_per_request"))
            if count is not None:
                kinds = ", ".join(f"{k} {v}" for k, v in figure.extra["statement_kinds"].items())
                statements = f"{count} ({kinds})"
            lines.append(
                f"| {figure.label} | {figure.unit} | {_number(figure.median, figure.unit)} "
                f"| {_number(figure.min, figure.unit)} | {_number(figure.max, figure.unit)} "
                f"| {len(figure.samples)}x{figure.batch} | {_ratio(figure)} | {statements} |"
            )
        if section.notes:
            lines.append("")
            lines.extend(f"- {note}" for note in section.notes)
        lines.append("")
    lines.append("### Targets")
    lines.append("")
    lines.append("| target | measured | threshold | verdict |")
    lines.append("|---|---|---|---|")
    for target in targets:
        verdict = target.verdict + (f" ({target.why})" if target.why else "")
        lines.append(f"| {target.description} | {target.value} | {target.threshold} | {verdict} |")
    return "\n".join(lines)


def write_json(path: Path, run: dict[str, Any], sections: dict[str, Section], targets: list[Target]) -> None:
    data = {
        "run": run,
        "sections": {key: section.to_json() for key, section in sections.items()},
        "targets": {target.key: target.to_json() for target in targets},
    }
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def print_figures(figures: list[Figure], notes: list[str]) -> None:
    """A section's figures as lines on the terminal, for the modules run on their own."""
    for figure in figures:
        ratio = f"  {figure.ratio:.2f}{figure.ratio_means}" if figure.ratio is not None else ""
        p99_text = f"  p99 {figure.extra['p99']:.1f}" if "p99" in figure.extra else ""
        print(f"{figure.label:55} {figure.median:10.3f} {figure.unit}{p99_text}{ratio}")
    for note in notes:
        print(f"  - {note}")
