"""The Celery broker of `make run` when there is no Redis: kombu's file-system transport, with
each message written whole before it can be taken.

kombu writes a message into its final file name and then fills it, while a worker takes any
file of that name it sees: under load a worker read half a message, failed on the JSON and took
`make run` down with it. Here a message is written under a name no worker takes, then renamed
into place, which is atomic.
"""

import os
import uuid
from time import monotonic_ns

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

SCHEME = "filesystem-whole"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: dict, **kwargs: object) -> None:
        # As kombu names them: the time first, so workers take them in order.
        stamp = f"{monotonic_ns() // 1_000_000}_{uuid.uuid4()}"
        name = os.path.join(self.data_folder_out, f"{stamp}.{queue}.msg")
        # Workers take "<anything>.<queue>.msg" only: this name is theirs once renamed.
        partial = name + ".partial"
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, name)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {name!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    """Make `filesystem-whole://` a broker URL (called where the Celery app is made)."""
    TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"
