"""The test suite's network seal, in Python: only loopback can be reached (stdlib only).

:func:`install` patches this process's sockets: a ``connect``, ``connect_ex``, ``sendto`` or
``sendmsg`` of an Internet socket (``AF_INET``/``AF_INET6``) to anything but a loopback
address, and a name lookup of anything but ``localhost``, raise :class:`NetworkBlocked`.
Both ``socket.socket`` and the C module's ``_socket.socket`` are covered (code can import
``_socket`` directly). Loopback keeps working: lesson 10's
workers talk over ``127.0.0.1``.

:func:`seal_environment` makes every subprocess sealed the same way: it puts this folder
(with its ``sitecustomize.py``, which calls :func:`install`) first on ``PYTHONPATH``, and
points the proxy variables that curl, pip, npm and git honour at a dead loopback port,
with loopback exempt. Outside Python, only a network namespace (``tests/sealed.py``, used
by ``make test``) is a real wall; these are the layers that work without one.
"""

from __future__ import annotations

import _socket
import ipaddress
import os
import socket

ENV_SEALED = "COURSE_NET_SEALED"  # "python" (this module), "netns" (a network namespace too)
DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens, a connection is refused
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_INTERNET = (socket.AF_INET, socket.AF_INET6)
_HERE = os.path.dirname(os.path.abspath(__file__))
_HOSTNAME = socket.gethostname().lower()


class NetworkBlocked(ConnectionRefusedError):
    """Raised instead of reaching the network: the tests run sealed."""


def is_loopback(host) -> bool:
    """True for ``127.0.0.0/8``, ``::1``, ``localhost`` (and ``""``/``0.0.0.0``, this host)."""
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).split("%")[0].strip("[]").lower()
    if host in ("", "0.0.0.0", "::") or host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    if host == _HOSTNAME:  # this machine's own name resolves from /etc/hosts, not the network
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _refuse(what: str):
    raise NetworkBlocked(
        f"the tests run sealed from the network: {what} refused (only loopback is allowed; "
        "data comes from `make data` before the tests)"
    )


def _check(sock, address, verb: str) -> None:
    if sock.family in _INTERNET and not is_loopback(address[0]):
        _refuse(f"{verb} to {address[:2]!r}")


def _guarded_methods(base):
    """``connect``/``connect_ex``/``sendto``/``sendmsg`` of ``base`` with the loopback check."""

    def connect(self, address):
        _check(self, address, "connect")
        return base.connect(self, address)

    def connect_ex(self, address):
        _check(self, address, "connect")
        return base.connect_ex(self, address)

    def sendto(self, data, *args):
        address = args[-1]  # sendto(data, address) or sendto(data, flags, address)
        _check(self, address, "sendto")
        return base.sendto(self, data, *args)

    def sendmsg(self, buffers, ancdata=(), flags=0, address=None):
        if address is not None:
            _check(self, address, "sendmsg")
            return base.sendmsg(self, buffers, ancdata, flags, address)
        return base.sendmsg(self, buffers, ancdata, flags)

    return {"connect": connect, "connect_ex": connect_ex, "sendto": sendto, "sendmsg": sendmsg}


def _guarded_lookup(real):
    def lookup(host, *args, **kwargs):
        if host is not None and not is_loopback(host):
            _refuse(f"looking up {host!r}")
        return real(host, *args, **kwargs)

    return lookup


def install() -> None:
    """Seal this process (idempotent)."""
    if getattr(socket, "_course_sealed", False):
        return
    c_socket = _socket.socket

    class GuardedSocket(c_socket):
        """``_socket.socket`` that refuses non-loopback traffic."""

    for name, method in _guarded_methods(c_socket).items():
        setattr(GuardedSocket, name, method)
    # socket.socket subclasses the original C type: guard its methods in place ...
    for name, method in _guarded_methods(c_socket).items():
        setattr(socket.socket, name, method)
    # ... and hand out the guarded C type to code that uses _socket directly.
    _socket.socket = _socket.SocketType = GuardedSocket
    for module in (socket, _socket):
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            setattr(module, name, _guarded_lookup(getattr(module, name)))
    socket._course_sealed = True
    os.environ.setdefault(ENV_SEALED, "python")


def sealed_environment(environ=None) -> dict:
    """``environ`` (default ``os.environ``) with the variables that seal a subprocess."""
    env = dict(os.environ if environ is None else environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != _HERE]
    env["PYTHONPATH"] = os.pathsep.join([_HERE, *paths])
    for name in ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy"):
        env[name] = env[name.upper()] = DEAD_PROXY
    env["no_proxy"] = env["NO_PROXY"] = "localhost,127.0.0.1,::1"
    env.update(
        npm_config_registry=DEAD_PROXY + "/",
        npm_config_offline="true",
        npm_config_proxy=DEAD_PROXY,
        npm_config_https_proxy=DEAD_PROXY,
        PIP_NO_INDEX="1",
        COURSE_OFFLINE="1",
    )
    env.setdefault(ENV_SEALED, "python")
    return env


def seal_environment() -> None:
    """Seal this process and every subprocess it starts from now on."""
    install()
    os.environ.update(sealed_environment())
