// A `ws` server that greets with a JSON object that is not a chat message,
// then relays text to every other client (not back to the sender).
const { WebSocketServer, WebSocket } = require('ws');
const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port });
wss.on('connection', ws => {
  ws.send(JSON.stringify({ attribute: 'connected' }));
  ws.on('message', (data, isBinary) => {
    wss.clients.forEach(c => {
      if (c !== ws && c.readyState === WebSocket.OPEN) c.send(data, { binary: isBinary });
    });
  });
});
wss.on('listening', () => console.log(`listening on ${port}`));
