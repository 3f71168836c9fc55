#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP flows for the cluster tests (scripts/tests/cluster*.sh), stdlib only.

  flowtool.py serve --port P [--progress-dir DIR]
      Threaded server. A connection starts with one line:
        "ECHO"       -> answers "ADDR <ip> <port>" (the client as seen here)
        "XFER <n>"   -> reads n bytes (or to EOF), then answers one JSON line:
                        {"bytes", "sha256", "max_gap_ms"}: max_gap_ms is the
                        longest wait between two reads after the first byte,
                        the transfer's worst stall as the server saw it.
                        DIR/<client port> holds the bytes received so far
                        (rewritten at most every 50 ms).
      Prints "listening" once the socket listens.

  flowtool.py conns --host H --port P -n N [--timeout S]
      N connections one after the other (each from a new source port), ECHO
      on each. Prints JSON {"ok", "failed", "addrs": {ip: count},
      "sports": [...]}; exit 0.

  flowtool.py xfer --host H --port P --bytes B --rate R [--timeout S]
                   [--progress FILE] [--until FILE]
      Sends B deterministic pseudo-random bytes at R bytes/s (10 ms ticks),
      or fewer: it stops early once the --until FILE exists; then waits for
      the server's answer. A send or the answer blocked for S
      seconds fails the transfer. FILE gets the count of bytes handed to TCP
      after every tick. Prints JSON {"ok", "sent", "server", "match",
      "elapsed_s", "error"}: ok means the server got every byte and its
      SHA-256 is the one sent; exit 0 if ok, 1 if not. A failed transfer
      aborts its connection (RST): no orphan socket retransmits afterwards.
"""

import argparse
import hashlib
import json
import os
import random
import socket
import struct
import sys
import threading
import time


def handle(conn, addr, progress_dir):
    try:
        f = conn.makefile("rb")
        line = f.readline().decode(errors="replace").split()
        if line == ["ECHO"]:
            conn.sendall(("ADDR %s %d\n" % (addr[0], addr[1])).encode())
            return
        if len(line) == 2 and line[0] == "XFER" and line[1].isdigit():
            want = int(line[1])
            h = hashlib.sha256()
            got = 0
            gap = 0.0
            last = None
            shown = 0.0
            pfile = None
            if progress_dir:
                pfile = "%s/%d" % (progress_dir, addr[1])
            while got < want:
                buf = f.read1(65536)
                if not buf:
                    break
                now = time.monotonic()
                if last is not None:
                    gap = max(gap, now - last)
                last = now
                got += len(buf)
                h.update(buf)
                if pfile and now - shown >= 0.05:
                    shown = now
                    with open(pfile, "w") as p:
                        p.write("%d\n" % got)
            if pfile:
                with open(pfile, "w") as p:
                    p.write("%d\n" % got)
            res = {"bytes": got, "sha256": h.hexdigest(),
                   "max_gap_ms": int(gap * 1000)}
            conn.sendall((json.dumps(res) + "\n").encode())
    except OSError:
        pass
    finally:
        conn.close()


def serve(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.bind, args.port))
    s.listen(128)
    print("listening", flush=True)
    while True:
        conn, addr = s.accept()
        threading.Thread(target=handle, args=(conn, addr, args.progress_dir),
                         daemon=True).start()


def conns(args):
    res = {"ok": 0, "failed": 0, "addrs": {}, "sports": []}
    for _ in range(args.n):
        try:
            with socket.create_connection((args.host, args.port),
                                          timeout=args.timeout) as c:
                c.sendall(b"ECHO\n")
                ans = c.makefile("rb").readline().decode().split()
                if len(ans) != 3 or ans[0] != "ADDR":
                    raise OSError("bad answer %r" % ans)
                res["addrs"][ans[1]] = res["addrs"].get(ans[1], 0) + 1
                res["sports"].append(c.getsockname()[1])
                res["ok"] += 1
        except OSError:
            res["failed"] += 1
    print(json.dumps(res))
    return 0


def xfer(args):
    rng = random.Random(args.bytes)
    h = hashlib.sha256()
    res = {"ok": False, "sent": 0, "server": None, "match": False,
           "elapsed_s": 0.0, "error": None}
    t0 = time.monotonic()
    c = None
    try:
        c = socket.create_connection((args.host, args.port),
                                     timeout=args.timeout)
        c.settimeout(args.timeout)
        c.sendall(b"XFER %d\n" % args.bytes)
        per_tick = max(1, int(args.rate / 100))
        tick = t0
        while res["sent"] < args.bytes:
            if args.until and os.path.exists(args.until):
                break
            n = min(per_tick, args.bytes - res["sent"])
            buf = rng.randbytes(n)
            c.sendall(buf)
            h.update(buf)
            res["sent"] += n
            if args.progress:
                with open(args.progress, "w") as p:
                    p.write("%d\n" % res["sent"])
            tick += 0.01
            delay = tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        c.shutdown(socket.SHUT_WR)
        line = c.makefile("rb").readline().decode()
        res["server"] = json.loads(line) if line else None
        c.close()
        srv = res["server"] or {}
        res["match"] = srv.get("sha256") == h.hexdigest()
        res["ok"] = res["match"] and srv.get("bytes") == res["sent"]
    except (OSError, ValueError) as e:
        res["error"] = "%s: %s" % (type(e).__name__, e)
        if c is not None:
            # Abort (RST) rather than leave an orphan that retransmits its
            # unacknowledged data for minutes, into the next test step.
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            c.close()
    res["elapsed_s"] = round(time.monotonic() - t0, 3)
    print(json.dumps(res), flush=True)
    return 0 if res["ok"] else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--bind", default="0.0.0.0")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--progress-dir")
    c = sub.add_parser("conns")
    c.add_argument("--host", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("-n", type=int, required=True)
    c.add_argument("--timeout", type=float, default=5.0)
    x = sub.add_parser("xfer")
    x.add_argument("--host", required=True)
    x.add_argument("--port", type=int, required=True)
    x.add_argument("--bytes", type=int, required=True)
    x.add_argument("--rate", type=int, required=True)
    x.add_argument("--timeout", type=float, default=10.0)
    x.add_argument("--progress")
    x.add_argument("--until")
    args = p.parse_args()
    if args.cmd == "serve":
        serve(args)
        return 0
    if args.cmd == "conns":
        return conns(args)
    return xfer(args)


if __name__ == "__main__":
    sys.exit(main())
