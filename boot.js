// Starts Roomcast. A file rather than Trunk's inline script, so the page's
// Content-Security-Policy can forbid inline script altogether. Trunk fills in
// the hashed file names as data attributes (see `pattern_script` in Trunk.toml).
const tag = document.querySelector("script[data-wasm]");
// The last resort. A bug in the app (a Rust panic) traps: the release build
// stops at once (`-Cpanic=immediate-abort`, xtask/src/tools.rs) and every
// later call into it may trap again. The page must not go dead having eaten
// what the user typed: the drafts are kept for the next page (which puts them
// back in the composer, src/ui/crash.rs), the composers are disabled, and a
// banner says so; its words in the page's language come from the app
// (`data-crash` on <html>, src/ui/lang.rs). The outbox is already in storage.
const crash = (error) => {
  if (!(error instanceof WebAssembly.RuntimeError) || document.querySelector(".crash")) return;
  for (const area of document.querySelectorAll(".composer textarea")) {
    try {
      if (area.value) localStorage.setItem("roomcast.draft", area.value);
    } catch {}
    area.disabled = true;
  }
  const words = (document.documentElement.dataset.crash ?? "Roomcast stopped: reload the page.\nUnsent messages and what you were typing are kept.\nReload").split("\n");
  const banner = document.createElement("div");
  banner.className = "crash";
  banner.setAttribute("role", "alert");
  ["strong", "span", "code", "a"].forEach((kind, i) => {
    const part = document.createElement(kind);
    part.textContent = i == 2 ? error : words[i > 2 ? 2 : i];
    if (i > 2) part.href = "";
    banner.append(" ", part);
  });
  document.body.prepend(banner);
};
addEventListener("error", (e) => crash(e.error));
addEventListener("unhandledrejection", (e) => crash(e.reason));
// Every socket of the app runs in a worker of its own (`Paced`): the
// browser's work per message happens there, and the page takes the messages
// in slices of at most 6 ms with a frame drawn between them, so a burst of
// 20,000 lines never holds the page still for long (BENCHMARKS.md, run 9).
// To the app it is a WebSocket: the same properties, methods and events
// (src/socket/mod.rs). Where workers cannot start, the app opens a
// WebSocket of its own.
const worker = URL.createObjectURL(
  new Blob([
    `(${() => {
      let ws, batch = [], at = 0, credit = 1;
      // At most one batch on its way, of at most 512 messages: the next goes
      // when the page runs low. The page copies a batch in one task, so a
      // backlog of thousands stays here.
      const put = (item) => {
        if (item) batch.push(item);
        if (credit && at < batch.length) {
          credit = 0;
          postMessage(batch.slice(at, (at += 512)));
          if (at >= batch.length) batch = [], at = 0;
        }
      };
      // The address comes in the worker's name, not in a message: a message
      // to a worker that is still starting waits for the page to hand it on,
      // and the page is busy starting the app (the socket opened 150 to 290
      // ms later that way; BENCHMARKS.md, run 10).
      try {
        const [url, protocols, warm] = JSON.parse(name);
        ws = new WebSocket(url, protocols);
        ws.binaryType = "arraybuffer";
        ws.onopen = () => {
          put({ open: [ws.protocol, ws.extensions] });
          // ICU's data loads once per browser process, at the first `Intl`
          // object: 35 to 100 ms. Here it holds back only this socket's
          // next messages, and the page's clock (src/clock.rs), made 100 ms
          // after Connected, then costs 1 to 5 ms (BENCHMARKS.md, run 14).
          // Only for the early socket, a plain room: a dialect's handshake
          // goes on after the `open`.
          if (warm) setTimeout(() => new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" }).format());
        };
        ws.onmessage = (e) => put(e.data);
        ws.onerror = () => put({ error: 1 });
        ws.onclose = (e) => put({ close: [e.code, e.reason, e.wasClean] });
      } catch (e) {
        put({ close: [1006, "" + e.message, false] });
      }
      onmessage = ({ data }) => {
        if (data === 1) {
          credit = 1;
          put();
        } else if (data.close) ws?.close(...data.close);
        else ws.send(data.send);
      };
    }})()`,
  ]),
);
class Paced extends EventTarget {
  constructor(url, protocols, warm) {
    super();
    const w = (this.w = new Worker(worker, { name: JSON.stringify([url, protocols, warm]) }));
    Object.assign(this, { readyState: 0, protocol: "", extensions: "", q: [], at: 0 });
    w.onmessage = ({ data }) => {
      this.asked = 0;
      this.q.push(...data);
      if (!this.busy) this.run();
    };
    // A worker that cannot start (or a socket it cannot make): this socket
    // closes, and the app's next ones are its own WebSockets.
    w.onerror = () => {
      broken = 1;
      if (this.readyState < 3) this.take({ close: [1006, "", false] });
    };
  }
  // Hands on what came, for at most 6 ms; the rest after the next frame. A
  // hidden page draws no frames (and fires no animation frame): it takes
  // everything at once, and a wait for a frame that began before the page was
  // hidden ends after 100 ms all the same (later where the browser holds a
  // hidden page's timers back), so a room in a background tab keeps receiving.
  run() {
    const start = performance.now(), q = this.q, all = document.hidden;
    while (this.at < q.length && (all || performance.now() - start < 6)) this.take(q[this.at++]);
    if ((this.busy = this.at < q.length)) {
      let once = () => (once = null, setTimeout(() => this.run()));
      requestAnimationFrame(() => once?.());
      setTimeout(() => once?.(), 100);
    } else q.length = this.at = 0;
    // Running low: the next batch.
    if (this.readyState < 3 && q.length - this.at < 256 && !this.asked) this.w.postMessage((this.asked = 1));
  }
  take(item) {
    let kind = "message", init = { data: item };
    if (item.open) {
      [this.protocol, this.extensions] = item.open;
      this.readyState = 1;
      kind = "open";
    } else if (item.error) kind = "error";
    else if (item.close) {
      const [code, reason, wasClean] = item.close;
      this.readyState = 3;
      this.w.terminate();
      return this.dispatchEvent(new CloseEvent("close", { code, reason, wasClean }));
    } else if (this.readyState != 1) return; // as a WebSocket does, nothing once closing
    this.dispatchEvent(new MessageEvent(kind, init));
  }
  send(data) {
    if (this.readyState != 1) throw new DOMException("The socket is not open", "InvalidStateError");
    // A view into the app's memory: its bytes only, copied.
    this.w.postMessage({ send: data.slice?.() ?? data });
  }
  close(code, reason) {
    if (this.readyState < 2) {
      this.readyState = 2;
      this.w.postMessage({ close: [code, reason] });
    }
  }
}
// Only addresses a WebSocket takes; anything else is left to the app's own
// WebSocket, which says what is wrong with it. A global, called as one, so
// that the bench's instrument sees every socket.
let broken = 0;
globalThis.roomcastPaced = (url, protocols, warm) => (!broken && /^(wss?|https?):\/\/./i.test(url) ? new Paced(url, protocols, warm) : null);

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
    const ws = roomcastPaced(server, [], true);
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
      // The events again, as they came, once the app's listeners are on:
      // the app calls `replay` in the task that took the socket, so an
      // `open` that came first shows in its first render (src/app/mod.rs);
      // else after this task.
      ws.replay = () => {
        ws.replay = null;
        events.forEach((e) => ws.dispatchEvent(e));
      };
      queueMicrotask(() => ws.replay?.());
      return ws;
    };
  } catch {}
}
// Each page keeps its unsent messages under its own name (src/app/outbox.rs)
// and holds a Web Lock of that name while it lives. Another page waits for the
// lock and, once the page has closed, crashed or reloaded, takes its messages
// over. `false`: no Web Locks (http other than localhost), so a page cannot
// tell which pages live, and takes every outbox over at its start.
globalThis.roomcastHold = (name) => !!navigator.locks?.request(name, () => new Promise(() => {}));
globalThis.roomcastWhenGone = (name, then) => navigator.locks.request(name, () => new Promise(then));
// A page that dies between taking another's outbox over and deleting that
// page's files (in IndexedDB, the app's "roomcast" database and "history"
// store: src/app/kept.rs) leaves them with no outbox to name them. A while
// after a connect, each such record goes once its page's lock is free, if
// that page has still left no outbox.
const idb = (then) => {
  const open = indexedDB.open("roomcast", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("history");
  open.onsuccess = () => {
    then(open.result.transaction("history", "readwrite").objectStore("history"));
    open.result.close(); // once that is done
  };
};
globalThis.roomcastSweep = (files, outbox, lock, me) =>
  setTimeout(
    () =>
      idb((store) => {
        const keys = store.getAllKeys();
        keys.onsuccess = () => {
          for (const key of keys.result) {
            const page = key.startsWith?.(files) && key.slice(files.length);
            const orphan = () => localStorage.getItem(outbox + page) == null;
            if (page && page != me && orphan())
              navigator.locks.request(lock + page, () => orphan() && idb((store) => store.delete(key)));
          }
        };
      }),
    3000,
  );
// The app's sockets: the early one when it fits, else a new one (`null`: the
// app opens a WebSocket itself). An empty address only declines the early one.
globalThis.roomcastSocket = (url, protocols) => {
  const ws = early?.(url, protocols.length);
  if (ws || !url) return ws;
  try {
    return roomcastPaced(url, protocols);
  } catch {
    return null;
  }
};
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
