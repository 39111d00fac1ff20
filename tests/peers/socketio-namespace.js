// socket.io 4 with the chat in a namespace (`io.of('/chat')`); the default
// namespace says something else, which a client in /chat must not show.
// Short heartbeats (argv: pingInterval pingTimeout) so that a test can idle
// past them.
const { createServer } = require('http');
const { Server } = require('socket.io');
const port = Number(process.argv[2]);
const http = createServer();
const io = new Server(http, {
  cors: { origin: '*' },
  pingInterval: Number(process.argv[3] || 25000),
  pingTimeout: Number(process.argv[4] || 20000),
});
io.on('connection', socket => socket.emit('chat message', 'from the default namespace'));
const chat = io.of('/chat');
chat.on('connection', socket => {
  socket.emit('welcome', 'you are in /chat');
  socket.on('chat message', (msg, ack) => {
    chat.emit('chat message', msg);
    if (typeof ack === 'function') ack();
  });
});
http.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
