// A front like a proxy that forwards plain HTTP but refuses WebSocket
// upgrades (403): `/socket.io/` goes to the socket.io server, everything
// else (the Roomcast page) to the app server, so both are one origin.
// argv: PORT SOCKETIO_PORT APP_PORT
const http = require('http');
const [port, sioPort, appPort] = process.argv.slice(2).map(Number);
const front = http.createServer((req, res) => {
  const target = req.url.startsWith('/socket.io/') ? sioPort : appPort;
  const upstream = http.request(
    { host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers },
    answer => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => { res.writeHead(502); res.end('bad gateway'); });
  req.pipe(upstream);
});
front.on('upgrade', (req, socket) => {
  socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
});
front.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
