"""Numeric precisions and their storage sizes."""

from __future__ import annotations

from typing import Literal

Precision = Literal["int8", "int16", "fp16", "bf16", "fp32"]

BYTES_PER_ELEMENT: dict[str, int] = {"int8": 1, "int16": 2, "fp16": 2, "bf16": 2, "fp32": 4}


def bytes_per_element(precision: str) -> int:
    """Storage bytes of one operand element at *precision*."""
    from accelscope.errors import SpecError, suggest

    try:
        return BYTES_PER_ELEMENT[precision]
    except KeyError:
        raise SpecError(
            f"unknown precision '{precision}'; expected one of "
            f"{', '.join(BYTES_PER_ELEMENT)}{suggest(precision, list(BYTES_PER_ELEMENT))}"
        ) from None
