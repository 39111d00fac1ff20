// The official STOMP client (@stomp/stompjs) in Node: subscribes to
// DESTINATION, prints every message body as "got BODY", and sends TEXT once
// subscribed. Over a WebSocket, or SockJS (sockjs-client) for an http URL.
// argv: PORT(unused) URL DESTINATION TEXT
const { Client } = require('@stomp/stompjs');
const WebSocket = require('ws');
const SockJS = require('sockjs-client');
const [url, destination, text] = process.argv.slice(3);
const client = new Client({
  webSocketFactory: () =>
    url.startsWith('http') ? new SockJS(url) : new WebSocket(url, ['v12.stomp', 'v11.stomp']),
  reconnectDelay: 500,
  onConnect: () => {
    client.subscribe(destination, m => console.log(`got ${m.body}`));
    console.log('listening (subscribed)');
    setTimeout(() => client.publish({ destination, body: text }), 300);
  },
  onStompError: f => console.error(`STOMP error: ${f.headers.message}`),
});
client.activate();
