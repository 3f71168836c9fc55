#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Dump every gwlbtun device, running a command between two parts of the dump.

  genl-dump.py COMMAND...

Sends GWLBTUN_CMD_GET_DEVICE with NLM_F_DUMP, reads the first datagram of
the answer, runs COMMAND (e.g. "ip link add gwlbX type gwlbtun"), then reads
the rest. Reading a part makes the kernel prepare the next one, so the
change shows from the third part on: with ~30 devices a part, 100 devices
are plenty. Prints "<messages in the first part> <messages in all>
<intr|clean>": intr when a message of the dump carried NLM_F_DUMP_INTR.
With enough devices the first part holds only some of them, so a device
added or removed by COMMAND must show up as intr.
"""
import socket
import struct
import subprocess
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR = 1, 4, 0x300, 0x10
NLMSG_ERROR, NLMSG_DONE = 2, 3
CMD_GET_DEVICE = 1


def attr(atype, payload):
    return (struct.pack("HH", 4 + len(payload), atype) + payload +
            b"\0" * ((4 - len(payload) % 4) % 4))


def send(sock, mtype, cmd, flags, payload, seq):
    body = struct.pack("BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("IHHII", 16 + len(body), mtype,
                          NLM_F_REQUEST | flags, seq, 0) + body)


def messages(data):
    off = 0
    while off + 16 <= len(data):
        length, mtype, flags, _, _ = struct.unpack_from("IHHII", data, off)
        yield mtype, flags, data[off + 16:off + length]
        off += (length + 3) & ~3


def family_id(sock):
    send(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK,
         attr(CTRL_ATTR_FAMILY_NAME, b"gwlbtun\0"), 1)
    for mtype, _, body in messages(sock.recv(65536)):
        if mtype == GENL_ID_CTRL:
            off = 4
            while off + 4 <= len(body):
                alen, atype = struct.unpack_from("HH", body, off)
                if atype == CTRL_ATTR_FAMILY_ID:
                    return struct.unpack_from("H", body, off + 4)[0]
                off += (alen + 3) & ~3
    sys.exit("genl-dump: no gwlbtun family")


def main():
    ctrl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    ctrl.bind((0, 0))
    fid = family_id(ctrl)
    # A socket of its own, read 4 KiB at a time: the kernel sizes each part
    # of a dump by the largest read so far, so the parts stay small.
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    send(sock, fid, CMD_GET_DEVICE, NLM_F_DUMP, b"", 2)
    first = total = 0
    intr = done = False
    part = 0
    while not done:
        data = sock.recv(4096)
        for mtype, flags, body in messages(data):
            if flags & NLM_F_DUMP_INTR:
                intr = True
            if mtype == NLMSG_DONE:
                done = True
            elif mtype == NLMSG_ERROR:
                sys.exit("genl-dump: error %d" % struct.unpack_from("i", body)[0])
            elif mtype == fid:
                total += 1
        if part == 0:
            first = total
            if not done:
                subprocess.run(sys.argv[1:], check=True)
        part += 1
    print(first, total, "intr" if intr else "clean")


if __name__ == "__main__":
    main()
