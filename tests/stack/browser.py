"""A person in front of the stack: their browser through the TLS proxy's door, and their mail.

The browser sends what a proxy in front of the web container forwards (the public host name,
`X-Forwarded-Proto: https`, a client address), keeps cookies as a browser does (secure ones
included: the proxy speaks TLS to the browser), fills in forms as found on the page and follows
redirects. The mailbox reads what the stack's own mail server kept. Standard library only.
"""

from __future__ import annotations

import email
import email.policy
import html.parser
import http.client
import http.cookies
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from containers import StepFailed, expect

if TYPE_CHECKING:
    from containers import Stack

PASSWORD = "a quiet lake in the morning"

# --- The mail the stack's SMTP service received ---------------------------------------------


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    arrived: float


class Mailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: dict[str, Mail] = {}

    def messages(self) -> list[Mail]:
        for path in sorted(self.folder.glob("*.eml")):
            if path.name not in self._seen:
                msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                body = msg.get_body(("plain",))
                self._seen[path.name] = Mail(
                    to=str(msg["X-Envelope-To"]),
                    subject=str(msg["Subject"]),
                    text=body.get_content() if body else "",
                    arrived=path.stat().st_mtime,
                )
        return list(self._seen.values())

    def count(self) -> int:
        return sum(1 for _ in self.folder.glob("*.eml"))

    def wait(self, predicate: Callable[[Mail], bool], what: str, timeout: float = 30) -> Mail:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages() if predicate(m)]
            if found:
                return found[-1]
            time.sleep(0.2)
        raise StepFailed(f"no email {what} within {timeout:.0f} s")


# --- A person's browser, through the proxy's door ---------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, kind

    def values(self, **changes: str | list[str]) -> list[tuple[str, str]]:
        """What a browser sends with `changes` made (a list sets every value of a name)."""
        sent = [(n, v) for n, v, kind in self.fields if n not in changes and kind != "unchecked"]
        for name, value in changes.items():
            sent += [(name, v) for v in (value if isinstance(value, list) else [value])]
        return sent


class _Forms(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                kind = "unchecked"
            default = "on" if kind in ("checkbox", "radio", "unchecked") else ""
            if kind not in ("submit", "button", "image"):
                self.forms[-1].fields.append((a["name"], a.get("value", default), kind))
        elif tag == "select":
            self._select, self._select_value = a.get("name"), None
        elif tag == "option" and self._select:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select and self.forms:
            self.forms[-1].fields.append((self._select, self._select_value or "", "select"))
            self._select = None
        elif tag == "textarea" and self._textarea and self.forms:
            self.forms[-1].fields.append((self._textarea, self._text.lstrip("\n"), "textarea"))
            self._textarea = None


@dataclass
class Page:
    status: int
    path: str
    text: str
    headers: http.client.HTTPMessage
    redirects: list[str]
    seconds: float

    def form(self, *, action: str | None = None, has: str | None = None) -> Form:
        """The first form posting to `action` (a path, or a prefix ending in `*`) and having
        a field named `has`."""
        parser = _Forms()
        parser.feed(self.text)
        for form in parser.forms:
            target = urllib.parse.urljoin(self.path, form.action or self.path)
            path = urllib.parse.urlsplit(target).path
            if (
                action is None
                or path == action
                or (action.endswith("*") and path.startswith(action[:-1]))
            ) and (has is None or any(name == has for name, _, _ in form.fields)):
                form.action = target
                return form
        words = " ".join(re.sub(r"<[^>]+>", " ", self.text).split())
        raise StepFailed(
            f"no form (action={action}, field={has}) on {self.path} ({self.status}): {words[:600]}"
        )


class Browser:
    """Sends what a TLS proxy in front of the web container forwards for one person."""

    def __init__(self, stack: Stack, site_url: str, client_ip: str) -> None:
        self.port = stack.port
        self.site = site_url.rstrip("/")
        self.host = urllib.parse.urlsplit(site_url).netloc
        self.client_ip = client_ip
        self.cookies: dict[str, str] = {}

    def _send(
        self, method: str, path: str, body: list[tuple[str, str]] | None, timeout: float
    ) -> tuple[int, http.client.HTTPMessage, str]:
        headers = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_ip,
            "User-Agent": "check-stack",
            "Accept": "text/html",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.site
            headers["Referer"] = self.site + path
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, data, headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for raw in resp.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return resp.status, resp.headers, text

    def request(
        self,
        method: str,
        url: str,
        body: list[tuple[str, str]] | None = None,
        *,
        follow: bool = True,
        timeout: float = 30,
    ) -> Page:
        path = self.path_of(url)
        started = time.monotonic()
        status, headers, text = self._send(method, path, body, timeout)
        redirects = []
        while follow and status in (301, 302, 303) and len(redirects) < 10:
            path = self.path_of(headers["Location"], base=path)
            redirects.append(path)
            status, headers, text = self._send("GET", path, None, timeout)
        return Page(status, path, text, headers, redirects, time.monotonic() - started)

    def get(self, url: str, **kw: object) -> Page:
        return self.request("GET", url, **kw)  # type: ignore[arg-type]

    def submit(self, form: Form, **changes: str | list[str]) -> Page:
        return self.request("POST", form.action, form.values(**changes))

    def path_of(self, url: str, base: str = "/") -> str:
        parts = urllib.parse.urlsplit(urllib.parse.urljoin(self.site + base, url))
        expect(parts.netloc == self.host, f"a link away from the site: {url}")
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def log_in(self, email_address: str, password: str = PASSWORD) -> Page:
        page = self.get("/accounts/login/")
        page = self.submit(page.form(has="login"), login=email_address, password=password)
        expect(page.path == "/dashboard/", f"login of {email_address} ended at {page.path}")
        return page


def text_of(page: Page) -> str:
    """The page's words, without tags, for looking for what a person reads."""
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
