// The socket.io 2 chat (Engine.IO v3), as the 2018 "Get started" and
// Laravel Echo Server run it: every `chat message` (text or bytes) goes to
// everyone, and the sender's callback, when it gives one, is acknowledged.
// Short heartbeats (argv: pingInterval pingTimeout) so that a test can idle
// past them.
const http = require('http').createServer();
const io = require('socket.io-v2')(http, {
  pingInterval: Number(process.argv[3] || 25000),
  pingTimeout: Number(process.argv[4] || 5000),
});
const port = Number(process.argv[2]);
io.on('connection', socket => {
  socket.on('chat message', (msg, ack) => {
    io.emit('chat message', msg);
    if (typeof ack === 'function') ack('ok');
  });
});
http.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
