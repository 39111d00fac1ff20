// Starts Roomcast. A file rather than Trunk's inline script, so the page's
// Content-Security-Policy can forbid inline script altogether. Trunk fills in
// the hashed file names as data attributes (see `pattern_script` in Trunk.toml).
const tag = document.querySelector("script[data-wasm]");
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
// Then, not competing with the start: the service worker that keeps the page
// for opening offline (sw.js says how). It needs a secure context: https, or
// http on localhost.
if ("serviceWorker" in navigator && window.isSecureContext) {
  navigator.serviceWorker.register(new URL("sw.js", import.meta.url)).catch(() => {});
}
