"""The worker protocol: message codec, broker access, worker base class.

Imports no Django app, so any Python worker can use it on its own.
"""
