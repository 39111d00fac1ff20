// An MQTT broker over WebSocket: aedes behind a `ws` server (the
// subprotocol `mqtt` is chosen), one binary stream per connection.
// argv: PORT
const aedes = require('aedes');
const { WebSocketServer, createWebSocketStream } = require('ws');
const port = Number(process.argv[2]);
(async () => {
  const broker = aedes.createBroker ? await aedes.createBroker() : aedes();
  const wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: p => p.has('mqtt') ? 'mqtt' : false });
  wss.on('connection', ws => broker.handle(createWebSocketStream(ws)));
  wss.on('listening', () => console.log(`listening on ${port}`));
})();
