"""The httpx transport that enforces a ``FetchPolicy`` (``certs.fetch_policy``) on every
request and redirect hop: the host resolved once, each address checked, the connection made
to the checked address (DNS rebinding gains nothing). Imported only where something is
fetched over HTTP."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx

from certs.fetch_policy import DEFAULT_PORTS, Address, FetchPolicy, Resolver, literal_address


async def system_resolve(host: str, port: int) -> list[Address]:
    """The addresses of ``host`` from the system's resolver (an address literal as it is)."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpx.ConnectError(f"{host}: {exc.strerror}") from exc
    found: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends a request only where ``policy`` allows, to the very
    address that was checked. No proxy from the environment, no connection kept alive (a
    connection is never reused for another host name)."""

    def __init__(self, policy: FetchPolicy, resolve: Resolver = system_resolve) -> None:
        self.policy = policy
        self.resolve = resolve
        self._inner = httpx.AsyncHTTPTransport(
            trust_env=False, limits=httpx.Limits(max_keepalive_connections=0)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        self.policy.check_url(url)
        port = url.port or DEFAULT_PORTS[url.scheme]
        addresses = await self.resolve(url.host, port)
        if not addresses:
            raise httpx.ConnectError(f"{url.host}: no address", request=request)
        self.policy.check_addresses(url, addresses)
        failure: httpx.ConnectError | None = None
        for address in addresses:
            pinned = httpx.Request(
                request.method,
                url.copy_with(host=str(address)),
                headers=request.headers,  # Host: the name, as the URL says
                stream=request.stream,
                extensions={**request.extensions, "sni_hostname": url.host},
            )
            try:
                return await self._inner.handle_async_request(pinned)
            except httpx.ConnectError as exc:  # the next address, as a client does
                failure = exc
        assert failure is not None
        raise failure

    async def aclose(self) -> None:
        await self._inner.aclose()
