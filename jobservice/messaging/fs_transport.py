"""kombu's `filesystem://` transport with atomic message files.

kombu writes a message file in place (open, lock, write) while a consumer in another process
takes any file whose name matches, without looking at the lock: a consumer can take a file
before its content is written and then fails to decode an empty body. Here a message is
written under a temporary name that no consumer matches, then renamed (atomic on POSIX).

kombu also lists and sorts the whole folder (every queue's files) for each message it takes:
quadratic in the backlog. Here a consumer keeps the sorted names of its queue from one
listing and takes them one by one, listing again only when they are used up (a file taken
by another consumer meanwhile is skipped: the rename that claims it fails).
"""
from __future__ import annotations

import os
import uuid
from collections import deque
from typing import Any

from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads


class AtomicChannel(filesystem.Channel):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listed: dict[str, deque[str]] = {}  # queue -> names from the last listing
        os.makedirs(self.processed_folder, exist_ok=True)

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

    def _get(self, queue: str) -> Any:
        listed = self._listed.get(queue)
        if not listed:
            listed = self._listed[queue] = self._list(queue)
        while listed:
            name = listed.popleft()
            # Claim the file by moving it out of the folder (the processed folder is on the
            # same file system, so this is an atomic rename); gone: another consumer took it.
            claimed = os.path.join(self.processed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except OSError:
                continue
            try:
                with open(claimed, "rb") as handle:
                    payload = handle.read()
                if not self.store_processed:
                    os.remove(claimed)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {claimed!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise filesystem.Empty()

    def _list(self, queue: str) -> deque[str]:
        suffix = f".{queue}.msg"
        return deque(sorted(name for name in os.listdir(self.data_folder_in) if name.endswith(suffix)))


class AtomicFilesystemTransport(filesystem.Transport):
    Channel = AtomicChannel
