#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""genlfuzz.py: seeded random messages to the gwlbtun generic netlink family.

  genlfuzz.py --seed N --count N [--devs gwlb0,gwlb1] [--summary FILE]

Resolves the family's id with CTRL_CMD_GETFAMILY (as genl-raw.py does) and
sends COUNT requests (a few sends carry several) over a raw AF_NETLINK
NETLINK_GENERIC socket: random commands (the four known ones, unknown ones,
0 and 255), random flags (ACK, DUMP, ECHO, ATOMIC, random bits; REQUEST
nearly always), random versions and reserved bytes, and random attributes:
the family's own types with good, bad and boundary values (the devices
named in --devs by name and index, unknown names, over-long and unterminated
names; tunnels with VNIs above 2^24 and port 0; up to 70 peers of every
size; marks; the read-only STATS and ROUTE_MTU), unknown types, the nested
flag set and cleared at random, nests inside nests, lengths that overrun
the message or are below 4, truncated netlink and genetlink headers,
trailing garbage. Every reply is drained without blocking (dumps continue
as they are read).

Prints one JSON object: messages sent, replies by kind, error codes by
name, acknowledged SET_DEVICE requests (per device named), dump parts and
completions, and socket errors.
"""
import argparse
import errno
import json
import os
import random
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 1, 2, 4, 8
NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC = 0x100, 0x200, 0x400
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLMSG_ERROR, NLMSG_DONE = 2, 3
SOL_NETLINK = 270
NETLINK_EXT_ACK, NETLINK_CAP_ACK = 11, 10
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000

CMD_GET_DEVICE, CMD_SET_DEVICE, CMD_GET_STATS, CMD_GET_NETNS_STATS = 1, 2, 3, 4
(A_IFINDEX, A_IFNAME, A_EXTERNAL, A_INTERNAL, A_PEERS, A_PEERS_ANY, A_TTL,
 A_UDP_CSUM, A_NF_HOOKS, A_MARK_EXTERNAL, A_MARK_INTERNAL, A_MARK_MASK,
 A_STATS, A_PAD, A_NON_IP, A_UDP6_ZERO_CSUM_RX) = range(1, 17)
A_MAX = 16


def attr(atype, payload, bad_len=None):
    ln = 4 + len(payload) if bad_len is None else bad_len
    return struct.pack("HH", ln & 0xFFFF, atype & 0xFFFF) + payload + \
        b"\0" * ((4 - len(payload) % 4) % 4)


class Fuzz:
    def __init__(self, seed, devs):
        self.r = random.Random(seed)
        self.devs = []
        for d in devs:
            try:
                self.devs.append((d, socket.if_nametoindex(d)))
            except OSError:
                self.devs.append((d, 0))

    def rb(self, n):
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def uval(self, size, specials):
        r = self.r
        if r.random() < 0.6:
            v = r.choice(specials)
        else:
            v = r.getrandbits(8 * size)
        return struct.pack({1: "B", 2: "H", 4: "I", 8: "Q"}[size], v & ((1 << (8 * size)) - 1))

    def sized(self, good):
        """The right payload most of the time, else one of the wrong size."""
        r = self.r
        if r.random() < 0.85:
            return good
        return r.choice([b"", good[:1], good + b"\0", good * 2, self.rb(r.randrange(0, 24))])

    def tunnel(self, depth):
        r = self.r
        out = b""
        for _ in range(r.choice([0, 1, 2, 2, 2, 3])):
            t = r.choice([1, 2, 1, 2, 0, 3, r.getrandbits(14)])
            if t == 1:
                p = self.sized(self.uval(4, [0, 900, 901, 0xFFFFFF, 0x1000000, 0xFFFFFFFF]))
            elif t == 2:
                p = self.sized(self.uval(2, [0, 10800, 10801, 1, 65535]))
            else:
                p = self.rb(r.randrange(0, 12))
            out += attr(t, p)
        return out

    def peers(self, depth):
        r = self.r
        out = b""
        n = r.choice([0, 1, 2, 3, 8, 64, 65, 70])
        for _ in range(n):
            t = r.choice([1, 1, 2, 2, 3, 0, 4, r.getrandbits(14)])
            if t == 1:
                p = self.sized(r.choice([socket.inet_aton("10.99.0.1"),
                                         socket.inet_aton("10.99.0.%d" % r.randrange(256)),
                                         socket.inet_aton("224.0.0.1"),
                                         socket.inet_aton("0.0.0.0"),
                                         socket.inet_aton("255.255.255.255"),
                                         socket.inet_aton("127.0.0.1"), self.rb(4)]))
            elif t == 2:
                p = self.sized(r.choice([socket.inet_pton(socket.AF_INET6, "fd99::1"),
                                         socket.inet_pton(socket.AF_INET6, "ff02::1"),
                                         socket.inet_pton(socket.AF_INET6, "::"),
                                         socket.inet_pton(socket.AF_INET6, "::ffff:10.99.0.1"),
                                         self.rb(16)]))
            elif t == 3:
                p = self.sized(self.uval(4, [0, 1500, 0xFFFFFFFF]))
            else:
                p = self.rb(r.randrange(0, 20))
            if r.random() < 0.05 and depth < 3:
                out += attr(t | NLA_F_NESTED, self.attrs(depth + 1))
            else:
                out += attr(t, p)
        return out

    def one_attr(self, depth):
        r = self.r
        t = r.choice(list(range(0, A_MAX + 1)) * 3 +
                     [17, 18, 31, 100, 0x3FFF, r.getrandbits(14)])
        nested_flag = NLA_F_NESTED if r.random() < 0.5 else 0
        if t in (A_EXTERNAL, A_INTERNAL):
            p = self.tunnel(depth)
            nested_flag = NLA_F_NESTED if r.random() < 0.9 else 0
        elif t == A_PEERS:
            p = self.peers(depth)
            nested_flag = NLA_F_NESTED if r.random() < 0.9 else 0
        elif t == A_STATS or (t > A_MAX and r.random() < 0.3 and depth < 3):
            p = self.attrs(depth + 1) if depth < 3 else self.rb(8)
        elif t == A_IFINDEX:
            idx = [i for _, i in self.devs] + [0, 1, 0xFFFFFFFF, r.getrandbits(16)]
            p = self.sized(struct.pack("I", r.choice(idx)))
            nested_flag = 0 if r.random() < 0.9 else NLA_F_NESTED
        elif t == A_IFNAME:
            names = [d.encode() + b"\0" for d, _ in self.devs]
            p = r.choice(names * 3 + [b"\0", b"lo\0", b"gwlb0", b"x" * 15 + b"\0",
                                      b"x" * 16 + b"\0", b"x" * 40, self.rb(r.randrange(0, 20)),
                                      b"gwlb0\0junk\0"])
            nested_flag = 0 if r.random() < 0.9 else NLA_F_NESTED
        elif t in (A_PEERS_ANY, A_TTL, A_UDP_CSUM, A_NF_HOOKS, A_NON_IP,
                   A_UDP6_ZERO_CSUM_RX):
            p = self.sized(self.uval(1, [0, 1, 2, 255, 64]))
            nested_flag = 0 if r.random() < 0.9 else NLA_F_NESTED
        elif t in (A_MARK_EXTERNAL, A_MARK_INTERNAL, A_MARK_MASK):
            p = self.sized(self.uval(4, [0, 1, 2, 3, 0xFF00, 0xFFFFFFFF]))
            nested_flag = 0 if r.random() < 0.9 else NLA_F_NESTED
        else:
            p = self.rb(r.choice([0, 1, 2, 4, 8, 16, 64]))
        if r.random() < 0.03:
            t |= NLA_F_NET_BYTEORDER
        bad = None
        if r.random() < 0.04:
            bad = r.choice([0, 1, 3, 4 + len(p) + 4, 0xFFFF, r.getrandbits(16)])
        return attr(t | nested_flag, p, bad)

    def attrs(self, depth=0):
        r = self.r
        out = b""
        n = r.choice([0, 1, 1, 2, 2, 3, 4, 6, 10])
        for _ in range(n):
            out += self.one_attr(depth)
        return out

    def message(self, family, seq):
        r = self.r
        cmd = r.choice([CMD_GET_DEVICE, CMD_SET_DEVICE, CMD_SET_DEVICE, CMD_SET_DEVICE,
                        CMD_GET_STATS, CMD_GET_NETNS_STATS, 0, 5, 6, 255,
                        r.getrandbits(8)])
        flags = NLM_F_REQUEST if r.random() < 0.95 else 0
        for f, p in ((NLM_F_ACK, 0.6), (NLM_F_DUMP, 0.25), (NLM_F_ECHO, 0.05),
                     (NLM_F_ATOMIC, 0.03), (NLM_F_MULTI, 0.02)):
            if r.random() < p:
                flags |= f
        if r.random() < 0.03:
            flags = r.getrandbits(16) | NLM_F_REQUEST
        version = r.choice([1] * 12 + [0, 2, 255])
        reserved = 0 if r.random() < 0.9 else r.getrandbits(16)
        body = struct.pack("BBH", cmd, version, reserved) + self.attrs()
        ln = 16 + len(body)
        m = r.random()
        if m < 0.02:
            body = body[:r.randrange(0, 4)]       # a truncated genetlink header
            ln = 16 + len(body)
        elif m < 0.05:
            ln = r.choice([16, 17, 19, 20, max(16, ln - 4), ln + 4, ln + 100])
        elif m < 0.07:
            body += self.rb(r.randrange(1, 12))  # trailing garbage
        hdr = struct.pack("IHHII", ln, family, flags, seq, 0)
        return hdr + body, cmd, flags


def parse_attrs(data):
    out = {}
    off = 0
    while off + 4 <= len(data):
        length, atype = struct.unpack_from("HH", data, off)
        if length < 4:
            break
        out[atype & 0x3FFF] = data[off + 4:off + length]
        off += (length + 3) & ~3
    return out


def family_id(sock):
    body = struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) + attr(CTRL_ATTR_FAMILY_NAME, b"gwlbtun\0")
    sock.send(struct.pack("IHHII", 16 + len(body), GENL_ID_CTRL, NLM_F_REQUEST, 1, 0) + body)
    data = sock.recv(65536)
    off = 0
    while off + 16 <= len(data):
        length, rtype, _, _, _ = struct.unpack_from("IHHII", data, off)
        if rtype == GENL_ID_CTRL:
            a = parse_attrs(data[off + 20:off + length])
            return struct.unpack("H", a[CTRL_ATTR_FAMILY_ID][:2])[0]
        off += (length + 3) & ~3
    sys.exit("genlfuzz: the gwlbtun family is not registered")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--devs", default="gwlb0")
    ap.add_argument("--summary")
    a = ap.parse_args()
    devs = [d for d in a.devs.split(",") if d]
    fz = Fuzz(a.seed, devs)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind((0, 0))
    fam = family_id(sock)
    res = {"seed": a.seed, "family": fam, "messages": 0, "sends": 0,
           "send_errors": {}, "errors": {}, "acks_ok": 0, "replies": 0,
           "dump_parts": 0, "dumps_done": 0, "set_ok": 0, "set_ok_devs": {},
           "by_cmd": {}, "devs": {d: i for d, i in fz.devs}}
    pending = {}
    seq = 100
    sent = 0
    while sent < a.count:
        batch = []
        for _ in range(fz.r.choice([1] * 18 + [2, 4])):
            seq += 1
            msg, cmd, flags = fz.message(fam, seq)
            batch.append(msg)
            pending[seq] = (cmd, msg)
            res["by_cmd"][str(cmd)] = res["by_cmd"].get(str(cmd), 0) + 1
        sent += len(batch)
        res["messages"] += len(batch)
        try:
            sock.send(b"".join(batch))
            res["sends"] += 1
        except OSError as e:
            n = errno.errorcode.get(e.errno, str(e.errno))
            res["send_errors"][n] = res["send_errors"].get(n, 0) + 1
        # drain: replies of a do are queued already, a dump goes on as read
        while True:
            try:
                data = sock.recv(1 << 16, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError as e:
                n = errno.errorcode.get(e.errno, str(e.errno))
                res["send_errors"]["recv_" + n] = res["send_errors"].get("recv_" + n, 0) + 1
                continue
            off = 0
            while off + 16 <= len(data):
                length, rtype, rflags, rseq, _ = struct.unpack_from("IHHII", data, off)
                if length < 16:
                    break
                body = data[off + 16:off + length]
                if rtype == NLMSG_ERROR:
                    err = -struct.unpack_from("i", body)[0]
                    if err == 0:
                        res["acks_ok"] += 1
                        cmd, msg = pending.get(rseq, (None, b""))
                        mflags = struct.unpack_from("H", msg, 6)[0] if len(msg) >= 8 else 0
                        # the core acknowledges a message without
                        # NLM_F_REQUEST unseen: no SET was done
                        if cmd == CMD_SET_DEVICE and len(msg) >= 20 and \
                                mflags & NLM_F_REQUEST and not mflags & NLM_F_DUMP:
                            res["set_ok"] += 1
                            a_ = parse_attrs(msg[20:])
                            key = "?"
                            if A_IFINDEX in a_ and len(a_[A_IFINDEX]) >= 4:
                                key = "ifindex:%d" % struct.unpack("I", a_[A_IFINDEX][:4])[0]
                            elif A_IFNAME in a_:
                                key = a_[A_IFNAME].split(b"\0")[0].decode(errors="replace")
                            res["set_ok_devs"][key] = res["set_ok_devs"].get(key, 0) + 1
                    else:
                        n = errno.errorcode.get(err, str(err))
                        res["errors"][n] = res["errors"].get(n, 0) + 1
                elif rtype == NLMSG_DONE:
                    res["dumps_done"] += 1
                elif rflags & NLM_F_MULTI:
                    res["dump_parts"] += 1
                else:
                    res["replies"] += 1
                off += (length + 3) & ~3
    out = json.dumps(res, sort_keys=True)
    if a.summary:
        with open(a.summary, "w") as f:
            f.write(out + "\n")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
