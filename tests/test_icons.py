"""Our mark as the site's icon: served by the app at the addresses browsers ask for, and linked
from every layout (the app's, the error page's, the admin's)."""

import re
import struct

import pytest
from django.template.loader import render_to_string
from django.urls import reverse


def icon_links(html: str) -> dict[str, str]:
    links = re.findall(r'<link rel="(icon|apple-touch-icon)" href="([^"]+)"[^>]*>', html)
    return {href: rel for rel, href in links}


def ico_sizes(body: bytes) -> list[int]:
    """The sizes of the images in an .ico file, each checked to be a whole PNG."""
    _, kind, count = struct.unpack_from("<HHH", body)
    assert kind == 1
    sizes = []
    for n in range(count):
        width, _, _, _, _, _, length, offset = struct.unpack_from("<BBBBHHII", body, 6 + 16 * n)
        assert body[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(body)
        sizes.append(width or 256)
    return sizes


def test_favicon_ico_is_served_at_the_root_in_the_sizes_tabs_use(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert ico_sizes(body) == [16, 32, 48]


def test_home_screen_icon_is_served_at_the_root(client):
    response = client.get("/apple-touch-icon.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_every_layout_links_the_icons_and_each_link_answers(client, alice, staff):
    pages = [client.get(reverse("home")).content.decode()]
    client.force_login(alice)
    pages.append(client.get(reverse("dashboard")).content.decode())
    client.force_login(staff)
    pages.append(client.get(reverse("admin:index")).content.decode())
    pages.append(render_to_string("500.html"))
    for html in pages:
        links = icon_links(html)
        assert set(links.values()) == {"icon", "apple-touch-icon"}, html[:300]
        for href in links:
            assert client.get(href).status_code == 200, href
