"""Exceptions a batch plugin or task message builder raises (docs/batching.md, "Failures").

- `BatchDefinitionError`: the definition (or the parameters) cannot be processed; the batch
  fails for good and the job fails with the message.
- `BatchTransientError`: a temporary problem (a network share that does not answer); the input
  is requeued and tried again, the subtasks already sent are sent again with the same ids.
Any other exception is a permanent failure too.
"""


class BatchDefinitionError(Exception):
    """The batch definition or its parameters are invalid."""


class BatchTransientError(Exception):
    """A temporary problem: try the same batch again later."""


class TaskBuildError(BatchDefinitionError):
    """A task message builder cannot build the task of an item."""


class BatchLimitError(BatchDefinitionError):
    """The batch asks for more than a configured limit allows (docs/batching.md, "Limits")."""
