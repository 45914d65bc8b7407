"""Errors capture raises for inputs it will not or cannot read."""

from __future__ import annotations


class CaptureError(Exception):
    """The input cannot be captured; ``reason`` is a sentence for the user saying why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedInput(CaptureError):
    """The file is of a type capture does not handle (not PDF, XML or a supported image)."""


class InputTooLarge(CaptureError):
    """The file exceeds a configured bound (pages, pixels, bytes) that protects time and memory."""


class BrokenInput(CaptureError):
    """The file claims a supported type but cannot be read (damaged, encrypted, empty)."""
