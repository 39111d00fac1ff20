// The official SockJS client (npm `sockjs-client`) in Node: prints every
// message as "got MESSAGE", sends TEXT once open.
// argv: PORT(unused) URL TEXT
const SockJS = require('sockjs-client');
const [url, text] = process.argv.slice(3);
const sock = new SockJS(url);
sock.onopen = () => {
  console.log('listening (open)');
  setTimeout(() => sock.send(text), 300);
};
sock.onmessage = e => console.log(`got ${e.data}`);
