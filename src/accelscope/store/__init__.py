"""Durable, resumable result storage."""

from accelscope.store.parts import PartStore

__all__ = ["PartStore"]
