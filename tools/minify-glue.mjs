// Trunk post_build hook (release builds): minifies wasm-bindgen's JS glue
// with terser, shortens the wasm's import names (tools/short-imports.mjs),
// fixes both files' subresource-integrity hashes in index.html, minifies
// boot.js and sw.js, and writes brotli and gzip copies (tools/precompress.mjs).
// Trunk's own JS minifier gives up on the glue's `export default`, which
// left it at 60 KB raw / 10 KB gzip; terser takes it to about 7.7 KB gzip.
// terser comes from npm into .tools/ (cargo xtask installs it).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { precompress } from './precompress.mjs';
import { shortImports } from './short-imports.mjs';

if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const staging = process.env.TRUNK_STAGING_DIR;
const source = process.env.TRUNK_SOURCE_DIR ?? process.cwd();
let minify;
try {
  ({ minify } = createRequire(join(source, '.tools', 'package.json'))('terser'));
} catch {
  console.warn('minify-glue: terser is not in .tools/ (cargo xtask setup installs it); the glue stays as it is');
  precompress(staging);
  process.exit(0);
}
const terse = async (code, module) =>
  (await minify(code, { module, compress: { passes: 2 }, mangle: true })).code;
const glue = readdirSync(staging).find(f => /^roomcast-[0-9a-f]+\.js$/.test(f));
if (!glue) throw new Error(`minify-glue: no glue in ${staging}`);
const path = join(staging, glue);
const glueCode = await terse(readFileSync(path, 'utf8'), true);
// The wasm's imports get short names, in the glue too (tools/short-imports.mjs).
const wasmFile = glue.replace(/\.js$/, '_bg.wasm');
const wasmPath = join(staging, wasmFile);
const short = shortImports(readFileSync(wasmPath), glueCode);
writeFileSync(path, short.js);
writeFileSync(wasmPath, short.wasm);
// Both files changed: their subresource-integrity hashes in index.html too.
const indexPath = join(staging, 'index.html');
let index = readFileSync(indexPath, 'utf8');
for (const [file, bytes] of [[glue, short.js], [wasmFile, short.wasm]]) {
  const sri = 'sha384-' + createHash('sha384').update(bytes).digest('base64');
  const escaped = file.replace(/[.]/g, '\\.');
  const re = new RegExp(`(href=["']?\\./${escaped}["']?[^>]*?integrity=["']?)sha384-[A-Za-z0-9+/=]+`);
  if (!re.test(index)) throw new Error(`minify-glue: no integrity attribute for ${file} in index.html`);
  index = index.replace(re, `$1${sri}`);
}
writeFileSync(indexPath, index);
console.log(`minify-glue: ${glue} minified, ${short.renamed} import names shortened, integrity updated`);
// boot.js and the service worker are ours and copied as written: minified too
// (they count in the size guard like the glue). No integrity attribute names them.
for (const [file, module] of [['boot.js', true], ['sw.js', false]]) {
  const at = join(staging, file);
  writeFileSync(at, await terse(readFileSync(at, 'utf8'), module));
}
// Last, once every file is final: the brotli and gzip copies.
precompress(staging);
console.log('minify-glue: brotli and gzip copies written');
