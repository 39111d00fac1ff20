// Sends COUNT short lines as fast as it can to each client that connects
// (a burst like a busy room's backlog), then one last line.
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2]);
const count = Number(process.argv[3] || 20000);
const wss = new WebSocketServer({ host: '127.0.0.1', port });
wss.on('connection', ws => {
  for (let i = 1; i <= count; i++) ws.send(`flood ${i}`);
  ws.send('flood done');
});
wss.on('listening', () => console.log(`listening on ${port}`));
