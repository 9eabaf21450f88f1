"""``python -m tests.sealed COMMAND...``: run COMMAND with no network but loopback.

Where the system allows it, COMMAND runs in a network namespace of its own (``unshare -n``
as root, ``unshare -rn`` otherwise): its only interface is loopback, brought up here, so
every process inside, Python or not (curl, npm, git, TensorFlow's gRPC), can reach
``127.0.0.1`` and nothing else. Where it does not (no ``unshare``, user namespaces
disabled, a container without the right), a one-line note says so and COMMAND runs with
the Python seal and the dead proxies only (``tests/_sealed/``), which pytest installs anyway.
``make test`` runs the suite this way; ``COURSE_NET_SEALED=netns`` tells the tests.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys

ENV_SEALED = "COURSE_NET_SEALED"
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def unshare_command() -> list[str] | None:
    """The ``unshare`` command that works here, or None (after trying it on ``true``)."""
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        return None
    command = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    try:
        probe = subprocess.run([*command, "true"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return command if probe.returncode == 0 else None


def loopback_up() -> None:
    """Bring ``lo`` up (a new network namespace starts with it down): ``ifr_flags |= IFF_UP``."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh22x", b"lo", 0)
        flags = struct.unpack("16sh22x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | IFF_UP))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--inside"]:  # now in the new namespace
        loopback_up()
        os.environ[ENV_SEALED] = "netns"
        os.execvp(argv[1], argv[1:])
    if not argv:
        sys.exit("usage: python -m tests.sealed COMMAND [ARGS...]")
    if os.environ.get(ENV_SEALED) == "netns":
        os.execvp(argv[0], argv)  # already inside one
    command = unshare_command()
    if command is None:
        print(
            "note: no network namespace here (unshare unavailable or not permitted); the "
            "tests are sealed by their Python guard and dead proxies only.",
            file=sys.stderr,
        )
        os.execvp(argv[0], argv)
    os.execvp(command[0], [*command, sys.executable, "-m", "tests.sealed", "--inside", *argv])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
