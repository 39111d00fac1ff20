// A same-origin front, as a proxy in production would be: WebSocket
// upgrades go to the chat server (which checks Origin against Host),
// everything else (the Roomcast page) to the app server.
// argv: PORT WS_PORT APP_PORT
const http = require('http');
const net = require('net');
const [port, wsPort, appPort] = process.argv.slice(2).map(Number);
const front = http.createServer((req, res) => {
  const upstream = http.request(
    { host: '127.0.0.1', port: appPort, path: req.url, method: req.method, headers: req.headers },
    answer => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => { res.writeHead(502); res.end('bad gateway'); });
  req.pipe(upstream);
});
front.on('upgrade', (req, socket, head) => {
  const upstream = net.connect(wsPort, '127.0.0.1', () => {
    let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      lines += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    }
    upstream.write(lines + '\r\n');
    upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
});
front.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
