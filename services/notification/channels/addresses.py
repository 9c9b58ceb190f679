"""Where a webhook may post: checked when an admin sets the address and again, on the
resolved addresses, before every delivery (a name can be pointed elsewhere later).

Refused: anything but https outside development, and loopback, link-local (the cloud's
metadata service), private, unspecified, multicast or reserved addresses unless
TIEPDAN_NOTIFY_WEBHOOK_ALLOW_PRIVATE is set: an admin's webhook must not become a way
into the cluster's own services.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_NAMES = ("localhost", "localhost.localdomain")


def _forbidden_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for flag in ("loopback", "link_local", "private", "unspecified", "multicast", "reserved"):
        if getattr(ip, f"is_{flag}"):
            return f"{ip} is a {flag.replace('_', '-')} address"
    return None


def address_problem(url: str, *, https_only: bool, allow_private: bool) -> str | None:
    """Why `url` may not be a webhook address (scheme, literal host), or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "not a URL"
    allowed = ("https",) if https_only else ("https", "http")
    if parts.scheme not in allowed:
        return f"the scheme must be {' or '.join(allowed)}"
    if not host:
        return "the URL has no host"
    if parts.username or parts.password:
        return "credentials in the URL are not accepted"
    if allow_private:
        return None
    if host.lower().rstrip(".") in LOCAL_NAMES or host.lower().endswith(".localhost"):
        return f"{host} is a loopback name"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: its addresses are checked before each delivery
    return _forbidden_ip(ip)


async def resolved_problem(url: str, *, allow_private: bool) -> str | None:
    """Why the addresses `url`'s host resolves to may not be posted to, or None."""
    if allow_private:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return None  # unresolvable: the request itself fails, and is retried
    for info in infos:
        problem = _forbidden_ip(ipaddress.ip_address(info[4][0]))
        if problem:
            return f"{host} resolves to {problem.split(' is ')[0]}, a forbidden address"
    return None
