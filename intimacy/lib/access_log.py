"""gunicorn's access log without the secrets of addresses (`--logger-class` in the Dockerfile).

gunicorn writes each request's line, its referrer and, in custom formats, its headers and
environment. An invite link, a password-reset link or a calendar address in those lines would
let whoever reads the logs in: every value of the line is redacted as `intimacy.lib.
secret_urls` says, for the path asked for and for the page it was asked from.
"""

import datetime as dt
from typing import Any

from gunicorn.glogging import Logger

from .secret_urls import HIDDEN, secrets_in


class RedactingLogger(Logger):
    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: dt.timedelta
    ) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        secrets = secrets_in(environ.get("PATH_INFO") or "/")
        secrets += secrets_in(environ.get("HTTP_REFERER") or "/")
        if not secrets:
            return atoms
        redacted = {}
        for name, value in atoms.items():
            if isinstance(value, str):
                for secret in secrets:
                    value = value.replace(secret, HIDDEN)
            redacted[name] = value
        return redacted
