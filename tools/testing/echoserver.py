#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Echo server for the nlb selftests, run on every cluster node.

TCP (--port, repeatable): greets every connection with one line "node ID"
(so tcpclients.py and connloop.py, which read one line and close, work
against it too), then answers every line LINE it receives with
"node ID LINE", and keeps the connection open until the client closes it.
UDP (--udp-port, repeatable, bound to --udp-addr, the VIP, so that the
answers come from the address the client sent to): answers every datagram
DATA with "node ID DATA".  --ready FILE is created once every socket listens.  Runs
until killed."""
import argparse
import asyncio


class Udp(asyncio.DatagramProtocol):
    def __init__(self, prefix):
        self.prefix = prefix
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(self.prefix + data, addr)


async def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--id", required=True, help="node id to report")
    ap.add_argument("--port", type=int, action="append", default=[])
    ap.add_argument("--udp-port", type=int, action="append", default=[])
    ap.add_argument("--udp-addr", default="0.0.0.0")
    ap.add_argument("--ready", help="file to create once listening")
    args = ap.parse_args()
    greeting = f"node {args.id}\n".encode()
    prefix = f"node {args.id} ".encode()

    async def handle(reader, writer):
        try:
            writer.write(greeting)
            while True:
                line = await reader.readline()
                if not line:
                    break
                writer.write(prefix + line)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    loop = asyncio.get_running_loop()
    servers = [await asyncio.start_server(handle, "0.0.0.0", p, backlog=4096,
                                          reuse_address=True)
               for p in args.port]
    for p in args.udp_port:
        await loop.create_datagram_endpoint(lambda: Udp(prefix),
                                            local_addr=(args.udp_addr, p))
    if args.ready:
        open(args.ready, "w").close()
    if servers:
        await asyncio.gather(*(s.serve_forever() for s in servers))
    else:
        await asyncio.Event().wait()


asyncio.run(main())
