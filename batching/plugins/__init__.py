"""Batch plugins: the protocol (`base`) and the built-in plugins."""
