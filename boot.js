// Starts Roomcast. A file rather than Trunk's inline script, so the page's
// Content-Security-Policy can forbid inline script altogether. Trunk fills in
// the hashed file names as data attributes (see `pattern_script` in Trunk.toml).
const tag = document.querySelector("script[data-wasm]");
// A plain text or JSON room named by the address (?server=…&protocol=text or
// json) starts its handshake now, while the app loads, as a hand-written page
// would. The app takes the socket over when its first connection asks for the
// same address and no subprotocol (src/socket/mod.rs, `Socket::open`); the
// events so far are handed on in order. Any other first connection closes it.
const query = new URLSearchParams(location.search);
const server = query.get("server");
let early = null;
if (server && /^(text|json)$/i.test(query.get("protocol")) && !query.has("subprotocols") && !query.has("profile")) {
  try {
    const ws = new WebSocket(server);
    ws.binaryType = "arraybuffer";
    const events = [];
    const keep = (e) => events.push(e);
    const kinds = ["open", "message", "close", "error"];
    for (const k of kinds) ws.addEventListener(k, keep);
    // Not taken (the app failed to start, or connects elsewhere): closed.
    const timer = setTimeout(() => { early = null; ws.close(1000); }, 20000);
    early = (url, offered) => {
      early = null;
      clearTimeout(timer);
      for (const k of kinds) ws.removeEventListener(k, keep);
      if (url !== server || offered) {
        ws.close(1000);
        return null;
      }
      // After the app's listeners are on: the events again, as they came.
      queueMicrotask(() => events.forEach((e) => ws.dispatchEvent(e)));
      return ws;
    };
  } catch {}
}
globalThis.roomcastEarlySocket = (url, offered) => (early ? early(url, offered) : null);
try {
  const app = await import(tag.dataset.js);
  await app["default"]({ module_or_path: tag.dataset.wasm });
} catch (error) {
  const note = document.createElement("p");
  note.className = "boot-error";
  note.setAttribute("role", "alert");
  note.textContent = "Roomcast could not start: " + error + ". This browser needs WebAssembly.";
  document.body.append(note);
}
// Then, once the page has settled (connected, its first frames drawn), the
// service worker that keeps the page for opening offline (sw.js says how):
// its first install fetches every file again, and registered at once it held
// the first visit's Connected back by about 150 ms (BENCHMARKS.md). It needs
// a secure context: https, or http on localhost.
if ("serviceWorker" in navigator && window.isSecureContext) {
  const register = () => navigator.serviceWorker.register(new URL("sw.js", import.meta.url)).catch(() => {});
  setTimeout(() => (window.requestIdleCallback ?? setTimeout)(register, { timeout: 3000 }), 1000);
}
