// A raw `ws` client of a chat server: on open it sends BURSTS bursts of 20
// lines, each burst in one go ("burst B.N"), every 50 ms, then says "done".
// argv: PORT(unused) URL BURSTS
const WebSocket = require('ws');
const [url, bursts] = [process.argv[3], Number(process.argv[4] || 5)];
const ws = new WebSocket(url, { origin: new URL(url.replace(/^ws/, 'http')).origin });
ws.on('open', () => {
  console.log('listening (connected)');
  let b = 0;
  const timer = setInterval(() => {
    b += 1;
    for (let n = 1; n <= 20; n++) ws.send(`burst ${b}.${n}`);
    if (b >= bursts) {
      clearInterval(timer);
      console.log('done');
    }
  }, 50);
});
ws.on('error', e => { console.error(String(e)); process.exit(1); });
