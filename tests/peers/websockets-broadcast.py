"""Python `websockets` broadcast: every message to every client, the sender included."""
import asyncio
import sys

from websockets.asyncio.server import broadcast, serve

CONNECTIONS = set()


async def handler(websocket):
    CONNECTIONS.add(websocket)
    try:
        async for message in websocket:
            broadcast(CONNECTIONS, message)
    finally:
        CONNECTIONS.remove(websocket)


async def main(port):
    async with serve(handler, "127.0.0.1", port):
        print(f"listening on {port}", flush=True)
        await asyncio.get_running_loop().create_future()


asyncio.run(main(int(sys.argv[1])))
