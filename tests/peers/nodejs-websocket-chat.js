// The nodejs-websocket chat room example: renames everyone userN and
// rewrites each line.
const ws = require('nodejs-websocket');
const port = Number(process.argv[2]);
let n = 0;
const server = ws.createServer(conn => {
  const name = 'user' + (++n);
  broadcast(name + ' comes in');
  conn.on('text', text => broadcast(name + ' says: ' + text));
  conn.on('close', () => broadcast(name + ' left'));
  conn.on('error', () => {});
});
function broadcast(text) {
  server.connections.forEach(c => c.sendText(text));
}
server.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
