"""`make run`'s broker without Redis: a worker never takes half a message (kombu's own file-system
transport let it, and the JSON error stopped `make run`: 136 of 300 messages of 2 MB here)."""

import json
import threading
from queue import Empty

from kombu import Connection
from kombu.exceptions import ChannelError

from intimacy.lib import filesystem_broker


def test_a_worker_reads_every_message_whole_while_they_are_written(tmp_path):
    filesystem_broker.register()
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
    }
    count, body = 120, "x" * 1_000_000  # big messages: writing each takes a while

    def write() -> None:
        with Connection("filesystem-whole://", transport_options=options) as connection:
            channel = connection.channel()
            for i in range(count):
                channel._put("q", {"body": body, "i": i})

    writer = threading.Thread(target=write)
    writer.start()
    read, broken = [], 0
    with Connection("filesystem-whole://", transport_options=options) as connection:
        channel = connection.channel()
        while len(read) + broken < count and (writer.is_alive() or any(tmp_path.glob("*.msg"))):
            try:
                read.append(channel._get("q")["i"])
            except json.JSONDecodeError:
                broken += 1
            except (Empty, ChannelError):
                pass
    writer.join()
    assert broken == 0
    assert read == list(range(count))  # whole, and in the order they were sent
