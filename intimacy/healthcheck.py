"""The web container's health check: `python -m intimacy.healthcheck`.

It asks `/healthz/` (the database and Redis answer) as the TLS proxy in front would, with the
public host name and `X-Forwarded-Proto: https`, so neither ALLOWED_HOSTS nor the redirect to
HTTPS gets in the way. A module rather than a script inline in docker-compose.yml: podman
splits a health check's arguments at spaces.
"""

import os
import sys
import urllib.parse
import urllib.request


def main() -> int:
    host = urllib.parse.urlsplit(os.environ["SITE_URL"]).netloc
    request = urllib.request.Request(
        "http://127.0.0.1:8000/healthz/", headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - fixed URL
            body = response.read()
    except OSError as exc:
        print(f"healthz: {exc}")
        return 1
    print(f"healthz: {body.decode(errors='replace')}")
    return 0 if body == b"ok" else 1


if __name__ == "__main__":
    sys.exit(main())
