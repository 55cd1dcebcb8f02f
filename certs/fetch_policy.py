"""Where revocation data may be fetched from: the URLs come from whoever made a document.

A certificate's OCSP, CRL and CA-issuer URLs are chosen by its issuer, that is, for an
uploaded document, by anyone. Followed blindly they make the verifier a proxy into its own
network: the cloud metadata service (169.254.169.254), the database next door, an admin page
on loopback (server-side request forgery). ``FetchPolicy`` says which URLs may be asked:

* hosts the operator lists as trusted (``host`` for ports 80 and 443, or ``host:port``),
  whatever their address: an agency's internal OCSP responder;
* with ``public``, any other host whose every address is public (globally routable);
* only ``http`` and ``https``.

``certs.fetch_transport.GuardedTransport`` enforces it on every request, redirects included
(each hop is a request of its own): it resolves the host once, checks each address, and
connects to the address it checked, so a name that answers a public address to the check
and a private one to the connection (DNS rebinding) gains nothing. The ``Host`` header and,
for https, the server name checked in the certificate stay the host's name.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # httpx (0.1 s to import) only where something is fetched
    import httpx

Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
#: resolves a host name (or an address literal) and port to the addresses to connect to
Resolver: TypeAlias = Callable[[str, int], Awaitable[list[Address]]]
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
#: NAT64 prefixes (RFC 6052, RFC 8215): the IPv4 address is in the last 32 bits
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)


def _host_entry(host: str, port: int) -> str:
    host = host.lower().rstrip(".")
    if ":" in host:  # IPv6, one spelling of it
        return f"[{ipaddress.IPv6Address(host)}]:{port}"
    return f"{host}:{port}"


_ENTRY = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9._-]+))(?::(?P<port>\d{1,5}))?"
)


def parse_hosts(text: str) -> frozenset[str]:
    """Trusted hosts from ``host[:port]`` entries separated by commas (``[v6]:port`` for
    IPv6): ``host:port`` each, a host without a port standing for ports 80 and 443.
    Raises ValueError on an entry that is not a host."""
    hosts: set[str] = set()
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        match = _ENTRY.fullmatch(raw)
        port = int(match["port"]) if match and match["port"] else None
        if match is None or port == 0 or (port or 0) > 65535:
            raise ValueError(f"{raw!r} is not a host or host:port")
        host = match["v6"] or match["name"]
        try:
            ports = [port] if port is not None else list(DEFAULT_PORTS.values())
            hosts.update(_host_entry(host, each) for each in ports)
        except ValueError as exc:
            raise ValueError(f"{raw!r} is not a host or host:port: {exc}") from exc
    return frozenset(hosts)


def not_public(address: Address) -> str | None:
    """What makes ``address`` no public address (e.g. "a loopback address"); None when it is
    one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and any(address in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            kind = not_public(embedded)
            return f"an address embedding {embedded}, {kind}" if kind else None
        if address.teredo is not None:
            return "a Teredo address"
        if address.is_site_local:
            return "a site-local address"
    kinds = (
        (address.is_unspecified, "the unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (isinstance(address, ipaddress.IPv4Address) and address in _SHARED, "a shared address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    )
    return next((kind for matches, kind in kinds if matches), None)


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


#: a URL every parser reads alike: http(s), a lowercase ASCII host name (no IDNA label, no
#: address, no port, no user info), then only RFC 3986 characters
_PLAIN_URL = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?)"
    r"(?:[/?#][A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*)?"
)


@dataclass(frozen=True)
class FetchPolicy:
    """Which URLs revocation data may be fetched from (see the module's text)."""

    #: any host whose every address is public, besides the trusted ones
    public: bool = True
    #: ``host:port`` entries (``parse_hosts``) asked whatever their address
    hosts: frozenset[str] = field(default_factory=frozenset)

    def trusts(self, url: httpx.URL) -> bool:
        port = url.port or DEFAULT_PORTS.get(url.scheme, 0)
        return _host_entry(url.host, port) in self.hosts

    def check_url(self, url: httpx.URL) -> None:
        """Raises ``FetchRefused`` when no address could make ``url`` allowed."""
        from certs.fetch_refused import FetchRefused

        if url.scheme not in SCHEMES:
            raise FetchRefused(url, f"the scheme {url.scheme or '(none)'} is not http or https")
        if not url.host:
            raise FetchRefused(url, "no host")
        if not self.public and not self.trusts(url):
            raise FetchRefused(url, f"{url.netloc.decode('ascii')} is not a trusted host")

    def refusal(self, url: str) -> str | None:
        """Why ``check_url`` refuses ``url`` by its host name alone, read without httpx (0.1 s
        to import): for a URL in plain form only; None when it may be allowed or is in
        another form (then the transport decides, as for every allowed URL)."""
        match = _PLAIN_URL.fullmatch(url)
        if self.public or match is None or len(url) > 2048:
            return None
        host = match["host"]
        if "xn--" in host or re.fullmatch(r"[0-9.]+", host):
            return None
        if _host_entry(host, DEFAULT_PORTS[match["scheme"]]) in self.hosts:
            return None
        return f"{host} is not a trusted host"

    def check_addresses(self, url: httpx.URL, addresses: Iterable[Address]) -> None:
        """Raises ``FetchRefused`` unless ``url``'s host is trusted or each of its
        ``addresses`` is public."""
        from certs.fetch_refused import FetchRefused

        if self.trusts(url):
            return
        for address in addresses:
            kind = not_public(address)
            if kind is None:
                continue
            if literal_address(url.host) == address:
                raise FetchRefused(url, f"{address} is {kind}")
            raise FetchRefused(url, f"{url.host} resolves to {address}, {kind}")
