// Roomcast's service worker: after one visit the page opens with no network.
//
// The same file serves every release, so it names no files. The page (the
// index) is fetched from the network first and kept; the files it names are
// kept beside it. Trunk hashes the app's files (`roomcast-<hash>.wasm`), so a
// kept hashed file never goes stale and comes from the cache; the others (the
// index, boot.js, the manifest, icons, config.json) go to the network first
// and fall back to the cache only when the network fails. A new release is a
// new index naming new hashed files: they are fetched and the old ones
// dropped, so a page never mixes two releases. `trunk serve` rebuilds with new
// hashes too, so development is never served a stale file.
const CACHE = "roomcast";
const scope = new URL(self.registration.scope);
const index = new URL("./", scope).href;
const hashed = /-[0-9a-f]{16,}(_bg)?\.(js|wasm|css)$/;

// The files an index names (Trunk's minified HTML may drop the quotes).
function named(html) {
  const urls = new Set([index]);
  for (const [, url] of html.matchAll(/(?:href|src|data-js|data-wasm)=["']?([^"' >]+)/g)) {
    const abs = new URL(url, index);
    if (abs.origin === scope.origin && abs.href.startsWith(scope.href)) urls.add(abs.href);
  }
  return urls;
}

// The languages' catalogues are fetched by the page only in that language:
// kept too (when the host has them), so a page in Russian or Chinese opens
// offline in it.
const catalogues = ["i18n/ru.json", "i18n/zh.json"].map((file) => new URL(file, index).href);

// Keeps `response` as the index once every file it names is kept, then
// drops what it no longer names. A failed fetch leaves the last whole
// release in place.
async function keep(response) {
  const cache = await caches.open(CACHE);
  const html = await response.clone().text();
  const before = await cache.match(index);
  // The same release as kept: its files are kept already.
  if (before && (await before.text()) === html) return;
  const wanted = named(html);
  for (const url of [...wanted, ...catalogues]) {
    if (url === index || (hashed.test(url) && (await cache.match(url)))) continue;
    const got = await fetch(url, { cache: "no-cache" });
    if (got.ok) await cache.put(url, got);
    else if (wanted.has(url)) return;
  }
  await cache.put(index, response);
  for (const request of await cache.keys()) {
    const url = request.url;
    if (!wanted.has(url) && !catalogues.includes(url) && !url.endsWith("/config.json")) await cache.delete(request);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    fetch(index, { cache: "no-cache" })
      .then((response) => (response.ok ? keep(response) : undefined))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// From the network, kept under `key`; the kept `fallback` when offline.
async function networkFirst(request, key, fallback, event) {
  try {
    const response = await fetch(request);
    if (response.ok && key) {
      const copy = response.clone();
      event.waitUntil(key === index ? keep(copy) : caches.open(CACHE).then((c) => c.put(key, copy)));
    }
    return response;
  } catch (offline) {
    const kept = await caches.match(fallback);
    if (kept) return kept;
    throw offline;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== scope.origin || !url.href.startsWith(scope.href)) return;
  if (request.mode === "navigate") {
    // Other pages (a bench's) are not the app: not kept, but offline the app opens.
    const app = url.pathname === scope.pathname || url.pathname === scope.pathname + "index.html";
    event.respondWith(networkFirst(request, app ? index : null, index, event));
  } else if (hashed.test(url.pathname)) {
    event.respondWith(caches.match(url.href).then((kept) => kept || fetch(request)));
  } else if (!url.search && /\.(js|css|json|webmanifest|png|svg)$/.test(url.pathname)) {
    // boot.js, config.json, the manifest and icons; never a long-poll.
    event.respondWith(networkFirst(request, url.href, url.href, event));
  }
});
