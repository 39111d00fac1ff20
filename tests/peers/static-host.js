// A plain static host, as any web host serving the release build at a
// sub-path would be: files from DIR, nothing else (no /ws, no fallback).
// argv: PORT DIR
const http = require('http');
const fs = require('fs');
const path = require('path');
const [port, dir] = [Number(process.argv[2]), path.resolve(process.argv[3])];
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};
http.createServer((req, res) => {
  let file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (!file.startsWith(dir)) { res.writeHead(403); return res.end(); }
  if (file.endsWith(path.sep)) file = path.join(file, 'index.html');
  fs.readFile(file, (err, body) => {
    if (err) { res.writeHead(404); return res.end('not found'); }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(body);
  });
}).listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
