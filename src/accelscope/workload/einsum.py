"""Lowering an einsum contraction of two operands to one batched GEMM.

For ``A, B -> C`` with index sets: *batch* indices appear in A, B and C; *contracted*
(K) in A and B but not C; *rows* (M) only in A and C; *columns* (N) only in B and C. The
product is ``prod(batch)`` GEMMs of ``M x K`` by ``K x N``, ``prod(batch) M K N`` MACs,
which is what the einsum costs on any tensor unit whatever the operand layouts (a
transpose is free data movement). Anything else -- one operand, three or more, an index
summed within one operand, a repeated index (a trace or diagonal) -- is not a GEMM and
raises :class:`EinsumError` naming the equation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class EinsumError(ValueError):
    """The equation is not a two-operand contraction (message names it)."""


@dataclass(frozen=True)
class EinsumGemm:
    batch: int
    m: int
    k: int
    n: int

    def layer(self, weights: tuple[bool, bool]) -> tuple[str, dict[str, int | bool]]:
        """``("linear", fields)`` when an operand is a weight (*weights*: operand A, B)
        and nothing is batched -- the weight is B when both are -- else
        ``("matmul", fields)``; fields of the IR operator."""
        if self.batch == 1 and any(weights):
            b_is_weight = weights[1]
            return "linear", {
                "rows": self.m if b_is_weight else self.n,
                "in_features": self.k,
                "out_features": self.n if b_is_weight else self.m,
                "bias": False,
            }
        return "matmul", {"batch": self.batch, "m": self.m, "k": self.k, "n": self.n}


def lower_einsum(equation: str, shapes: list[tuple[int, ...]]) -> EinsumGemm:
    """The batched GEMM of *equation* (``"bij,bjk->bik"``) on operands of *shapes*."""
    text = equation.replace(" ", "")
    if "..." in text:
        raise EinsumError(f"einsum '{equation}': ellipsis ('...') is not supported")
    if "->" not in text:
        raise EinsumError(f"einsum '{equation}': give the output explicitly ('...->...')")
    lhs, out = text.split("->")
    operands = lhs.split(",")
    if len(operands) != 2 or len(shapes) != 2:
        raise EinsumError(f"einsum '{equation}': only products of two operands are GEMMs")
    a, b = operands
    for term, shape in zip(operands, shapes, strict=True):
        if len(term) != len(shape):
            raise EinsumError(f"einsum '{equation}': '{term}' does not match shape {shape}")
        if len(set(term)) != len(term):
            raise EinsumError(f"einsum '{equation}': repeated index in '{term}' (a diagonal)")
    size: dict[str, int] = {}
    for term, shape in zip(operands, shapes, strict=True):
        for index, dim in zip(term, shape, strict=True):
            if size.setdefault(index, int(dim)) != int(dim) and 1 not in (size[index], int(dim)):
                raise EinsumError(f"einsum '{equation}': index '{index}' has two sizes")
            size[index] = max(size[index], int(dim))
    sa, sb, so = set(a), set(b), set(out)
    if so - (sa | sb):
        raise EinsumError(f"einsum '{equation}': output index not in any operand")
    if (sa - sb - so) or (sb - sa - so):
        raise EinsumError(
            f"einsum '{equation}': an index summed within one operand is a reduction, not a GEMM"
        )

    def prod(indices: set[str]) -> int:
        return math.prod(size[i] for i in indices) if indices else 1

    return EinsumGemm(
        batch=prod(sa & sb & so),
        m=prod((sa - sb) & so),
        k=prod((sa & sb) - so),
        n=prod((sb - sa) & so),
    )
