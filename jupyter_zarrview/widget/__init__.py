"""The notebook widget."""

from __future__ import annotations

from .zarrview import ZarrView

__all__ = ["ZarrView"]
