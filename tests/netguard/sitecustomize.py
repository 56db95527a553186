"""Network guard for tests: every Python process started with this folder on PYTHONPATH refuses to reach
the network and records the attempt.

Set ``NETWORK_GUARD_LOG`` to a file. Each process appends ``armed <pid> <program>`` when it starts, and
``attempt <pid> <what>`` for every connection or name lookup outside loopback (which then fails with
"network unreachable"). Loopback (127.0.0.0/8, ::1, localhost) and Unix sockets stay allowed: Jupyter
kernels talk to the build over them. Used by tests/conftest.py so the proof holds where ``unshare`` is
unavailable too.
"""

import ipaddress
import os
import socket
import sys

_LOG = os.environ.get("NETWORK_GUARD_LOG")


def _record(line: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def _is_local(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]")
    if host in ("", "localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str):
    _record(f"attempt {os.getpid()} {what}")
    return OSError(101, f"network unreachable (test network guard): {what}")


_connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def _remote(sock, address) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0])


def connect(self, address):
    if _remote(self, address):
        raise _refuse(f"connect {address!r}")
    return _connect(self, address)


def connect_ex(self, address):
    if _remote(self, address):
        _refuse(f"connect {address!r}")
        return 101
    return _connect_ex(self, address)


def sendto(self, data, *args):
    address = args[-1]
    if _remote(self, address):
        raise _refuse(f"sendto {address!r}")
    return _sendto(self, data, *args)


def getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        raise socket.gaierror(socket.EAI_NONAME, str(_refuse(f"lookup {host!r}")))
    return _getaddrinfo(host, *args, **kwargs)


def _program() -> str:
    """The command line (sys.argv is not set yet when sitecustomize runs)."""
    try:
        with open("/proc/self/cmdline", "rb") as handle:
            return " ".join(handle.read().replace(b"\0", b" ").decode("utf-8", "replace").split())[:200]
    except OSError:
        return sys.executable


if _LOG:
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.getaddrinfo = getaddrinfo
    _record(f"armed {os.getpid()} {_program()}")
