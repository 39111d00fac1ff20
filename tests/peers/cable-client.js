// The official Action Cable client (npm @rails/actioncable) in Node, with
// `ws` as its WebSocket and the two document calls it makes stubbed:
// subscribes to ChatChannel, prints every broadcast as "got JSON", and
// speaks TEXT once subscribed.
// argv: PORT(unused) URL TEXT
global.WebSocket = require('ws');
global.document = { addEventListener() {}, removeEventListener() {}, visibilityState: 'visible' };
global.addEventListener = () => {};
global.removeEventListener = () => {};
const ActionCable = require('@rails/actioncable');
const [url, text] = process.argv.slice(3);
const consumer = ActionCable.createConsumer(url);
const chat = consumer.subscriptions.create('ChatChannel', {
  connected() {
    console.log('listening (subscribed)');
    setTimeout(() => chat.perform('speak', { name: 'actioncable.js', text }), 300);
  },
  received(data) {
    console.log(`got ${JSON.stringify(data)}`);
  },
});
