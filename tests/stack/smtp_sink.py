"""The stack check's mail server: takes every message over SMTP and keeps it as a file.

Runs inside the compose stack (tests/stack/compose.override.yml) on Python 3.11's standard
library, so the stand-in image needs nothing installed. Each message is written whole, then
renamed, so whoever reads the folder never sees half a message.
"""

import asyncore
import itertools
import os
import smtpd
import sys

FOLDER = sys.argv[1] if len(sys.argv) > 1 else "/mail"
numbers = itertools.count(1)


class Sink(smtpd.SMTPServer):
    def process_message(
        self, peer: tuple, mailfrom: str, rcpttos: list[str], data: bytes, **kwargs: object
    ) -> None:
        n = next(numbers)
        tmp = os.path.join(FOLDER, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(rcpttos).encode() + b"\r\n" + data)
        os.rename(tmp, os.path.join(FOLDER, f"{n:07d}.eml"))


if __name__ == "__main__":
    os.makedirs(FOLDER, exist_ok=True)
    Sink(("0.0.0.0", 1025), None, decode_data=False)  # noqa: S104 - inside the stack's network
    print(f"smtp sink: listening on :1025, keeping mail in {FOLDER}", flush=True)
    asyncore.loop()
