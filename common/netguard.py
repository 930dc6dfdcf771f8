"""Refuse addresses inside our own network before fetching a URL a user typed (SSRF)."""

import ipaddress
import socket
from urllib.parse import urlsplit


class HostRefused(Exception):
    """The URL's host is missing, unresolvable, or private/local while such hosts are not allowed."""


def host_check(url: str, *, allow_private: bool) -> None:
    """Raise HostRefused unless every address of the URL's host is public (or `allow_private`)."""
    host = urlsplit(url).hostname or ""
    if not host:
        raise HostRefused("the address has no host")
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError as exc:
        raise HostRefused(f"host '{host}' cannot be resolved") from exc
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            raise HostRefused(f"host '{host}' is a private or local address")
