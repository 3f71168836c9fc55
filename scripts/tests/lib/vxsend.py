#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""vxsend.py: send hand-made VXLAN packets at a gwlbtun device, for the
cases the kernel's own vxlan driver never sends: multicast and broadcast
destinations, IPv6 with a zero UDP checksum, chosen outer TTL and DS field,
tagged and non-IP inner frames, a given inner DS field; and, over IPv4,
outer packets written whole (a raw socket, --src needed): with a bad UDP
checksum, with IP options, or in two IP fragments.

  vxsend.py --dst ADDR [--port 10801] [--vni 901] [--src ADDR] [--ifname IF]
            [--ttl N] [--tos N] [--zero-csum] [--count N]
            [--outer4 bad-csum|ip-opts|frag]
            [--inner icmp4|vlan-icmp4|qinq-icmp4|nonip|arp|vxlan4]
            [--inner-tos N] [--inner-dst ADDR] [--inner-dmac MAC]

The inner frame goes from 203.0.113.99 to 198.51.100.20 (ICMP echo), the
documentation addresses of the end-to-end topology; the ARP request asks
for 198.51.100.199, which nobody answers. vxlan4 is an IPv4 UDP packet to
--inner-dst (default 198.51.100.20) port --port carrying VXLAN (--vni) around
the icmp4 frame: a tunnel packet inside the tunnel. --inner-dmac sets the
inner frame's destination MAC. Exits 0 once sent.
"""
import argparse
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4_icmp(tos):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x6777, 1) + b"gwlbtun-vxsend" * 4
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(icmp), 0x1234, 0,
                      64, socket.IPPROTO_ICMP, 0,
                      socket.inet_aton("203.0.113.99"),
                      socket.inet_aton("198.51.100.20"))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + icmp


def ip4_hdr(src, dst, proto, plen, ttl=64, tos=0, ident=0x1234, frag=0,
            opts=b""):
    ihl = 5 + len(opts) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + plen, ident,
                      frag, ttl, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst)) + opts
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]


def udp4(src, dst, sport, dport, payload, check=True):
    """A UDP header and payload, with its checksum (0 unless check)."""
    ulen = 8 + len(payload)
    u = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    if not check:
        return u
    pseudo = (socket.inet_aton(src) + socket.inet_aton(dst) +
              struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen))
    c = csum(pseudo + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def inner_frame(kind, tos, idst="198.51.100.20", dmac=None, port=10801,
                vni=901):
    dst = bytes.fromhex((dmac or "02:00:00:00:00:20").replace(":", ""))
    src = bytes.fromhex("020000000099")
    if kind == "vxlan4":
        vx = (struct.pack("!II", 0x08000000, vni << 8) +
              inner_frame("icmp4", tos))
        u = udp4("203.0.113.99", idst, 40001, port, vx, check=False)
        return (dst + src + struct.pack("!H", 0x0800) +
                ip4_hdr("203.0.113.99", idst, socket.IPPROTO_UDP, len(u),
                        tos=tos) + u)
    if kind == "icmp4":
        return dst + src + struct.pack("!H", 0x0800) + ip4_icmp(tos)
    if kind == "vlan-icmp4":
        return (dst + src + struct.pack("!HHH", 0x8100, 42, 0x0800) +
                ip4_icmp(tos))
    if kind == "qinq-icmp4":
        return (dst + src + struct.pack("!HHHHH", 0x88A8, 7, 0x8100, 42,
                                        0x0800) + ip4_icmp(tos))
    if kind == "nonip":
        return dst + src + struct.pack("!H", 0x88B5) + b"gwlbtun" * 8
    if kind == "arp":
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src,
                          socket.inet_aton("203.0.113.99"), b"\0" * 6,
                          socket.inet_aton("198.51.100.199"))
        return b"\xff" * 6 + src + struct.pack("!H", 0x0806) + arp
    raise SystemExit("vxsend: unknown inner kind " + kind)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dst", required=True)
    ap.add_argument("--src")
    ap.add_argument("--ifname", help="outgoing device (link-local, multicast)")
    ap.add_argument("--port", type=int, default=10801)
    ap.add_argument("--sport", type=int, default=0)
    ap.add_argument("--vni", type=int, default=901)
    ap.add_argument("--ttl", type=int)
    ap.add_argument("--tos", type=int, help="outer DS field (DSCP and ECN)")
    ap.add_argument("--zero-csum", action="store_true",
                    help="IPv6 only: a zero UDP checksum (raw socket)")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--inner", default="icmp4")
    ap.add_argument("--inner-tos", type=int, default=0)
    ap.add_argument("--inner-dst", default="198.51.100.20")
    ap.add_argument("--inner-dmac")
    ap.add_argument("--outer4", choices=["bad-csum", "ip-opts", "frag"],
                    help="IPv4: the outer packet written whole (needs --src)")
    a = ap.parse_args()

    vxlan = struct.pack("!II", 0x08000000, a.vni << 8)
    payload = vxlan + inner_frame(a.inner, a.inner_tos, a.inner_dst,
                                  a.inner_dmac, a.port, a.vni)
    v6 = ":" in a.dst
    if a.outer4:
        return send_outer4(a, payload)
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    if a.zero_csum:
        if not v6:
            raise SystemExit("vxsend: --zero-csum is for IPv6")
        sock = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_UDP)
        sport = a.sport or 40000
        data = struct.pack("!HHHH", sport, a.port, 8 + len(payload), 0)
        data += payload
        port = 0
    else:
        sock = socket.socket(fam, socket.SOCK_DGRAM)
        data = payload
        port = a.port
    if a.ifname:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                        a.ifname.encode())
    if a.src or a.sport:
        sock.bind((a.src or ("::" if v6 else "0.0.0.0"), a.sport if port else 0))
    if v6:
        if a.ttl is not None:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, a.ttl)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS,
                            a.ttl)
        if a.tos is not None:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, a.tos)
        if a.ifname:
            idx = socket.if_nametoindex(a.ifname)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
            dest = (a.dst, port, 0, idx)
        else:
            dest = (a.dst, port)
    else:
        if a.ttl is not None:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
        if a.tos is not None:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, a.tos)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        dest = (a.dst, port)
    for _ in range(a.count):
        sock.sendto(data, dest)
    return 0


def send_outer4(a, payload):
    """The whole IPv4 packet through an IPPROTO_RAW socket (IP_HDRINCL)."""
    if ":" in a.dst or not a.src:
        raise SystemExit("vxsend: --outer4 needs IPv4 --dst and --src")
    ttl = 64 if a.ttl is None else a.ttl
    tos = a.tos or 0
    u = udp4(a.src, a.dst, a.sport or 40000, a.port, payload)
    if a.outer4 == "bad-csum":
        c = struct.unpack("!H", u[6:8])[0] ^ 0x5555 or 1
        u = u[:6] + struct.pack("!H", c) + u[8:]
    pkts = []
    if a.outer4 == "frag":
        cut = 64          # a multiple of 8: the second fragment's offset
        pkts.append(ip4_hdr(a.src, a.dst, socket.IPPROTO_UDP, cut, ttl, tos,
                            frag=0x2000) + u[:cut])
        pkts.append(ip4_hdr(a.src, a.dst, socket.IPPROTO_UDP, len(u) - cut,
                            ttl, tos, frag=cut // 8) + u[cut:])
    else:
        # NOP NOP NOP EOL: a valid header of 24 bytes
        opts = b"\x01\x01\x01\x00" if a.outer4 == "ip-opts" else b""
        pkts.append(ip4_hdr(a.src, a.dst, socket.IPPROTO_UDP, len(u), ttl,
                            tos, opts=opts) + u)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    if a.ifname:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                        a.ifname.encode())
    for _ in range(a.count):
        for p in pkts:
            sock.sendto(p, (a.dst, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
