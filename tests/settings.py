"""Settings of the test suite: the service's own, with a secret key of its own.

The service refuses to start without DJANGO_SECRET_KEY. The key is put in the environment
(before the service's settings read it) so that the processes the tests start (the end-to-end
pipeline, workers, the tracker) inherit the same key and accept each other's signatures.
"""
import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-" + secrets.token_urlsafe(40))

from jobservice.settings import *  # noqa: E402,F403
