"""Value objects of a dataset's description: axes, pyramid levels, channels."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Axis", "Channel", "Level"]


@dataclass(frozen=True)
class Axis:
    name: str
    type: str | None = None  # "time", "channel", "space", or None when unknown
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Level:
    """One pyramid level: where it lives in the store and where its pixels sit in space."""

    path: str
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    scale: tuple[float, ...]
    translation: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "shape": list(self.shape),
            "chunks": list(self.chunks),
            "scale": list(self.scale),
            "translation": list(self.translation),
        }


@dataclass(frozen=True)
class Channel:
    label: str
    color: str  # "RRGGBB"
    window: tuple[float, float, float, float]  # min, max, start, end
    active: bool = True
    inverted: bool = False

    def to_dict(self) -> dict[str, Any]:
        lo, hi, start, end = self.window
        return {
            "label": self.label,
            "color": self.color,
            "active": self.active,
            "inverted": self.inverted,
            "window": {"min": lo, "max": hi, "start": start, "end": end},
        }
