"""The stack check's mail server: takes every message over SMTP and keeps it as a file.

Runs inside the compose stack (tests/stack/compose.override.yml) on Python 3.11's standard
library, so the stand-in image needs nothing installed. Each message is written whole, then
renamed, so whoever reads the folder never sees half a message.

So that the check can kill a worker in the middle of sending, whatever the machine's load, the
check may write `hold` into the folder: `<domain> <n>`. After the n-th message to that domain
the server stops answering (every sender waits in the middle of its batch), writes `held`,
and goes on when `release` appears (or after two minutes).
"""

import asyncore
import itertools
import os
import smtpd
import sys
import time

FOLDER = sys.argv[1] if len(sys.argv) > 1 else "/mail"
numbers = itertools.count(1)


class Sink(smtpd.SMTPServer):
    held = False
    to_domain = 0

    def process_message(
        self, peer: tuple, mailfrom: str, rcpttos: list[str], data: bytes, **kwargs: object
    ) -> None:
        self.maybe_hold(rcpttos)
        n = next(numbers)
        tmp = os.path.join(FOLDER, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(rcpttos).encode() + b"\r\n" + data)
        os.rename(tmp, os.path.join(FOLDER, f"{n:07d}.eml"))

    def maybe_hold(self, rcpttos: list[str]) -> None:
        hold = os.path.join(FOLDER, "hold")
        if self.held or not os.path.exists(hold):
            return
        with open(hold) as f:
            domain, after = f.read().split()
        if not any(r.endswith(domain) for r in rcpttos):
            return
        self.to_domain += 1
        if self.to_domain <= int(after):
            return
        self.held = True
        open(os.path.join(FOLDER, "held"), "w").close()
        deadline = time.monotonic() + 120
        while not os.path.exists(os.path.join(FOLDER, "release")) and time.monotonic() < deadline:
            time.sleep(0.05)


if __name__ == "__main__":
    os.makedirs(FOLDER, exist_ok=True)
    Sink(("0.0.0.0", 1025), None, decode_data=False)  # noqa: S104 - inside the stack's network
    print(f"smtp sink: listening on :1025, keeping mail in {FOLDER}", flush=True)
    asyncore.loop()
