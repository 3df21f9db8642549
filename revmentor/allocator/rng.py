"""A random stream that gives the same numbers on every machine and Python version.

The allocator never uses :mod:`random` or numpy's ``Generator`` methods. Both are stable
in practice, but neither promises that its *sampling* algorithms (``randrange``,
``integers``, ``shuffle``) will never change between versions. What numpy does promise
(NEP 19) is that a bit generator's raw output for a given seed is fixed: ``PCG64`` seeded
through ``SeedSequence`` is a fully specified algorithm. So we take raw 64-bit words from
``PCG64(seed)`` and do every reduction to an integer range or a float ourselves, with
integer arithmetic (exact) or IEEE-754 double arithmetic (identical everywhere).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.random import PCG64

_TWO_POW_MINUS_53 = 1.0 / 9007199254740992.0
_BLOCK = 1024
_MASK64 = (1 << 64) - 1


class Stream:
    """Deterministic random numbers drawn from ``PCG64(seed)`` raw output."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError("seed must be a non-negative integer")
        self._bits = PCG64(seed)
        self._buffer: list[int] = []

    def _word(self) -> int:
        # Scalar draws come from a buffer, refilled in fixed blocks, so the sequence of
        # words consumed depends only on the calls made, never on timing or platform.
        if not self._buffer:
            self._buffer = self.words(_BLOCK).tolist()[::-1]
        return self._buffer.pop()

    def words(self, count: int) -> npt.NDArray[np.uint64]:
        """Return the next ``count`` raw 64-bit words (an empty array when ``count`` is 0)."""
        if count <= 0:
            return np.zeros(0, dtype=np.uint64)
        return np.asarray(self._bits.random_raw(count), dtype=np.uint64)

    def below(self, bound: int) -> int:
        """Return an integer uniform on ``[0, bound)``, exactly, for any positive ``bound``.

        Works for arbitrarily large Python integers (allocation counts can exceed 2**64):
        draws enough 64-bit words for ``bound.bit_length()`` bits and rejects values at or
        above ``bound``, so every value is exactly equally likely.
        """
        if bound <= 0:
            raise ValueError("bound must be positive")
        if bound == 1:
            return 0
        if bound <= _MASK64:
            # Lemire's multiply-and-shift with rejection: exact and one word per draw.
            threshold = ((1 << 64) - bound) % bound
            while True:
                product = self._word() * bound
                if product & _MASK64 >= threshold:
                    return product >> 64
        nbits = (bound - 1).bit_length()
        nwords = (nbits + 63) // 64
        excess = nwords * 64 - nbits
        while True:
            value = 0
            for _ in range(nwords):
                value = (value << 64) | self._word()
            value >>= excess
            if value < bound:
                return value

    def uniforms(self, count: int) -> list[float]:
        """Return ``count`` floats uniform on ``[0, 1)`` with 53 random bits each.

        Used by the randomised method, which turns a float ``u`` into an index below
        ``n`` as ``int(u * n)`` (bias below ``n / 2**53``); the exact sampler uses
        :meth:`below` instead.
        """
        floats = (self.words(count) >> np.uint64(11)).astype(np.float64) * _TWO_POW_MINUS_53
        result: list[float] = floats.tolist()
        return result

    def permutation(self, size: int) -> npt.NDArray[np.int64]:
        """Return a random permutation of ``range(size)``: the order of fresh random words.

        Ties between 64-bit words (chance below ``size**2 / 2**65``) are broken by
        position, so the result is deterministic; it is uniform up to that chance.
        """
        return np.argsort(self.words(size), kind="stable").astype(np.int64)
