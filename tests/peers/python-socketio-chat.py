"""python-socketio 5 chat (aiohttp): every `chat message` to everyone.

argv: PORT [cors]. Without `cors`, python-socketio's default origin check
refuses pages from any other origin (HTTP 400 "Not an accepted origin");
with it, every origin is allowed.
"""
import sys

import socketio
from aiohttp import web

port = int(sys.argv[1])
cors = "*" if len(sys.argv) > 2 and sys.argv[2] == "cors" else None
sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins=cors)
app = web.Application()
sio.attach(app)


@sio.on("chat message")
async def chat(sid, msg):
    await sio.emit("chat message", msg)


async def ready(_app):
    print(f"listening on {port}", flush=True)


app.on_startup.append(ready)
web.run_app(app, host="127.0.0.1", port=port, print=None)
