"""`AssetIdBatchPlugin`: a list of ids (documents, assets), one item per id.

Definition: a JSON array of strings or numbers (`["doc-1", "doc-2"]`), or a comma-separated
list (`doc-1, doc-2`). More ids than the leaf size: cut into sub-batches (JSON arrays), at
most `fanout` of them; otherwise each id becomes one task built by the task message builder.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping

from batching import limits
from batching.errors import BatchDefinitionError
from batching.plugins.base import Registrar, TaskBuilder, register_built, require_builder, split_evenly
from batching.plugins.tuning import Splitting
from jobservice.messaging.messages import JSON_ERRORS

_COMMA = re.compile(r"\s*,\s*")


def parse_ids(definition: str | None) -> list[str]:
    text = (definition or "").strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except JSON_ERRORS:
            raise BatchDefinitionError("The batch definition is not a valid JSON array of ids.") from None
        if not isinstance(values, list) or not all(
            isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool))
            for value in values
        ):
            raise BatchDefinitionError("The batch definition must be an array of strings or numbers.")
        ids = [value if isinstance(value, str) else json.dumps(value) for value in values]
    else:
        ids = [token for token in _COMMA.split(text) if token]
    if not ids:
        raise BatchDefinitionError("No ids in the batch definition.")
    return ids


class IdListPlugin:
    def __init__(self, *, fanout: int | None = None, leaf_size: int | None = None) -> None:
        self.fanout = fanout
        self.leaf_size = leaf_size

    def process_batch(self, definition: str | None, *, builder: TaskBuilder | None,
                      params: Mapping[str, str], registrar: Registrar) -> None:
        ids = parse_ids(definition)
        limits.check_item_count(len(ids))
        splitting = Splitting.from_params(params, fanout=self.fanout, leaf_size=self.leaf_size)
        parts = splitting.parts_for(len(ids))
        if parts:
            for part in split_evenly(ids, parts):
                registrar.register_batch(json.dumps(list(part), ensure_ascii=False))
            return
        builder = require_builder(builder)
        for item in ids:
            register_built(registrar, builder, item, params)
