// The socket.io "chat" tutorial server: every `chat message` goes to everyone.
const { createServer } = require('http');
const { Server } = require('socket.io');
const port = Number(process.argv[2]);
const http = createServer();
const io = new Server(http, { cors: { origin: '*' } });
io.on('connection', socket => {
  socket.on('chat message', msg => io.emit('chat message', msg));
});
http.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
