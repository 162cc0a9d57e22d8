#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Heartbeat forger for the nlb selftests: builds nlb heartbeat frames as
Documentation/heartbeat.md describes them (version 1, HMAC-SHA256) and
sends bad ones on IFACE, to check that the nodes drop and count each:

    wrong-key   a well-formed heartbeat from node NODE (not a member),
                state active, the cluster's digest, MAC'd with another key
                (accepted, it would add NODE to the map)      -> bad_mac
    no-mac      the same without the MAC flag and MAC          -> bad_mac
    replay      a real heartbeat of node REPLAY_FROM, captured on IFACE,
                sent again unchanged          -> replayed (on the others)
    truncated   a valid frame cut to 40 bytes of payload, and one cut to
                80 of its 96 (length > frame)                  -> malformed
    random      seeded random payloads of 1..200 bytes, each classified
                by the validity rules of heartbeat.md     -> bad_version,
                                                  malformed, ... (printed)
    version     a valid frame with version 2                  -> bad_version
    cluster     a valid, correctly MAC'd frame for cluster id VIP+1
                                                         -> unknown_cluster
    bad-view    authentic, but a VIEW TLV of 7 bytes            -> malformed
    bad-rules   authentic, a good VIEW TLV, then a RULES TLV of 4 bytes
                (not whole settings), of 65 settings, or with a weight of
                101, a priority of 65 or a state of 3          -> malformed

With --crowd IDS (e.g. 2-64) it forges no bad frame: for --seconds it
sends every 100 ms an authentic heartbeat (MAC'd with --key, or without a
MAC when no key is given) from each node of IDS, state active, the
cluster's digest, members IDS plus --members, on IFACE and, as the
backup path, on --cluster-iface: a crowd of live peers for one real
node, and prints {"sent": N}.  Without --cluster-iface the crowd reports
hearing nobody on its cluster NICs (cpath 0), so that the real node does
not take its own cluster NIC, which hears no peer, for broken.

Prints one JSON object: {"sent": {KIND: N}, "expect": {COUNTER: N}, the
increments every node's `nlbctl -j stats` heartbeat counters must show,
"replayed": N, "replay_from": ID} (replayed frames count on the nodes but
REPLAY_FROM itself).  Uses AF_PACKET sockets only (no scapy), so that it
starts fast in the emulated guest.  --selftest checks the encoder against
the example frame of heartbeat.md."""
import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import random
import select
import socket
import struct
import sys
import time

ETH_P_NLB_HB = 0x88B5
HDR_LEN = 64
MAC_LEN = 32
MAX_LEN = 1400
F_MAC, F_BACKUP, F_CARRIER = 0x01, 0x02, 0x04


def hb_mac_addr(vip):
    return bytes([0x03, 0xBF]) + ipaddress.IPv4Address(vip).packed


def encode(dst, src, *, key=None, version=1, type_=1, cluster_id, node_id,
           state=0, flags=F_CARRIER, weight=1, interval=100, nonce, counter,
           birth, digest, members, cpath, tlvs=b"", with_mac=None):
    """A whole Ethernet frame.  with_mac: add the MAC flag and the 32-byte
    MAC (computed with key, or zeros when key is None); default: key set."""
    if with_mac is None:
        with_mac = key is not None
    if with_mac:
        flags |= F_MAC
    length = HDR_LEN + len(tlvs) + (MAC_LEN if with_mac else 0)
    payload = struct.pack(">BBH4sBBBBHHQQQQQQ", version, type_, length,
                          ipaddress.IPv4Address(cluster_id).packed, node_id,
                          state, flags, 0, weight, interval, nonce, counter,
                          birth, digest, members, cpath) + tlvs
    eth = dst + src + struct.pack(">H", ETH_P_NLB_HB)
    if with_mac:
        mac = (hmac.new(key, eth + payload, hashlib.sha256).digest()
               if key is not None else bytes(MAC_LEN))
        payload += mac
    return eth + payload


def classify(payload, cluster_ids):
    """The counter heartbeat.md's receiver rules put PAYLOAD under, for a
    frame whose MAC cannot be right: bad_version, malformed,
    unknown_cluster or bad_mac."""
    n = len(payload)
    if n < 1:
        return "malformed"
    if payload[0] != 1:
        return "bad_version"
    if n < HDR_LEN:
        return "malformed"
    type_, length = payload[1], struct.unpack(">H", payload[2:4])[0]
    node_id, state, flags = payload[8], payload[9], payload[10]
    has_mac = flags & F_MAC
    if not (HDR_LEN + (MAC_LEN if has_mac else 0) <= length <= n and
            length <= MAX_LEN):
        return "malformed"
    if type_ not in (1, 2) or not 1 <= node_id <= 64 or state > 15:
        return "malformed"
    off, end = HDR_LEN, length - (MAC_LEN if has_mac else 0)
    while off < end:
        if off + 4 > end:
            return "malformed"
        vlen = struct.unpack(">H", payload[off + 2:off + 4])[0]
        off += 4 + vlen
        if off > end:
            return "malformed"
    if payload[4:8] not in cluster_ids:
        return "unknown_cluster"
    return "bad_mac"


def selftest():
    """The example of heartbeat.md, byte for byte."""
    want = bytes.fromhex(
        "03 bf 0a 00 00 64 52 54 00 12 34 03 88 b5 01 01"
        "00 60 0a 00 00 64 03 00 05 00 00 32 00 64 01 23"
        "45 67 89 ab cd ef 17 97 9c fe 36 2a 00 29 17 97"
        "9c fe 36 2a 00 00 9d 99 32 bf ba 1c 27 f5 00 00"
        "00 00 00 00 00 0f 00 00 00 00 00 00 00 0b 6c ee"
        "4d 6e 3d 69 5a fe 74 5d 09 87 51 74 d9 50 4d 1d"
        "2f 55 ea 0f 74 78 64 08 d8 8d 83 1b 38 3b".replace(" ", ""))
    birth = 1700000000000000000
    got = encode(hb_mac_addr("10.0.0.100"), bytes.fromhex("525400123403"),
                 key=bytes(range(32)), cluster_id="10.0.0.100", node_id=3,
                 state=0, flags=F_CARRIER, weight=50, interval=100,
                 nonce=0x0123456789ABCDEF, counter=birth + 41, birth=birth,
                 digest=0x9D9932BFBA1C27F5, members=0x0F, cpath=0x0B)
    if got != want:
        print("hbforge: selftest failed:\n got  %s\n want %s" %
              (got.hex(), want.hex()), file=sys.stderr)
        return 1
    print("hbforge: selftest ok")
    return 0


def capture(sock, src_mac, timeout):
    """One heartbeat frame from SRC_MAC (not BACKUP), as received."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit("hbforge: no heartbeat from %s within %.1f s" %
                     (src_mac.hex(":"), timeout))
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        frame, addr = sock.recvfrom(2048)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        if frame[6:12] == src_mac and len(frame) >= 14 + HDR_LEN and \
           not frame[14 + 10] & F_BACKUP:
            return frame


def load_key(path):
    """The 32-byte cluster key of a key file (base64, as nlbctl genkey)."""
    key = base64.b64decode(open(path).read().strip(), validate=True)
    assert len(key) == 32
    return key


def hb_socket(iface):
    """An AF_PACKET socket for heartbeat frames on IFACE, and its MAC."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(ETH_P_NLB_HB))
    sock.bind((iface, 0))
    return sock, sock.getsockname()[4][:6]


def crowd(args):
    """Heartbeats from every node of args.crowd, every 100 ms."""
    if not args.digest:
        sys.exit("hbforge: --crowd needs --digest")
    key = load_key(args.key) if args.key else None
    lo, _, hi = args.crowd.partition("-")
    ids = range(int(lo), int(hi or lo) + 1)
    members = args.members
    for i in ids:
        members |= 1 << (i - 1)
    paths = []          # (socket, source MAC, flags, cpath)
    for iface, flags in ((args.iface, F_CARRIER),
                         (args.cluster_iface, F_CARRIER | F_BACKUP)):
        if not iface:
            continue
        sock, src = hb_socket(iface)
        paths.append((sock, src, flags, members if args.cluster_iface else 0))
    dst = hb_mac_addr(args.vip)
    rnd = random.Random(args.seed)
    # One incarnation per node: a fixed nonce and birth (a new nonce
    # while the node lives would make it a duplicate).
    nonce = {i: rnd.getrandbits(64) for i in ids}
    birth = {i: time.time_ns() - 10**9 - i for i in ids}
    sent = 0
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        for i in ids:
            for sock, src, flags, cpath in paths:
                sock.send(encode(dst, src, key=key, cluster_id=args.vip,
                                 node_id=i, flags=flags, nonce=nonce[i],
                                 counter=time.time_ns(), birth=birth[i],
                                 digest=int(args.digest, 16),
                                 members=members, cpath=cpath))
                sent += 1
        time.sleep(0.1)
    print(json.dumps({"sent": sent}))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--iface", default="eth1")
    ap.add_argument("--vip", default="192.0.2.100")
    ap.add_argument("--key", help="the cluster's key file (base64)")
    ap.add_argument("--digest", help="the cluster's digest, 16 hex digits")
    ap.add_argument("--node", type=int, default=5,
                    help="node id the forged frames claim")
    ap.add_argument("--members", type=lambda s: int(s, 0), default=0x1F)
    ap.add_argument("--count", type=int, default=5, help="frames per kind")
    ap.add_argument("--replay-from", help="MAC of the node whose heartbeat "
                    "is captured and replayed")
    ap.add_argument("--replay-id", type=int, default=0,
                    help="its node id (reported back)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--crowd", help="node ids LO-HI: send live heartbeats "
                    "from each instead of bad frames")
    ap.add_argument("--seconds", type=float, default=10.0,
                    help="how long --crowd sends")
    ap.add_argument("--cluster-iface",
                    help="--crowd: also send on this interface (backup path)")
    args = ap.parse_args()
    if args.selftest:
        return selftest()
    if args.crowd:
        return crowd(args)
    if not (args.key and args.digest):
        ap.error("--key and --digest are required")
    key = load_key(args.key)
    digest = int(args.digest, 16)
    rnd = random.Random(args.seed)
    vip = args.vip
    other = str(ipaddress.IPv4Address(vip) + 1)
    dst = hb_mac_addr(vip)

    sock, src = hb_socket(args.iface)

    sent, expect = {}, {}

    def count(kind, counter, n=1):
        sent[kind] = sent.get(kind, 0) + n
        if counter:
            expect[counter] = expect.get(counter, 0) + n

    def valid(**kw):
        now = time.time_ns()
        base = dict(key=key, cluster_id=vip, node_id=args.node, state=0,
                    nonce=rnd.getrandbits(64), counter=now, birth=now - 10**9,
                    digest=digest, members=args.members, cpath=args.members)
        base.update(kw)
        return encode(dst, src, **base)

    frames = []
    # The replayed frame first: captured before anything else is sent.
    replay = None
    if args.replay_from:
        replay = capture(sock, bytes.fromhex(args.replay_from.replace(":", "")),
                         5.0)
        # Let a newer heartbeat of that node reach everyone first.
        time.sleep(0.3)
        for _ in range(args.count):
            frames.append(replay)
        sent["replay"] = args.count
    for _ in range(args.count):
        frames.append(valid(key=os.urandom(32)))
        count("wrong-key", "bad_mac")
        frames.append(valid(key=None, with_mac=False))
        count("no-mac", "bad_mac")
        f = valid()
        frames.append(f[:14 + 40])
        count("truncated", "malformed")
        frames.append(f[:14 + 80])
        count("truncated", "malformed")
        frames.append(valid(version=2))
        count("version", "bad_version")
        # Authentic, from an unknown node, but a VIEW TLV of 7 bytes.
        frames.append(valid(tlvs=struct.pack(">HH", 2, 7) + bytes(7)))
        count("bad-view", "malformed")
        # Authentic, a good VIEW, then RULES settings no node can have
        # (heartbeat.md: weight 0..100 or 255, priority 0..64, state 0..2).
        view = struct.pack(">HHQ", 2, 8, rnd.getrandbits(64))
        for rules in (bytes(4), bytes(195), bytes([101, 0, 0]), bytes([255, 65, 0]),
                      bytes([50, 0, 0, 255, 0, 3])):
            frames.append(valid(tlvs=view + struct.pack(">HH", 3, len(rules)) + rules))
            count("bad-rules", "malformed")
        frames.append(encode(hb_mac_addr(other), src, key=key,
                             cluster_id=other, node_id=args.node,
                             nonce=1, counter=time.time_ns(), birth=1,
                             digest=digest, members=args.members,
                             cpath=args.members))
        count("cluster", "unknown_cluster")
        payload = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 200)))
        # One in two random payloads starts with version 1, to reach the
        # later checks too.
        if rnd.random() < 0.5:
            payload = b"\x01" + payload[1:]
        frames.append(dst + src + struct.pack(">H", ETH_P_NLB_HB) + payload)
        count("random", classify(payload, {ipaddress.IPv4Address(vip).packed}))
    for f in frames:
        sock.send(f)
        time.sleep(0.002)
    print(json.dumps({"sent": sent, "expect": expect,
                      "replayed": sent.get("replay", 0),
                      "replay_from": args.replay_id}))
    return 0


sys.exit(main())
