#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SYN probe for the nlb selftests.  Sends COUNT TCP SYNs to DST:PORT from
the given source addresses (random distinct source ports) as raw Ethernet
frames to MAC, captures every SYN-ACK coming back, and prints one line per
probe:
    SRC SPORT MAC[,MAC...]    (the Ethernet sources of its SYN-ACKs, "-"
                               when none came)
Run it in the client's namespace; the source addresses must be the
client's own so that the nodes can resolve them."""
import argparse
import os
import random
import signal
import subprocess
import tempfile
import time

from scapy.all import Ether, IP, TCP, conf, rdpcap, sendp  # noqa: E402


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
    conf.verb = 0
    rnd = random.Random(args.seed)
    ports = rnd.sample(range(20000, 60000), args.count)
    probes = [(args.src[i % len(args.src)], ports[i]) for i in range(args.count)]
    frames = [Ether(dst=args.mac) / IP(src=s, dst=args.dst) /
              TCP(sport=p, dport=args.port, flags="S", seq=rnd.getrandbits(32))
              for s, p in probes]

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
        sendp(frames, iface=args.iface, inter=0)
        time.sleep(args.wait)
        # Like a TCP client, send a SYN again once when nothing came back:
        # the emulated guest can lose a frame of the burst before any
        # filter sees it.  A second SYN-ACK from the same node is the same
        # answer; one from another node still counts as a duplicate.
        seen = {(p[IP].dst, p[TCP].dport) for p in rdpcap(pcap)}
        again = [f for pr, f in zip(probes, frames) if pr not in seen]
        if again:
            sendp(again, iface=args.iface, inter=0)
            time.sleep(args.wait)
        dump.send_signal(signal.SIGINT)
        dump.wait()
        replies = {}
        for pkt in rdpcap(pcap):
            key = (pkt[IP].dst, pkt[TCP].dport)
            replies.setdefault(key, []).append(pkt[Ether].src)
    for s, p in probes:
        print(s, p, ",".join(replies.get((s, p), [])) or "-")


main()
