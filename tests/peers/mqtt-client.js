// The official MQTT client (npm `mqtt`): subscribes to TOPIC, prints every
// message as "got PAYLOAD", publishes TEXT (QoS 1) once subscribed.
// argv: PORT(unused) URL TOPIC TEXT
const mqtt = require('mqtt');
const [url, topic, text] = process.argv.slice(3);
const client = mqtt.connect(url, { reconnectPeriod: 500 });
client.on('message', (_t, payload) => console.log(`got ${payload.toString()}`));
client.on('connect', () => {
  client.subscribe(topic, { qos: 1 }, () => {
    console.log('listening (subscribed)');
    setTimeout(() => client.publish(topic, text, { qos: 1 }), 300);
  });
});
client.on('error', e => console.error(String(e)));
