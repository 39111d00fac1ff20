// The `ws` README's broadcast example: greets each client with a text frame,
// and sends every message to every client (the sender included). With ws 8,
// `data` is a Buffer, so every broadcast is a binary frame holding UTF-8 text.
const { WebSocketServer, WebSocket } = require('ws');
const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port });
wss.on('connection', ws => {
  ws.on('message', data => {
    wss.clients.forEach(c => { if (c.readyState === WebSocket.OPEN) c.send(data); });
  });
  ws.send('something');
});
wss.on('listening', () => console.log(`listening on ${port}`));
