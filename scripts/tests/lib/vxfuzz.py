#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""vxfuzz.py: a seeded corpus of mutated GWLB VXLAN packets, sent at a
gwlbtun device from raw sockets, and a check of what came back.

  vxfuzz.py send --seed N --count N [--src4 A --dst4 A] [--src6 A --dst6 A]
                 [--bcast4 A] [--frags none|only|mix] [--record FILE]
                 [--summary FILE]
  vxfuzz.py probe --kind atomic6|atomic-frag6 --src4 A --dst4 A [--record FILE]
  vxfuzz.py check --pcap FILE --record FILE[,FILE...] --nva4 A --nva6 A
                  --gwlb4 A --gwlb6 A [--allow-refrag]

send builds COUNT outer packets (more with --frags, where one datagram is
several fragments) deterministically from SEED and sends them: outer IPv4
from a raw IPPROTO_RAW socket (the whole IP header is ours: TTL, DS field,
options, broadcast destination), outer IPv6 from a raw IPPROTO_UDP socket
(hop limit, traffic class and a destination options header as ancillary
data); the UDP header is ours in both (lengths, checksum, truncation).

What the corpus holds (weights in KINDS below): inner IPv4 with and without
options (valid and bogus ones), inner IPv6 behind chains of extension
headers (hop-by-hop, routing, fragment, destination options, AH; in any
order, with good and bad lengths), inner fragments (in order, out of
order, overlapping, duplicated, tiny, never completed) of both families,
802.1Q / 802.1ad (QinQ) / 0x9100 tagged frames, non-IP frames (802.3
length frames, LLDP, MPLS, PPPoE, random ethertypes), ARP (valid and odd),
random bytes as the inner frame and as the whole UDP payload. Every packet
may get its VXLAN header mutated (flags, reserved bits, VNI: configured,
the other tunnel's, random) and be truncated at or around any header
boundary (UDP, VXLAN, inner Ethernet, tags, inner IP, extension headers,
inner L4). A few are broken below the module (short or bad-checksum UDP:
the UDP stack drops them), a few are broadcast, zero-checksum IPv6, outer
CE-marked or with outer TTL 0 / 1.

--frags none leaves out inner fragments (any inner IPv4 with MF or an
offset, any inner IPv6 with a fragment header that is not atomic), "only"
sends nothing else, "mix" both. --record appends one line per packet that
could be reflected (sent with the I flag and a configured port and VNI):
"FAMILY DPORT VNI HEX-SHA1..." with the digests of the inner frames a
correct reflection may carry (as sent; trimmed to the IP length; with an
outer CE mark copied in, RFC 6040). --summary writes the counts as JSON.

check reads a capture of the reflections (pcap, Ethernet or Linux cooked)
and says, as JSON, how many came from the NVA, how many carried an inner
frame that was sent over the other tunnel of the same family (byte for
byte), how many were inner fragments that may have been refragmented
(allowed with --allow-refrag), how many were inner IPv6 packets sent with
an atomic fragment header (RFC 6946) that came back without it, and lists
the ones that match nothing.
"""
import argparse
import hashlib
import json
import random
import socket
import struct
import sys
import time

EXT = (901, 10801)
INT = (900, 10800)
TUNNELS = {EXT[1]: EXT[0], INT[1]: INT[0]}
OTHER = {EXT[1]: INT, INT[1]: EXT}

MAC_DST = bytes.fromhex("020000000020")
MAC_SRC = bytes.fromhex("020000000099")
IN4_SRC = socket.inet_aton("203.0.113.99")
IN4_DST = socket.inet_aton("198.51.100.20")
IN6_SRC = socket.inet_pton(socket.AF_INET6, "2001:db8:c::99")
IN6_DST = socket.inet_pton(socket.AF_INET6, "2001:db8:5::20")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def csum16_add(c, a):
    r = c + a
    return (r + (r >> 16)) & 0xFFFF


class Gen:
    """One random generator for the whole corpus: the same seed gives the
    same packets in the same order."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.ipid = 0x100

    def pick(self, weighted):
        total = sum(w for _, w in weighted)
        x = self.r.uniform(0, total)
        for v, w in weighted:
            x -= w
            if x <= 0:
                return v
        return weighted[-1][0]

    def rbytes(self, n):
        return bytes(self.r.getrandbits(8) for _ in range(n))

    # ---- inner L4 -------------------------------------------------------

    def l4(self, proto_family):
        """(protocol number, header+payload, header length)."""
        r = self.r
        kind = self.pick([("tcp", 4), ("udp", 3), ("icmp", 3), ("sctp", 1),
                          ("gre", 1), ("other", 1), ("none", 1)])
        pay = self.rbytes(r.choice([0, 0, 1, 7, 16, 64, 200]))
        if kind == "tcp":
            sport = r.choice([r.randrange(1024, 65536), 22, 80])
            dport = r.choice([22, 80, 443, 8080, r.randrange(1, 65536), 0])
            flags = r.choice([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14,
                              0x29, 0x3F, 0x00, 0xFF, r.getrandbits(8)])
            opts = b""
            if r.random() < 0.4:
                opts = r.choice([b"\x02\x04\x05\xb4",
                                 b"\x01\x03\x03\x07",
                                 b"\x04\x02\x08\x0a" + self.rbytes(8) + b"\x01\x01",
                                 b"\x05\x0a" + self.rbytes(8),
                                 b"\x1e\x04\x00\x00",
                                 b"\x02\x00", b"\xff\xff\xff\xff",
                                 self.rbytes(r.choice([4, 8, 12, 40]))])
                opts += b"\0" * (-len(opts) % 4)
                opts = opts[:40]
            doff = 5 + len(opts) // 4
            if r.random() < 0.05:
                doff = r.choice([0, 4, 15])
            hdr = struct.pack("!HHIIBBHHH", sport, dport, r.getrandbits(32),
                              r.getrandbits(32), doff << 4, flags,
                              r.choice([0, 512, 65535]), 0, 0) + opts
            return 6, hdr + pay, len(hdr)
        if kind == "udp":
            hdr = struct.pack("!HHHH", r.randrange(1, 65536),
                              r.choice([53, 9, 4789, 10800, r.randrange(1, 65536)]),
                              8 + len(pay) if r.random() < 0.9 else r.getrandbits(16),
                              r.getrandbits(16) if r.random() < 0.5 else 0)
            return 17, hdr + pay, 8
        if kind == "icmp":
            proto = 1 if proto_family == 4 else 58
            if proto_family == 4:
                t = r.choice([8, 0, 3, 11, 5, 13, 17, r.getrandbits(8)])
            else:
                t = r.choice([128, 129, 1, 2, 3, 4, 133, 135, 136, 143,
                              r.getrandbits(8)])
            hdr = struct.pack("!BBHHH", t, r.choice([0, 1, 3, 4]), 0,
                              r.getrandbits(16), r.getrandbits(16))
            body = hdr + pay
            if proto_family == 4 and r.random() < 0.8:
                c = csum(body)
                body = body[:2] + struct.pack("!H", c) + body[4:]
            return proto, body, 8
        if kind == "sctp":
            hdr = struct.pack("!HHII", r.randrange(1, 65536), r.randrange(1, 65536),
                              r.getrandbits(32), r.getrandbits(32))
            return 132, hdr + pay, 12
        if kind == "gre":
            hdr = struct.pack("!HH", r.choice([0, 0x2000, 0xb000]),
                              r.choice([0x0800, 0x86dd, 0x6558, 0x880b]))
            return 47, hdr + pay, 4
        if kind == "none":
            return 59, pay, 0
        return r.getrandbits(8), pay, 0

    # ---- inner IPv4 ----------------------------------------------------------

    def ip4_options(self):
        r = self.r
        out = b""
        for _ in range(r.randrange(1, 4)):
            o = r.choice(["nop", "eol", "rr", "ts", "lsrr", "ssrr", "ra",
                          "sec", "cipso", "rand", "badlen"])
            if o == "nop":
                out += b"\x01"
            elif o == "eol":
                out += b"\x00"
            elif o in ("rr", "lsrr", "ssrr"):
                n = r.randrange(1, 5)
                t = {"rr": 7, "lsrr": 131, "ssrr": 137}[o]
                out += struct.pack("!BBB", t, 3 + 4 * n,
                                   r.choice([4, 8, 3 + 4 * n + 1, 0])) + self.rbytes(4 * n)
            elif o == "ts":
                n = r.randrange(1, 4)
                out += struct.pack("!BBBB", 68, 4 + 4 * n, r.choice([5, 9, 1]),
                                   r.getrandbits(8)) + self.rbytes(4 * n)
            elif o == "ra":
                out += b"\x94\x04\x00\x00"
            elif o == "sec":
                out += b"\x82\x0b" + self.rbytes(9)
            elif o == "cipso":
                out += b"\x86\x0a" + self.rbytes(8)
            elif o == "rand":
                ln = r.randrange(2, 12)
                out += struct.pack("!BB", r.getrandbits(8), ln) + self.rbytes(ln - 2)
            else:
                out += struct.pack("!BB", r.choice([7, 68, 131, 148, 0x99]),
                                   r.choice([0, 1, 2, 39, 40, 255]))
        out = out[:40]
        out += b"\0" * (-len(out) % 4)
        return out

    def ip4(self, want_frag=False):
        """(inner IPv4 packet(s), boundaries of the first, is_fragment)."""
        r = self.r
        proto, l4, l4h = self.l4(4)
        opts = self.ip4_options() if r.random() < 0.25 else b""
        self.ipid = (self.ipid + 1) & 0xFFFF
        tos = r.choice([0, 0, 0, 1, 2, 3, 0xb8, r.getrandbits(8)])
        ttl = r.choice([64, 64, 1, 0, 255])
        frag = r.choice([0x4000, 0, 0, 0])
        if r.random() < 0.03:
            frag = r.getrandbits(16)
        ihl = 5 + len(opts) // 4
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, 20 + len(opts) + len(l4),
                          self.ipid, frag, ttl, proto, 0, IN4_SRC,
                          r.choice([IN4_DST, IN4_DST, socket.inet_aton("198.51.100.77"),
                                    socket.inet_aton("255.255.255.255"),
                                    socket.inet_aton("224.0.0.1"),
                                    socket.inet_aton("127.0.0.1"),
                                    socket.inet_aton("0.0.0.0")])) + opts
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        pkt = bytearray(hdr + l4)
        m = r.random()
        if m < 0.04:
            pkt[10] ^= 0x55                          # bad header checksum
        elif m < 0.07:
            pkt[0] = (pkt[0] & 0xF0) | r.choice([0, 4, 15])   # bad IHL
        elif m < 0.10:
            pkt[0] = (r.choice([0, 6, 15]) << 4) | (pkt[0] & 0xF)  # version
        elif m < 0.16:
            tl = r.choice([0, 19, 20, len(pkt) - 1, len(pkt) + 1, 65535])
            pkt[2:4] = struct.pack("!H", tl)
            pkt[10:12] = b"\0\0"
            pkt[10:12] = struct.pack("!H", csum(bytes(pkt[:ihl * 4])))
        elif m < 0.22:
            pkt += self.rbytes(r.choice([1, 6, 30]))   # link-layer padding
        bounds = [20, len(hdr), len(hdr) + l4h]
        isfrag = (struct.unpack("!H", pkt[6:8])[0] & 0x3FFF) != 0
        return bytes(pkt), bounds, isfrag

    def frag4(self):
        """A datagram split into fragments in one of several patterns."""
        r = self.r
        proto = r.choice([1, 6, 17, 47])
        size = r.choice([24, 64, 300, 1200, 2400])
        body = self.rbytes(size)
        if proto == 1:
            body = struct.pack("!BBHHH", 8, 0, 0, 0x6777, 1) + body[8:]
            body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        self.ipid = (self.ipid + 1) & 0xFFFF
        ipid = self.ipid
        pattern = r.choice(["inorder", "reverse", "shuffle", "overlap", "dup",
                            "tiny", "nolast", "nofirst", "single-mf",
                            "zero-len", "beyond"])
        step = r.choice([8, 16, 64, 512, 1024]) if pattern != "tiny" else 8
        # at most 24 fragments a datagram
        step = max(step, (len(body) // 24 + 7) & ~7)
        pieces = []
        off = 0
        while off < len(body):
            n = min(step, len(body) - off)
            pieces.append((off, body[off:off + n], off + n < len(body)))
            off += n
        if pattern == "reverse":
            pieces.reverse()
        elif pattern == "shuffle":
            r.shuffle(pieces)
        elif pattern == "overlap" and len(pieces) > 1:
            o, d, mf = pieces[1]
            pieces.insert(1, (max(0, o - 8), body[max(0, o - 8):o + 8], True))
        elif pattern == "dup":
            pieces.append(pieces[0])
        elif pattern == "nolast" and len(pieces) > 1:
            pieces.pop()
        elif pattern == "nofirst" and len(pieces) > 1:
            pieces.pop(0)
        elif pattern == "single-mf":
            pieces = [(0, body[:max(8, len(body) // 2) & ~7], True)]
        elif pattern == "zero-len":
            pieces.insert(0, (16, b"", True))
        elif pattern == "beyond":
            pieces.append((65528, b"x" * 16, False))
        out = []
        for o, d, mf in pieces:
            fo = (o >> 3) | (0x2000 if mf else 0)
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(d), ipid, fo,
                              64, proto, 0, IN4_SRC, IN4_DST)
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
            out.append(hdr + d)
        return out

    # ---- inner IPv6 ----------------------------------------------------------

    def ext_options(self, body_len):
        r = self.r
        out = b""
        while len(out) < body_len:
            o = r.choice(["pad1", "padn", "ra", "jumbo", "rand", "calipso"])
            if o == "pad1":
                out += b"\x00"
            elif o == "padn":
                n = r.randrange(0, 6)
                out += struct.pack("!BB", 1, n) + b"\0" * n
            elif o == "ra":
                out += b"\x05\x02\x00\x00"
            elif o == "jumbo":
                out += b"\xc2\x04" + struct.pack("!I", r.getrandbits(32))
            elif o == "calipso":
                out += b"\x07\x08" + self.rbytes(8)
            else:
                n = r.randrange(0, 8)
                out += struct.pack("!BB", r.getrandbits(8), n) + self.rbytes(n)
        return out[:body_len]

    def ip6(self, want_frag=False):
        """(inner IPv6 packet, boundaries, is_fragment)."""
        r = self.r
        proto, l4, l4h = self.l4(6)
        chain = []
        for _ in range(r.choice([0, 0, 1, 1, 2, 3, 4])):
            chain.append(r.choice([0, 43, 44, 60, 60, 51]))
        if want_frag and 44 not in chain:
            chain.append(44)
        exts = []
        isfrag = False
        for i, t in enumerate(chain):
            nh = chain[i + 1] if i + 1 < len(chain) else proto
            if t in (0, 60):
                hl = r.choice([0, 0, 1, 2])
                body = self.ext_options(6 + 8 * hl)
                e = struct.pack("!BB", nh, hl) + body
            elif t == 43:
                rtype = r.choice([0, 2, 3, 4, 253, r.getrandbits(8)])
                segs = r.choice([0, 0, 1, 2])
                hl = r.choice([0, 2, 4]) if rtype != 2 else 2
                e = struct.pack("!BBBB", nh, hl, rtype, segs) + self.rbytes(4 + 8 * hl)
            elif t == 44:
                if want_frag or r.random() < 0.3:
                    fo = r.choice([0x0001, 0x0008, 0x0009, 0x00f1, r.getrandbits(16) | 1])
                    isfrag = isfrag or (fo & 0xFFF9) != 0
                else:
                    fo = 0                    # an atomic fragment
                e = struct.pack("!BBHI", nh, 0, fo, r.getrandbits(32))
            else:                             # AH
                hl = r.choice([1, 2, 4])
                e = struct.pack("!BBH", nh, hl, 0) + self.rbytes(4 + 4 * hl)
            if r.random() < 0.05:             # a bogus length in the chain
                e = e[:1] + bytes([r.choice([0xff, 0x40, 0x03])]) + e[2:]
            exts.append(e)
        first = chain[0] if chain else proto
        payload = b"".join(exts) + l4
        plen = len(payload)
        tc = r.choice([0, 0, 1, 2, 3, 0xb8])
        flow = r.getrandbits(20)
        m = r.random()
        if m < 0.05:
            plen = r.choice([0, 1, plen - 1, plen + 1, 65535]) & 0xFFFF
        ver = 6
        if 0.05 <= m < 0.08:
            ver = r.choice([0, 4, 15])
        hdr = struct.pack("!IHBB16s16s", (ver << 28) | (tc << 20) | flow, plen, first,
                          r.choice([64, 64, 1, 0, 255]), IN6_SRC,
                          r.choice([IN6_DST, IN6_DST,
                                    socket.inet_pton(socket.AF_INET6, "ff02::1"),
                                    socket.inet_pton(socket.AF_INET6, "::1"),
                                    socket.inet_pton(socket.AF_INET6, "::")]))
        pkt = hdr + payload
        if 0.08 <= m < 0.13:
            pkt += self.rbytes(r.choice([1, 6, 30]))
        bounds = [40]
        o = 40
        for e in exts:
            o += len(e)
            bounds.append(o)
        bounds.append(o + l4h)
        return pkt, bounds, isfrag

    def frag6(self):
        r = self.r
        proto = r.choice([58, 6, 17, 59])
        size = r.choice([16, 64, 300, 1200, 2400])
        body = self.rbytes(size)
        fid = r.getrandbits(32)
        pattern = r.choice(["inorder", "reverse", "shuffle", "overlap", "dup",
                            "tiny", "nolast", "nofirst", "single-mf",
                            "unfragmentable-ext", "beyond"])
        step = r.choice([8, 16, 64, 512, 1024]) if pattern != "tiny" else 8
        # at most 24 fragments a datagram
        step = max(step, (len(body) // 24 + 7) & ~7)
        pieces = []
        off = 0
        while off < len(body):
            n = min(step, len(body) - off)
            pieces.append((off, body[off:off + n], off + n < len(body)))
            off += n
        if pattern == "reverse":
            pieces.reverse()
        elif pattern == "shuffle":
            r.shuffle(pieces)
        elif pattern == "overlap" and len(pieces) > 1:
            o = pieces[1][0]
            pieces.insert(1, (max(0, o - 8), body[max(0, o - 8):o + 8], True))
        elif pattern == "dup":
            pieces.append(pieces[0])
        elif pattern == "nolast" and len(pieces) > 1:
            pieces.pop()
        elif pattern == "nofirst" and len(pieces) > 1:
            pieces.pop(0)
        elif pattern == "single-mf":
            pieces = [(0, body[:max(8, len(body) // 2) & ~7], True)]
        elif pattern == "beyond":
            pieces.append((65528, b"x" * 16, False))
        pre = b""
        first = 44
        if pattern == "unfragmentable-ext" or r.random() < 0.2:
            # hop-by-hop (and a routing header) in front of the fragment header
            pre = struct.pack("!BB", 43, 0) + b"\x01\x04\0\0\0\0"
            pre += struct.pack("!BBBB", 44, 0, 0, 0) + b"\0" * 4
            first = 0
        out = []
        for o, d, mf in pieces:
            fh = struct.pack("!BBHI", proto, 0, (o & ~7) | (1 if mf else 0), fid)
            payload = pre + fh + d
            hdr = struct.pack("!IHBB16s16s", 6 << 28, len(payload), first, 64,
                              IN6_SRC, IN6_DST)
            out.append(hdr + payload)
        return out

    # ---- inner frames --------------------------------------------------------

    def eth(self, etype, payload, dst=MAC_DST):
        return dst + MAC_SRC + struct.pack("!H", etype) + payload

    def inner(self, frags):
        """A list of (frame, boundaries, is_fragment): one frame, or the
        fragments of one datagram."""
        r = self.r
        if frags == "only":
            if r.random() < 0.5:
                return [(self.eth(0x0800, p), [14], True) for p in self.frag4()]
            if r.random() < 0.7:
                return [(self.eth(0x86DD, p), [14], True) for p in self.frag6()]
            p, b, _ = self.ip6(want_frag=True)
            return [(self.eth(0x86DD, p), [14] + [14 + x for x in b], True)]
        kind = self.pick([("ip4", 6), ("ip6", 6), ("frag4", 1 if frags == "mix" else 0),
                          ("frag6", 1 if frags == "mix" else 0), ("vlan", 2),
                          ("nonip", 2), ("arp", 2), ("random", 2)])
        if kind == "ip4":
            p, b, f = self.ip4()
            return [(self.eth(0x0800, p), [14] + [14 + x for x in b], f)]
        if kind == "ip6":
            p, b, f = self.ip6()
            return [(self.eth(0x86DD, p), [14] + [14 + x for x in b], f)]
        if kind == "frag4":
            return [(self.eth(0x0800, p), [14], True) for p in self.frag4()]
        if kind == "frag6":
            return [(self.eth(0x86DD, p), [14], True) for p in self.frag6()]
        if kind == "vlan":
            tags = r.choice([[0x8100], [0x88A8, 0x8100], [0x9100, 0x8100],
                             [0x8100, 0x8100], [0x88A8]])
            inner_t = r.choice(["ip4", "ip6", "arp", "raw"])
            if inner_t == "ip4":
                p, _, _ = self.ip4()
                et = 0x0800
            elif inner_t == "ip6":
                p, _, _ = self.ip6()
                et = 0x86DD
            elif inner_t == "arp":
                p = self.arp()
                et = 0x0806
            else:
                p = self.rbytes(r.choice([0, 4, 46]))
                et = r.getrandbits(16)
            tagbytes = b""
            for i, t in enumerate(tags):
                nxt = tags[i + 1] if i + 1 < len(tags) else et
                tagbytes += struct.pack("!H", r.getrandbits(16) & 0xEFFF)
                tagbytes += struct.pack("!H", nxt)
            frame = MAC_DST + MAC_SRC + struct.pack("!H", tags[0]) + tagbytes + p
            bounds = [14 + 4 * i for i in range(len(tags) + 1)]
            return [(frame, bounds, False)]
        if kind == "nonip":
            et = r.choice([0x88CC, 0x8847, 0x8848, 0x8863, 0x8864, 0x88B5,
                           0x8137, 0x0806 + 1, 0x22F0, 0x9000,
                           r.randrange(0, 0x600), r.getrandbits(16)])
            dst = r.choice([MAC_DST, MAC_DST, bytes.fromhex("0180c200000e"),
                            b"\xff" * 6])
            return [(self.eth(et, self.rbytes(r.choice([0, 2, 46, 300])), dst), [14], False)]
        if kind == "arp":
            return [(self.eth(0x0806, self.arp(), b"\xff" * 6), [14, 22, 42], False)]
        return [(self.rbytes(r.choice([0, 1, 6, 12, 13, 14, 15, 40, 200, 600])), [], False)]

    def arp(self):
        r = self.r
        m = r.random()
        hln, pln = 6, 4
        if m < 0.15:
            hln, pln = r.getrandbits(8), r.getrandbits(8)
        op = r.choice([1, 2, 1, 3, 8, r.getrandbits(16)])
        body = struct.pack("!HHBBH", r.choice([1, 1, 6, 0x100]),
                           r.choice([0x0800, 0x0800, 0x86DD]), hln, pln, op)
        body += MAC_SRC + IN4_SRC + b"\0" * 6 + socket.inet_aton("198.51.100.199")
        if m > 0.9:
            body = body[:r.randrange(0, len(body))]
        return body

    # ---- VXLAN and UDP -------------------------------------------------------

    def vxlan(self, port):
        """(header, valid_for_port): valid means I set and the VNI is the
        port's own."""
        r = self.r
        vni = TUNNELS[port]
        flags, rsv1, rsv2 = 0x08, 0, 0
        m = r.random()
        if m < 0.08:
            flags = r.getrandbits(8)
        elif m < 0.12:
            flags = 0x00
        elif m < 0.2:
            flags = 0x08 | (r.getrandbits(8) & ~0x08)
            rsv1 = r.getrandbits(24)
            rsv2 = r.getrandbits(8)
        if r.random() < 0.12:
            vni = r.choice([0, 0xFFFFFF, r.getrandbits(24), OTHER[port][0], 899, 902])
        hdr = struct.pack("!B3sI", flags, rsv1.to_bytes(3, "big"), (vni << 8) | rsv2)
        return hdr, bool(flags & 0x08) and vni == TUNNELS[port]


def ce_variant(frame):
    """The frame as RFC 6040 decapsulation of a CE outer makes it, or None."""
    if len(frame) < 14:
        return None
    et = struct.unpack("!H", frame[12:14])[0]
    if et == 0x0800 and len(frame) >= 34 and frame[14] >> 4 == 4:
        tos = frame[15]
        ecn = ((tos & 3) + 1) & 3
        if not ecn & 2:
            return None
        f = bytearray(frame)
        c = struct.unpack("!H", f[24:26])[0]
        # as IP_ECN_set_ce(): the checksum follows the 1 or 2 added to tos
        f[24:26] = struct.pack("!H", csum16_add(c, 0xFFFB + ecn))
        f[15] = tos | 3
        return bytes(f)
    if et == 0x86DD and len(frame) >= 54 and frame[14] >> 4 == 6:
        tc = ((frame[14] & 0xF) << 4) | (frame[15] >> 4)
        if tc & 3 in (0, 3):
            return None
        f = bytearray(frame)
        f[15] |= 0x30
        return bytes(f)
    return None


def trimmed_variant(frame):
    """The frame trimmed to its IP length (link-layer padding dropped)."""
    if len(frame) < 14:
        return None
    et = struct.unpack("!H", frame[12:14])[0]
    if et == 0x0800 and len(frame) >= 34:
        tl = struct.unpack("!H", frame[16:18])[0]
        if 20 <= tl < len(frame) - 14:
            return frame[:14 + tl]
    if et == 0x86DD and len(frame) >= 54:
        pl = struct.unpack("!H", frame[18:20])[0]
        if 0 < pl and 40 + pl < len(frame) - 14:
            return frame[:14 + 40 + pl]
    return None


def frag6(pkt, off=0):
    """Walks an IPv6 packet's extension headers as the kernel does: True if
    a fragment header that is not atomic is found."""
    if len(pkt) < off + 40:
        return False
    nh = pkt[off + 6]
    o = off + 40
    while o + 8 <= len(pkt):
        if nh == 44:
            fo = struct.unpack("!H", pkt[o + 2:o + 4])[0]
            return (fo & 0xFFF9) != 0
        if nh in (0, 43, 60):
            ln = (pkt[o + 1] + 1) * 8
        elif nh == 51:
            ln = (pkt[o + 1] + 2) * 4
        else:
            return False
        nh = pkt[o]
        o += ln
    return False


def frame_is_frag(frame):
    if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
        return (struct.unpack("!H", frame[20:22])[0] & 0x3FFF) != 0
    if frame[12:14] == b"\x86\xdd":
        return frag6(frame, 14)
    return False


def atomic_stripped(frame):
    """An inner IPv6 frame with an atomic fragment header (offset 0, M 0),
    without that header: what reassembling it makes of it. None if there
    is none."""
    if len(frame) < 54 or frame[12:14] != b"\x86\xdd" or frame[14] >> 4 != 6:
        return None
    prev = 14 + 6
    nh = frame[prev]
    o = 14 + 40
    while o + 8 <= len(frame):
        if nh == 44:
            fo = struct.unpack("!H", frame[o + 2:o + 4])[0]
            if fo & 0xFFF9:
                return None
            f = bytearray(frame[:o] + frame[o + 8:])
            f[prev] = frame[o]
            plen = struct.unpack("!H", frame[18:20])[0]
            f[18:20] = struct.pack("!H", (plen - 8) & 0xFFFF)
            # conntrack's own defrag strips a second one
            return atomic_stripped(bytes(f)) or bytes(f)
        if nh in (0, 43, 60):
            ln = (frame[o + 1] + 1) * 8
        elif nh == 51:
            ln = (frame[o + 1] + 2) * 4
        else:
            return None
        prev = o
        nh = frame[o]
        o += ln
    return None


def digest(b):
    return hashlib.sha1(b).hexdigest()


class Sender:
    def __init__(self, a):
        self.a = a
        self.s4 = self.s6 = None
        if a.dst4:
            self.s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            self.s4.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if a.dst6:
            self.s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
            self.s6.bind((a.src6, 0))
            # Reflections to this namespace would queue up on the raw socket.
            self.s6.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sent = 0
        self.errors = 0

    def send4(self, dst, udp, ttl, tos, opts):
        ihl = 5 + len(opts) // 4
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, 0, 0, 0x4000, ttl,
                          17, 0, socket.inet_aton(self.a.src4),
                          socket.inet_aton(dst)) + opts
        try:
            self.s4.sendto(hdr + udp, (dst, 0))
            self.sent += 1
        except OSError:
            self.errors += 1

    def send6(self, udp, hops, tclass, dstopts):
        anc = [(socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, struct.pack("i", hops)),
               (socket.IPPROTO_IPV6, socket.IPV6_TCLASS, struct.pack("i", tclass))]
        if dstopts:
            anc.append((socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS,
                        b"\0\0\x01\x04\0\0\0\0"))
        try:
            self.s6.sendmsg([udp], anc, 0, (self.a.dst6, 0))
            self.sent += 1
        except OSError:
            self.errors += 1


def udp_packet(src, dst, sport, dport, payload, fam, zero=False):
    ln = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, ln, 0)
    if fam == 4:
        pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, ln)
    else:
        pseudo = (socket.inet_pton(socket.AF_INET6, src) +
                  socket.inet_pton(socket.AF_INET6, dst) + struct.pack("!IxxxB", ln, 17))
    c = 0 if zero else (csum(pseudo + hdr + payload) or 0xFFFF)
    return hdr[:6] + struct.pack("!H", c) + payload


def cmd_send(a):
    g = Gen(a.seed)
    r = g.r
    snd = Sender(a)
    fams = [f for f, d in ((4, a.dst4), (6, a.dst6)) if d]
    summary = {"seed": a.seed, "packets": 0, "by_kind": {}, "udp_broken": 0,
               "vxlan_valid": 0, "vxlan_mutated": 0, "truncated": 0,
               "fragments": 0, "outer4": 0, "outer6": 0, "broadcast": 0,
               "zero_csum6": 0, "outer_ce": 0, "outer_ttl_le1": 0}
    rec = open(a.record, "a") if a.record else None
    n = 0
    t0 = time.time()
    while n < a.count:
        fam = r.choice(fams)
        port = r.choice([EXT[1], INT[1]])
        frames = g.inner(a.frags)
        # what the kernel will take for a fragment decides, not the recipe
        frames = [(f, b, frame_is_frag(f)) for f, b, _ in frames]
        if a.frags == "none" and any(x[2] for x in frames):
            continue
        # the outer variations, one draw for all frames of a datagram
        ttl = r.choice([64] * 20 + [1, 0, 255])
        tos = r.choice([0] * 12 + [3, 2, 0xb8])
        opts4 = b""
        if fam == 4 and r.random() < 0.05:
            opts4 = r.choice([b"\x01\x01\x01\x00", b"\x94\x04\x00\x00",
                              b"\x94\x04\x00\x00\x01\x01\x01\x00"])
        dstopts = fam == 6 and r.random() < 0.05
        bcast = fam == 4 and a.bcast4 and r.random() < 0.02
        zero6 = fam == 6 and r.random() < 0.02
        sport = r.randrange(1024, 65536)
        for frame, bounds, isfrag in frames:
            broken = r.random() < 0.03
            vx, valid = g.vxlan(port)
            payload = vx + frame
            trunc = None
            if r.random() < 0.15:
                cuts = [0, 1, 4, 7, 8, 9, 8 + 6, 8 + 13, 8 + 14]
                cuts += [8 + b + d for b in bounds for d in (-1, 0, 1)]
                trunc = max(0, min(len(payload), r.choice(cuts)))
                payload = payload[:trunc]
            dst = a.bcast4 if bcast else (a.dst4 if fam == 4 else a.dst6)
            src = a.src4 if fam == 4 else a.src6
            udp = udp_packet(src, dst, sport, port, payload, fam, zero=zero6)
            kind_broken = None
            if broken:
                kind_broken = r.choice(["short", "badcsum", "biglen", "smalllen"])
                if kind_broken == "short":
                    udp = udp[:r.randrange(0, 8)]
                    summary["udp_short"] = summary.get("udp_short", 0) + 1
                elif kind_broken == "badcsum":
                    udp = udp[:6] + struct.pack("!H", (struct.unpack("!H", udp[6:8])[0] ^ 0x1234) or 1) + udp[8:]
                elif kind_broken == "biglen":
                    udp = udp[:4] + struct.pack("!H", len(udp) + 8) + udp[6:]
                else:
                    udp = udp[:4] + struct.pack("!H", r.randrange(0, 8)) + udp[6:]
            if fam == 4:
                snd.send4(dst, udp, ttl, tos, opts4)
            else:
                snd.send6(udp, ttl, tos, dstopts)
            n += 1
            summary["packets"] += 1
            summary["outer%d" % fam] += 1
            summary["broadcast"] += int(bool(bcast))
            summary["zero_csum6"] += int(zero6)
            summary["outer_ce"] += int(tos == 3)
            summary["outer_ttl_le1"] += int(ttl <= 1)
            summary["udp_broken"] += int(broken)
            summary["truncated"] += int(trunc is not None)
            summary["fragments"] += int(isfrag)
            summary["vxlan_valid" if valid else "vxlan_mutated"] += 1
            k = "frag" if isfrag else ("truncated" if trunc is not None else "whole")
            summary["by_kind"][k] = summary["by_kind"].get(k, 0) + 1
            if rec and valid and not broken:
                f = payload[8:]
                dg = {digest(f)}
                for v in (trimmed_variant(f), ce_variant(f)):
                    if v:
                        dg.add(digest(v))
                if tos == 3:
                    t = trimmed_variant(f)
                    if t and ce_variant(t):
                        dg.add(digest(ce_variant(t)))
                for v in (f, trimmed_variant(f)):
                    v = atomic_stripped(v) if v else None
                    if v:
                        dg.add("A:" + digest(v))
                        if tos == 3 and ce_variant(v):
                            dg.add("A:" + digest(ce_variant(v)))
                dp, dv = OTHER[port][1], OTHER[port][0]
                rec.write("%d %d %d %s\n" % (fam, dp, dv, " ".join(sorted(dg))))
            if a.pace and n % a.pace == 0:
                time.sleep(0.001)
    if rec:
        rec.close()
    summary["sent"] = snd.sent
    summary["send_errors"] = snd.errors
    summary["seconds"] = round(time.time() - t0, 2)
    out = json.dumps(summary, sort_keys=True)
    if a.summary:
        with open(a.summary, "w") as f:
            f.write(out + "\n")
    print(out)
    return 0


def probe_frame(kind):
    """Fixed inner frames for single-packet probes (kind: atomic6: UDP
    behind an atomic fragment header; atomic-frag6: an atomic fragment
    header, then a first fragment (M set) of a datagram never completed)."""
    udp = struct.pack("!HHHH", 40000, 9999, 8 + 16, 0) + b"gwlbtun-probe-00"
    if kind == "atomic6":
        ext = struct.pack("!BBHI", 17, 0, 0, 0x1111)
        first = 44
    elif kind == "atomic-frag6":
        ext = struct.pack("!BBHI", 44, 0, 0, 0x2222)
        ext += struct.pack("!BBHI", 17, 0, 1, 0x3333)
        first = 44
    else:
        raise SystemExit("vxfuzz: unknown probe " + kind)
    pay = ext + udp
    ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(pay), first, 64, IN6_SRC, IN6_DST)
    return MAC_DST + MAC_SRC + struct.pack("!H", 0x86DD) + ip6 + pay


def cmd_probe(a):
    """One probe frame on the External tunnel, from an outer IPv4 sender."""
    frame = probe_frame(a.kind)
    payload = struct.pack("!B3sI", 0x08, b"\0\0\0", EXT[0] << 8) + frame
    snd = Sender(a)
    snd.send4(a.dst4, udp_packet(a.src4, a.dst4, 40001, EXT[1], payload, 4), 64, 0, b"")
    if a.record:
        dg = [digest(frame)]
        stripped = atomic_stripped(frame)
        if stripped:
            dg.append("A:" + digest(stripped))
        with open(a.record, "a") as f:
            f.write("4 %d %d %s\n" % (INT[1], INT[0], " ".join(dg)))
    print(json.dumps({"probe": a.kind, "sent": snd.sent, "frame": frame.hex()}))
    return 0


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        if len(pkt) < incl:
            return
        if linktype == 1:
            et, l3 = struct.unpack("!H", pkt[12:14])[0], pkt[14:]
        elif linktype == 113:
            et, l3 = struct.unpack("!H", pkt[14:16])[0], pkt[16:]
        else:
            raise SystemExit("vxfuzz: unknown link type %d" % linktype)
        yield et, l3


def cmd_check(a):
    want = {}
    for path in a.record.split(","):
        with open(path) as f:
            for line in f:
                fam, dp, dv, *dgs = line.split()
                for d in dgs:
                    want.setdefault(d, set()).add((int(fam), int(dp), int(dv)))
    nva = {socket.inet_aton(a.nva4): 4,
           socket.inet_pton(socket.AF_INET6, a.nva6): 6}
    gwlb = {4: socket.inet_aton(a.gwlb4), 6: socket.inet_pton(socket.AF_INET6, a.gwlb6)}
    res = {"from_nva": 0, "matched": 0, "refragmented": 0, "unmatched": 0,
           "atomic_stripped": 0,
           "wrong_peer": 0, "bad_vxlan": 0, "examples": []}
    for et, l3 in read_pcap(a.pcap):
        if et == 0x0800 and len(l3) >= 20:
            ihl = (l3[0] & 15) * 4
            if l3[9] != 17:
                continue
            src, dst, udp, fam = l3[12:16], l3[16:20], l3[ihl:], 4
        elif et == 0x86DD and len(l3) >= 40:
            if l3[6] != 17:
                continue
            src, dst, udp, fam = l3[8:24], l3[24:40], l3[40:], 6
        else:
            continue
        if nva.get(src) != fam:
            continue
        res["from_nva"] += 1
        sport, dport = struct.unpack("!HH", udp[:4])
        vx = udp[8:16]
        frame = udp[16:]
        if dst != gwlb[fam]:
            res["wrong_peer"] += 1
            res["examples"].append("to %s" % socket.inet_ntop(
                socket.AF_INET if fam == 4 else socket.AF_INET6, dst))
            continue
        if len(vx) < 8 or vx[0] != 0x08 or vx[1:4] != b"\0\0\0" or vx[7] != 0:
            res["bad_vxlan"] += 1
            res["examples"].append("vxlan header %s" % vx.hex())
            continue
        vni = struct.unpack("!I", vx[4:8])[0] >> 8
        exp = want.get(digest(frame))
        if exp and (fam, dport, vni) in exp:
            res["matched"] += 1
            continue
        aexp = want.get("A:" + digest(frame))
        if aexp and (fam, dport, vni) in aexp:
            res["atomic_stripped"] += 1
            if len(res["examples"]) < 10:
                res["examples"].append("atomic fragment header stripped: %s" % frame[:80].hex())
            continue
        if frame_is_frag(frame) and a.allow_refrag and dport in (EXT[1], INT[1]) and \
                vni == TUNNELS[dport]:
            res["refragmented"] += 1
            continue
        res["unmatched"] += 1
        if len(res["examples"]) < 10:
            res["examples"].append("fam %d dport %d vni %d expected %s frame %s" % (
                fam, dport, vni, sorted(exp) if exp else "none", frame[:64].hex()))
    print(json.dumps(res, sort_keys=True))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--count", type=int, default=1000)
    s.add_argument("--src4")
    s.add_argument("--dst4")
    s.add_argument("--src6")
    s.add_argument("--dst6")
    s.add_argument("--bcast4")
    s.add_argument("--frags", choices=["none", "only", "mix"], default="mix")
    s.add_argument("--record")
    s.add_argument("--summary")
    s.add_argument("--pace", type=int, default=32,
                   help="sleep 1 ms after every PACE packets (0: never)")
    c = sub.add_parser("check")
    c.add_argument("--pcap", required=True)
    c.add_argument("--record", required=True)
    c.add_argument("--nva4", required=True)
    c.add_argument("--nva6", required=True)
    c.add_argument("--gwlb4", required=True)
    c.add_argument("--gwlb6", required=True)
    c.add_argument("--allow-refrag", action="store_true")
    p = sub.add_parser("probe")
    p.add_argument("--kind", required=True)
    p.add_argument("--src4", required=True)
    p.add_argument("--dst4", required=True)
    p.add_argument("--record")
    a = ap.parse_args()
    a.dst6 = getattr(a, "dst6", None)
    if a.cmd == "probe":
        return cmd_probe(a)
    return cmd_send(a) if a.cmd == "send" else cmd_check(a)


if __name__ == "__main__":
    sys.exit(main())
