// A `ws` server that records what it receives: every frame printed as
// "got text <JSON string>" or "got binary <hex>", in order, byte-exact; on
// each connection "connection N" (and "closed N" when it ends). It echoes text frames back (so the page
// sees a reply) and says nothing first, unless told to greet: then it sends
// "hello 1" and "hello 2" the moment a connection opens.
// argv: PORT [greet]
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port });
let n = 0;
wss.on('connection', ws => {
  n += 1;
  const id = n;
  console.log(`connection ${id}`);
  ws.on('close', () => console.log(`closed ${id}`));
  if (process.argv[3] === 'greet') for (const i of [1, 2]) ws.send(`hello ${i}`);
  ws.on('message', (data, isBinary) => {
    if (isBinary) console.log(`got binary ${Buffer.from(data).toString('hex')}`);
    else {
      const text = data.toString('utf8');
      console.log(`got text ${JSON.stringify(text)}`);
      ws.send(text);
    }
  });
});
wss.on('listening', () => console.log(`listening on ${port}`));
