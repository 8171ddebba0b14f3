"""Database settings for the admin's interactive pages."""
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def interactive_queries() -> Iterator[None]:
    """Runs the block with PostgreSQL's JIT compilation off.

    PostgreSQL JIT-compiles a query when its estimated cost is high, and the list's searches
    (ORs, EXISTS on labels) are estimated as if every row were read: compiling then takes
    100-250 ms, far longer than the LIMITed query itself runs. `SET LOCAL` keeps the change
    to this block's own transaction, so the pooled connection is left as it was.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield
