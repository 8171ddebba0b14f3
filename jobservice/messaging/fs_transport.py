"""kombu's `filesystem://` transport with atomic message files.

kombu writes a message file in place (open, lock, write) while a consumer in another process
takes any file whose name matches, without looking at the lock: a consumer can take a file
before its content is written and then fails to decode an empty body. Here a message is
written under a temporary name that no consumer matches, then renamed (atomic on POSIX).
"""
from __future__ import annotations

import os
import uuid
from typing import Any

from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class AtomicChannel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # Consumers take any name containing ".<queue>.msg": the temporary name has no queue.
        temporary = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.tmp")
        try:
            with open(temporary, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class AtomicFilesystemTransport(filesystem.Transport):
    Channel = AtomicChannel
