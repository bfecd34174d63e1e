"""Every URL pattern of the project, walked from the URL configuration."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route itself when unnamed
    route: str  # the pattern, e.g. "prompts/sets/<slug:slug>/"
    params: tuple[str, ...]


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> list[Route]:
    routes = []
    for pattern in patterns:
        part = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            routes += _walk(pattern.url_patterns, prefix + part, full_ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + part
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            routes.append(Route(name=name or route, route=route, params=params))
    return routes


def all_routes() -> list[Route]:
    return _walk(get_resolver().url_patterns)


def fill(route: str, values: dict[str, object]) -> str:
    """The route with each parameter (<converter:name>, or a regex's (?P<name>...)) replaced
    by values[name]."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\Z", "").lstrip("/")
