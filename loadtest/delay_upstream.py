#!/usr/bin/env python3
"""A tiny keep-alive HTTP/1.1 upstream that answers every request after DELAY_MS (asyncio, no threads):
  loadtest/delay_upstream.py PORT DELAY_MS
Used by loadtest/batch-bench.sh for the latency part (items that take time upstream, as real APIs do)."""
import asyncio
import sys

PORT, DELAY = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
BODY = b'{"ok":true}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            await asyncio.sleep(DELAY)
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
