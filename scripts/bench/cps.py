#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Short TCP connections per second, for the gwlbtun benchmark.

server: a single-threaded accept loop on --bind:--port. For each connection
it reads one request (up to the first newline), answers one line with the
peer's address and port, and closes first (so TIME_WAIT stays on the server
side and the client never runs out of ports). No threads, no HTTP parsing:
under TCG the point is to spend the time in the network path, not here.
Prints "listening on ADDR:PORT" once it listens.

client: for --seconds, connect to --host:--port, send a request line, read
the answer to EOF, close; repeat. Prints one JSON object: connections
completed, errors, elapsed seconds, connections per second, and the address
the server saw (which must be the client's own: the NVA does no NAT).

usage: cps.py server [--bind ADDR] [--port N]
       cps.py client --host ADDR [--port N] [--seconds S] [--timeout S]
"""

import argparse
import json
import socket
import sys
import time


def server(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    s.listen(512)
    print("listening on %s:%d" % (a.bind, a.port), flush=True)
    while True:
        try:
            c, peer = s.accept()
        except InterruptedError:
            continue
        try:
            c.settimeout(5)
            buf = b""
            while b"\n" not in buf and len(buf) < 4096:
                d = c.recv(4096)
                if not d:
                    break
                buf += d
            c.sendall(("%s %d\n" % peer).encode())
        except OSError:
            pass
        finally:
            c.close()


def client(a):
    n = errors = 0
    seen = ""
    req = b"GET /cps\n"
    start = time.monotonic()
    end = start + a.seconds
    now = start
    while now < end:
        try:
            with socket.create_connection((a.host, a.port), timeout=a.timeout) as c:
                c.sendall(req)
                buf = b""
                while True:
                    d = c.recv(4096)
                    if not d:
                        break
                    buf += d
            if buf.endswith(b"\n"):
                n += 1
                seen = buf.decode(errors="replace").split()[0]
            else:
                errors += 1
        except OSError:
            errors += 1
        now = time.monotonic()
    elapsed = now - start
    json.dump({"connections": n, "errors": errors, "seconds": round(elapsed, 4),
               "cps": round(n / elapsed, 2) if elapsed > 0 else 0.0,
               "server_saw": seen}, sys.stdout)
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    sp = sub.add_parser("server")
    sp.add_argument("--bind", default="0.0.0.0")
    sp.add_argument("--port", type=int, default=9000)
    cp = sub.add_parser("client")
    cp.add_argument("--host", required=True)
    cp.add_argument("--port", type=int, default=9000)
    cp.add_argument("--seconds", type=float, default=3.0)
    cp.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()
    try:
        server(a) if a.mode == "server" else client(a)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
