#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tiny HTTP server for the gwlbtun end-to-end tests (python3 stdlib only).

GET /api/ip answers with the client's address and port as this server sees
them, e.g. {"ip": "203.0.113.10", "port": 40312}. Behind a GWLB NVA the
address must be the client's own one (the NVA does no NAT). Every other path
gets 404. The server prints "listening on ADDR:PORT" on stdout once its socket
is bound and listening.

usage: ip-echo-server.py [--bind ADDR] [--port PORT] [--verbose]
"""

import argparse
import http.server
import json
import socket
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "ip-echo/1"
    verbose = False

    def do_GET(self):  # noqa: N802 (name fixed by BaseHTTPRequestHandler)
        if self.path.split("?", 1)[0] != "/api/ip":
            self.send_error(404, "not found")
            return
        ip, port = self.client_address[0], self.client_address[1]
        if ip.startswith("::ffff:"):
            ip = ip[len("::ffff:"):]
        body = (json.dumps({"ip": ip, "port": port}) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("%s - %s\n" % (self.client_address[0], fmt % args))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bind", default="0.0.0.0", help="address to bind (default 0.0.0.0; '::' for dual stack)")
    ap.add_argument("--port", type=int, default=8080, help="TCP port (default 8080)")
    ap.add_argument("--verbose", action="store_true", help="log each request on stderr")
    args = ap.parse_args()

    Handler.verbose = args.verbose
    if ":" in args.bind:
        Server.address_family = socket.AF_INET6
    srv = Server((args.bind, args.port), Handler)
    print("listening on %s:%d" % (args.bind, args.port), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
