"""What the fuzz tests sent and got: requests by endpoint and status, printed after the run."""

from __future__ import annotations

from collections import Counter, defaultdict

__all__ = ["TALLY", "summary"]

TALLY: defaultdict[str, Counter[int]] = defaultdict(Counter)


def summary() -> list[str]:
    """One line per endpoint, and a total; nothing when no fuzz test ran."""
    if not TALLY:
        return []
    lines = []
    total: Counter[int] = Counter()
    for endpoint, statuses in sorted(TALLY.items()):
        total.update(statuses)
        lines.append(f"{endpoint}: {_line(statuses)}")
    lines.append(f"all: {_line(total)}")
    return lines


def _line(statuses: Counter[int]) -> str:
    by_status = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    return f"{sum(statuses.values())} requests ({by_status})"
