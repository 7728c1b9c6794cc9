"""Every handler the extension registers refuses strangers, and every mutating one refuses forged posts.

The list of routes comes from the extension itself (`HANDLERS`), so a handler added later is covered
without touching this file: each of its HTTP methods is called with no credentials (401/403), and each
mutating method is called with a valid login cookie but no XSRF token (403).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.web import RequestHandler
from tornado.websocket import websocket_connect

from hpc_lab_ext.handlers import HANDLERS
from hpc_lab_ext.handlers.updates import UpdatesHandler

MUTATING = ("post", "put", "patch", "delete")
METHODS = ("get", *MUTATING)
_GROUP = re.compile(r"\([^)]*\)")


def concrete(pattern: str) -> str:
    """A path matching a route: every capture group filled with a plausible value."""
    return _GROUP.sub("0123abcd", pattern)


def routes() -> list[tuple[str, str]]:
    """(path, method) for every method every registered handler implements."""
    found = []
    for pattern, handler in HANDLERS:
        if handler is UpdatesHandler:
            continue  # a websocket: covered below
        for method in METHODS:
            own = getattr(handler, method, None)
            if own is not None and own is not getattr(RequestHandler, method):
                found.append((concrete(pattern), method.upper()))
    return found


def test_the_route_list_covers_the_api() -> None:
    paths = {(p.removeprefix("/hpc-lab-ext/api/v1/"), m) for p, m in routes()}
    for expected in [
        ("status", "GET"),
        ("jobs", "GET"),
        ("jobs/0123abcd/0123abcd", "POST"),
        ("nodes", "GET"),
        ("partitions", "GET"),
        ("profiles", "GET"),
        ("clusters", "GET"),
        ("clusters", "POST"),
        ("clusters/0123abcd", "GET"),
        ("clusters/0123abcd", "DELETE"),
        ("clusters/0123abcd/scale", "POST"),
        ("clusters/0123abcd/adapt", "POST"),
        ("logs/0123abcd", "GET"),
        ("history", "GET"),
        ("history/0123abcd/resubmit", "POST"),
    ]:
        assert expected in paths


async def fetch(url: str, method: str, headers: dict[str, str] | None = None) -> int:
    body = "{}" if method in ("POST", "PUT", "PATCH") else None
    request = HTTPRequest(
        url,
        method=method,
        body=body,
        headers=headers or {},
        follow_redirects=False,
        allow_nonstandard_methods=True,
    )
    try:
        response = await AsyncHTTPClient().fetch(request)
    except HTTPClientError as e:
        return e.code
    return response.code


@pytest.mark.parametrize(("path", "method"), routes())
async def test_every_handler_refuses_an_unauthenticated_request(
    path: str, method: str, jp_http_port: int, jp_base_url: str, http_server_client: Any
) -> None:
    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url.rstrip('/')}{path}"
    code = await fetch(url, method)
    assert code in (401, 403), f"{method} {path} answered {code} without credentials"


async def login_cookie(port: int, base: str, token: str) -> str:
    """A session cookie, as a browser gets it by opening the URL with ?token=."""
    request = HTTPRequest(f"http://127.0.0.1:{port}{base}lab?token={token}", follow_redirects=False)
    try:
        response = await AsyncHTTPClient().fetch(request)
        headers = response.headers
    except HTTPClientError as e:
        assert e.response is not None
        headers = e.response.headers
    cookies = [c.split(";", 1)[0] for c in headers.get_list("Set-Cookie")]
    login = [c for c in cookies if c.startswith("username-")]
    assert login, f"no login cookie in {cookies}"
    return "; ".join(cookies)


@pytest.mark.parametrize(("path", "method"), [r for r in routes() if r[1].lower() in MUTATING])
async def test_every_mutating_handler_refuses_a_request_without_xsrf(
    path: str, method: str, jp_http_port: int, jp_base_url: str, jp_serverapp: Any, http_server_client: Any
) -> None:
    token = jp_serverapp.identity_provider.token
    cookie = await login_cookie(jp_http_port, jp_base_url, token)
    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url.rstrip('/')}{path}"
    # the same cookie is enough for a read...
    assert await fetch(f"http://127.0.0.1:{jp_http_port}{jp_base_url}hpc-lab-ext/api/v1/status", "GET",
                       {"Cookie": cookie}) == 200  # fmt: skip
    # ...but a write without the XSRF token is refused before it reaches the handler
    code = await fetch(url, method, {"Cookie": cookie})
    assert code == 403, f"{method} {path} answered {code} to a cookie-only request"


async def test_the_updates_websocket_refuses_strangers(
    jp_http_port: int, jp_base_url: str, http_server_client: Any
) -> None:
    url = f"ws://127.0.0.1:{jp_http_port}{jp_base_url}hpc-lab-ext/api/v1/updates"
    with pytest.raises(HTTPClientError) as info:
        await websocket_connect(HTTPRequest(url))
    assert info.value.code in (401, 403)
