#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one raw gwlbtun SET_DEVICE request and print what the kernel says.

Tests use it for requests gwlbctl refuses to build (out-of-range values,
malformed attributes), so the kernel's own checks are exercised.

  genl-raw.py DEV ATTR...      ATTR is one of
    ext=VNI:PORT  int=VNI:PORT   tunnel nests (values sent as given)
    ext-novni=PORT               a tunnel nest without a VNI
    peer4=HEX  peer6=HEX         one peer attribute with these raw bytes
    peer-type=N:HEX              a peer-nest attribute of type N
    top-type=N:HEX               a top-level attribute of type N
    any=N csum=N hooks=N ttl=N   u8 attributes
    stats                        an (empty) GWLBTUN_A_STATS nest
    stats-flat                   an empty GWLBTUN_A_STATS without NLA_F_NESTED
Prints "error <errno> <extack message>" or "ok"; exits 0 if the kernel
answered at all.
"""
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLMSGERR_ATTR_MSG = 1
NLA_F_NESTED = 0x8000

# include/uapi/linux/gwlbtun.h
CMD_SET_DEVICE = 2
A_IFNAME, A_EXTERNAL, A_INTERNAL, A_PEERS, A_PEERS_ANY = 2, 3, 4, 5, 6
A_TTL, A_UDP_CSUM, A_NF_HOOKS, A_STATS = 7, 8, 9, 13
T_VNI, T_PORT = 1, 2
P_IPV4, P_IPV6 = 1, 2


def attr(atype, payload):
    hdr = struct.pack("HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def nest(atype, payload):
    return attr(atype | NLA_F_NESTED, payload)


def request(sock, mtype, cmd, payload, seq):
    body = struct.pack("BBH", cmd, 1, 0) + payload
    msg = struct.pack("IHHII", 16 + len(body), mtype,
                      NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body
    sock.send(msg)
    replies = []
    while True:
        data = sock.recv(65536)
        off = 0
        while off < len(data):
            length, rtype, flags, rseq, _ = struct.unpack_from("IHHII", data, off)
            replies.append((rtype, flags, data[off + 16:off + length]))
            off += (length + 3) & ~3
            if rtype == NLMSG_ERROR:
                return replies


def parse_attrs(data):
    out = {}
    off = 0
    while off + 4 <= len(data):
        length, atype = struct.unpack_from("HH", data, off)
        out[atype & 0x3fff] = data[off + 4:off + length]
        off += (length + 3) & ~3
    return out


def family_id(sock):
    replies = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                      attr(CTRL_ATTR_FAMILY_NAME, b"gwlbtun\0"), 1)
    for rtype, _, body in replies:
        if rtype == GENL_ID_CTRL:
            return struct.unpack("H", parse_attrs(body[4:])[CTRL_ATTR_FAMILY_ID][:2])[0]
    sys.exit("genl-raw: the gwlbtun family is not registered")


def tunnel(spec, novni=False):
    if novni:
        return attr(T_PORT, struct.pack("H", int(spec)))
    vni, port = spec.split(":")
    return attr(T_VNI, struct.pack("I", int(vni))) + attr(T_PORT, struct.pack("H", int(port)))


def main():
    dev, specs = sys.argv[1], sys.argv[2:]
    payload = attr(A_IFNAME, dev.encode() + b"\0")
    peers = b""
    have_peers = False
    for s in specs:
        key, _, val = s.partition("=")
        if key == "ext":
            payload += nest(A_EXTERNAL, tunnel(val))
        elif key == "int":
            payload += nest(A_INTERNAL, tunnel(val))
        elif key == "ext-novni":
            payload += nest(A_EXTERNAL, tunnel(val, novni=True))
        elif key in ("peer4", "peer6"):
            have_peers = True
            peers += attr(P_IPV4 if key == "peer4" else P_IPV6, bytes.fromhex(val))
        elif key == "peer-type":
            have_peers = True
            t, _, hexval = val.partition(":")
            peers += attr(int(t), bytes.fromhex(hexval))
        elif key == "top-type":
            t, _, hexval = val.partition(":")
            payload += attr(int(t), bytes.fromhex(hexval))
        elif key in ("any", "csum", "hooks", "ttl"):
            atype = {"any": A_PEERS_ANY, "csum": A_UDP_CSUM,
                     "hooks": A_NF_HOOKS, "ttl": A_TTL}[key]
            payload += attr(atype, struct.pack("B", int(val)))
        elif key == "stats":
            payload += nest(A_STATS, b"")
        elif key == "stats-flat":
            payload += attr(A_STATS, b"")
        else:
            sys.exit("genl-raw: unknown attribute spec " + s)
    if have_peers:
        payload += nest(A_PEERS, peers)

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.setsockopt(270, NETLINK_EXT_ACK, 1)   # SOL_NETLINK
    sock.setsockopt(270, NETLINK_CAP_ACK, 1)
    sock.bind((0, 0))
    fid = family_id(sock)
    for rtype, flags, body in request(sock, fid, CMD_SET_DEVICE, payload, 2):
        if rtype != NLMSG_ERROR:
            continue
        err = -struct.unpack_from("i", body)[0]
        if err == 0:
            print("ok")
            return
        msg = parse_attrs(body[4 + 16:]).get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0")
        print("error %d %s" % (err, msg.decode()))
        return


if __name__ == "__main__":
    main()
