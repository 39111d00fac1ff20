// npm `sockjs` servers. "chat": a broadcast chat at /chat (every message to
// every connection, the sender included). "stomp": STOMP over SockJS at
// /ws, each connection piped to a real STOMP broker's TCP port, as
// Spring's broker relay does.
// argv: PORT MODE [STOMP_PORT]
const http = require('http');
const net = require('net');
const sockjs = require('sockjs');
const [port, mode, stompPort] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const server = http.createServer();
const quiet = { log: () => {} };
if (mode === 'stomp') {
  const ws = sockjs.createServer(quiet);
  ws.on('connection', conn => {
    const tcp = net.connect(stompPort, '127.0.0.1');
    tcp.setEncoding('utf8');
    tcp.on('data', d => conn.write(d));
    tcp.on('close', () => conn.close(1000, 'broker closed'));
    tcp.on('error', () => conn.close(1011, 'broker unreachable'));
    conn.on('data', d => tcp.write(d));
    conn.on('close', () => tcp.destroy());
  });
  ws.installHandlers(server, { prefix: '/ws' });
} else {
  const chat = sockjs.createServer(quiet);
  const clients = new Set();
  chat.on('connection', conn => {
    clients.add(conn);
    conn.on('data', d => clients.forEach(c => c.write(d)));
    conn.on('close', () => clients.delete(conn));
  });
  chat.installHandlers(server, { prefix: '/chat' });
}
server.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
