#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test server for the nlb selftests: answers every TCP connection on the
given ports with one line "node ID" and closes it, so a client can tell
which cluster node took its connection.  Runs until killed."""
import argparse
import asyncio


async def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--id", required=True, help="node id to report")
    ap.add_argument("--port", type=int, action="append", required=True)
    ap.add_argument("--ready", help="file to create once listening")
    args = ap.parse_args()
    reply = f"node {args.id}\n".encode()

    async def handle(reader, writer):
        try:
            writer.write(reply)
            await writer.drain()
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, "0.0.0.0", p, backlog=4096,
                                          reuse_address=True)
               for p in args.port]
    if args.ready:
        open(args.ready, "w").close()
    await asyncio.gather(*(s.serve_forever() for s in servers))


asyncio.run(main())
