"""Ends the process when imported, as `unittest.__main__` does: the batch registry must never
import it for a job, and survive importing it when an operator allowed it."""
import sys

sys.exit("tests.batching.exits_on_import was imported")
