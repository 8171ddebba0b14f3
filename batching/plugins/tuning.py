"""How wide and how deep the splitting plugins cut (settings BATCH_FANOUT, BATCH_LEAF_SIZE,
overridable per job with taskMessageParams `fanout` / `leafSize`, both bounded: limits.py)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from batching import limits


@dataclass(frozen=True)
class Splitting:
    fanout: int
    leaf_size: int

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, fanout: int | None = None,
                    leaf_size: int | None = None) -> Splitting:
        # Read at call time so that settings overrides (tests, per-process env) apply.
        return cls(fanout=limits.fanout(params, fanout), leaf_size=limits.leaf_size(params, leaf_size))

    def parts_for(self, count: int) -> int:
        """Number of sub-batches for `count` items, 0 when they are few enough to be items.

        No more parts than needed to get under the leaf size, and never one part (a
        sub-batch equal to its parent would split forever).
        """
        if count <= self.leaf_size:
            return 0
        return max(2, min(self.fanout, math.ceil(count / self.leaf_size)))
