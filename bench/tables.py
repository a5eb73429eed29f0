"""The one table format of `make bench`: a Markdown table of measures against their goals."""

from __future__ import annotations


def report(title: str, rows) -> int:
    """Print ``rows`` of ``(measure, value, goal, met)`` under ``title``; 0 if every goal is met, else 1."""
    print(f"## {title}\n")
    print("| measure | value | goal | met |\n|---|---:|---|---|")
    for name, value, goal, ok in rows:
        print(f"| {name} | {value} | {goal} | {'yes' if ok else 'NO'} |")
    return 0 if all(ok for *_, ok in rows) else 1
