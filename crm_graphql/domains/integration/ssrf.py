"""Where webhooks may be sent: public addresses only.

A URL is refused when its host resolves to an address that is not globally routable:
loopback, private (RFC 1918, unique local), link-local (which holds the cloud metadata
service, 169.254.169.254), shared, multicast, reserved or unspecified. The check runs at
registration and again before every delivery, on the addresses DNS gives then, and the
connection is made to the address checked (so a DNS answer that changes in between is
not followed). ``CRM_WEBHOOK_ALLOW_LOOPBACK`` lets loopback through for tests and local
development; nothing else can be let through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Addresses of cloud metadata services that are not link-local.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
)


class UnsafeUrl(ValueError):
    """A webhook URL that must not be called; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress


def check_address(address: IPAddress, *, allow_loopback: bool) -> None:
    """Raise :class:`UnsafeUrl` unless ``address`` is a public one (or loopback, when
    allowed)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        raise UnsafeUrl(f"{address} is a cloud metadata address")
    if address.is_loopback:
        if allow_loopback:
            return
        raise UnsafeUrl(f"{address} is a loopback address")
    if address.is_link_local:
        raise UnsafeUrl(f"{address} is a link-local address")
    if address.is_private:
        raise UnsafeUrl(f"{address} is a private address")
    if not address.is_global or address.is_multicast:
        raise UnsafeUrl(f"{address} is not a public address")


def parse_url(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of an http(s) URL; :class:`UnsafeUrl` for anything else."""
    if len(url) > 2000:
        raise UnsafeUrl("the URL is longer than 2000 characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("only http:// and https:// URLs can receive webhooks")
    if not parts.hostname:
        raise UnsafeUrl("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeUrl("credentials in the URL are not accepted; verify the signature instead")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def resolve(url: str, *, allow_loopback: bool) -> Target:
    """Resolve the URL's host and check every address it has; the first is the one to
    connect to. Raises :class:`UnsafeUrl`."""
    scheme, host, port = parse_url(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise UnsafeUrl(f"{host} does not resolve: {exc}") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses:
            raise UnsafeUrl(f"{host} does not resolve")
    for address in addresses:
        check_address(address, allow_loopback=allow_loopback)
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])
