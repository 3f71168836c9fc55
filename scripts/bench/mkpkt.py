#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a trafgen(8) packet configuration of ready-made VXLAN packets.

Each packet is what a GWLB sends an NVA: outer Ethernet, IPv4 (no options,
TTL 64) or IPv6 (hop limit 64, when --dst is an IPv6 address), UDP (real
checksum, as a vxlan device with udpcsum sends it), VXLAN
(I flag, VNI), then the inner Ethernet frame: IPv4 + UDP with a zero-filled
payload, every checksum correct. All bytes are computed here, so trafgen only
copies them (no per-packet work in the generator).

--flows N writes N packets that differ in the inner UDP source port (and the
outer UDP source port, as a GWLB hashes each inner flow to its own outer
port); --outer-src A,B,... writes one packet per outer source address. trafgen
sends the packets of a configuration round robin.

usage: mkpkt.py --out FILE --smac MAC --dmac MAC --src IP[,IP...] --dst IP
                --vni N --port N --inner-smac MAC --inner-dmac MAC
                --inner-src IP --inner-dst IP [--frame BYTES] [--flows N]
"""

import argparse
import ipaddress
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ipv4_udp(src, dst, sport, dport, payload, ttl=64):
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    uc = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0, ttl, 17, 0, s, d)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + udp


def ipv6_udp(src, dst, sport, dport, payload, hlim=64):
    s, d = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!IxxxB", ulen, 17)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    uc = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    return struct.pack("!IHBB16s16s", 0x60000000, ulen, 17, hlim, s, d) + udp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--smac", required=True)
    ap.add_argument("--dmac", required=True)
    ap.add_argument("--src", required=True, help="outer source(s), comma-separated")
    ap.add_argument("--dst", required=True)
    ap.add_argument("--vni", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--inner-smac", required=True)
    ap.add_argument("--inner-dmac", required=True)
    ap.add_argument("--inner-src", required=True)
    ap.add_argument("--inner-dst", required=True)
    ap.add_argument("--inner-dport", type=int, default=9)
    ap.add_argument("--frame", type=int, default=64,
                    help="inner Ethernet frame length without FCS (default 64)")
    ap.add_argument("--flows", type=int, default=1)
    a = ap.parse_args()

    payload = bytes(a.frame - 14 - 20 - 8)
    if len(payload) < 0:
        ap.error("--frame too small")
    packets = []
    v6 = ":" in a.dst
    outer_udp, ethertype = (ipv6_udp, b"\x86\xdd") if v6 else (ipv4_udp, b"\x08\x00")
    for src in a.src.split(","):
        for i in range(a.flows):
            inner = (mac(a.inner_dmac) + mac(a.inner_smac) + b"\x08\x00" +
                     ipv4_udp(a.inner_src, a.inner_dst, 10000 + i, a.inner_dport, payload))
            vxlan = struct.pack("!II", 0x08000000, a.vni << 8)
            outer = outer_udp(src, a.dst, 49152 + i, a.port, vxlan + inner)
            packets.append(mac(a.dmac) + mac(a.smac) + ethertype + outer)
    with open(a.out, "w") as f:
        for p in packets:
            f.write("{ " + ", ".join("0x%02x" % b for b in p) + " }\n")


if __name__ == "__main__":
    main()
