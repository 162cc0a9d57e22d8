#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SYN probe for the nlb selftests.  Sends COUNT TCP SYNs to DST:PORT from
the given source addresses (random distinct source ports) as raw Ethernet
frames to MAC, captures every SYN-ACK coming back, and prints one line per
probe:
    SRC SPORT MAC[,MAC...]    (the Ethernet sources of its SYN-ACKs, "-"
                               when none came)
Run it in the client's namespace; the source addresses must be the
client's own so that the nodes can resolve them.

The frames are built and the capture is read with struct, not scapy:
under an emulated CPU scapy takes about a minute to build, send and
dissect 2000 frames, this a second or two."""
import argparse
import errno
import os
import random
import signal
import socket
import struct
import subprocess
import tempfile
import time

ETH_P_IP = 0x0800


def csum(data):
    """The Internet checksum of data (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def syn_frame(smac, dmac, src, dst, sport, dport, seq):
    """Ethernet + IPv4 + TCP SYN, checksums filled in."""
    saddr, daddr = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02,
                      8192, 0, 0)
    pseudo = saddr + daddr + struct.pack("!BBH", 0, socket.IPPROTO_TCP,
                                         len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64,
                     socket.IPPROTO_TCP, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + struct.pack("!H", ETH_P_IP) + ip + tcp


def send_all(sock, frames):
    for f in frames:
        while True:
            try:
                sock.send(f)
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                time.sleep(0.001)


def read_pcap(path):
    """(Ethernet source, IPv4 destination, TCP destination port) of every
    IPv4/TCP frame of a classic pcap file of Ethernet frames."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit(f"synprobe: {path}: not a pcap file")
    if struct.unpack(end + "I", data[20:24])[0] != 1:
        raise SystemExit(f"synprobe: {path}: not an Ethernet capture")
    out, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 34 or pkt[12:14] != b"\x08\x00" or pkt[23] != 6:
            continue
        ihl = (pkt[14] & 0x0f) * 4
        if len(pkt) < 14 + ihl + 4:
            continue
        mac = ":".join(f"{b:02x}" for b in pkt[6:12])
        dst = socket.inet_ntoa(pkt[30:34])
        dport = struct.unpack("!H", pkt[14 + ihl + 2:14 + ihl + 4])[0]
        out.append((mac, dst, dport))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--mac", required=True, help="destination MAC")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--src", action="append", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wait", type=float, default=3.0)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    ports = rnd.sample(range(20000, 60000), args.count)
    probes = [(args.src[i % len(args.src)], ports[i]) for i in range(args.count)]
    with open(f"/sys/class/net/{args.iface}/address") as f:
        smac = bytes.fromhex(f.read().strip().replace(":", ""))
    dmac = bytes.fromhex(args.mac.replace(":", ""))
    frames = [syn_frame(smac, dmac, s, args.dst, p, args.port,
                        rnd.getrandbits(32)) for s, p in probes]
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((args.iface, 0))

    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "synack.pcap")
        flt = (f"src host {args.dst} and tcp src port {args.port} and "
               "tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)")
        dump = subprocess.Popen(["tcpdump", "-i", args.iface, "-n", "-U",
                                 "-B", "16384", "-w", pcap, flt],
                                stderr=subprocess.PIPE)
        # tcpdump says "listening on" once the capture is armed.
        dump.stderr.readline()
        time.sleep(0.5)
        send_all(sock, frames)
        time.sleep(args.wait)
        # Like a TCP client, send a SYN again once when nothing came back:
        # the emulated guest can lose a frame of the burst before any
        # filter sees it.  A second SYN-ACK from the same node is the same
        # answer; one from another node still counts as a duplicate.
        seen = {(d, p) for _, d, p in read_pcap(pcap)}
        again = [f for pr, f in zip(probes, frames) if pr not in seen]
        if again:
            send_all(sock, again)
            time.sleep(args.wait)
        dump.send_signal(signal.SIGINT)
        dump.wait()
        replies = {}
        for mac, d, p in read_pcap(pcap):
            replies.setdefault((d, p), []).append(mac)
    for s, p in probes:
        print(s, p, ",".join(replies.get((s, p), [])) or "-")


main()
