// Trunk post_build hook (release builds): minifies wasm-bindgen's JS glue
// with terser and fixes its subresource-integrity hash in index.html.
// Trunk's own JS minifier gives up on the glue's `export default`, which
// left it at 60 KB raw / 10 KB gzip; terser takes it to about 7.7 KB gzip.
// terser comes from npm into .tools/ (cargo xtask installs it).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const staging = process.env.TRUNK_STAGING_DIR;
const source = process.env.TRUNK_SOURCE_DIR ?? process.cwd();
let minify;
try {
  ({ minify } = createRequire(join(source, '.tools', 'package.json'))('terser'));
} catch {
  console.warn('minify-glue: terser is not in .tools/ (cargo xtask setup installs it); the glue stays as it is');
  process.exit(0);
}
const glue = readdirSync(staging).find(f => /^roomcast-[0-9a-f]+\.js$/.test(f));
if (!glue) throw new Error(`minify-glue: no glue in ${staging}`);
const path = join(staging, glue);
const out = await minify(readFileSync(path, 'utf8'), { module: true, compress: { passes: 2 }, mangle: true });
writeFileSync(path, out.code);
const sri = 'sha384-' + createHash('sha384').update(out.code).digest('base64');
const indexPath = join(staging, 'index.html');
const index = readFileSync(indexPath, 'utf8');
const escaped = glue.replace(/[.]/g, '\\.');
const re = new RegExp(`(href=["']?\\./${escaped}["']?[^>]*?integrity=["']?)sha384-[A-Za-z0-9+/=]+`);
if (!re.test(index)) throw new Error('minify-glue: no integrity attribute for the glue in index.html');
writeFileSync(indexPath, index.replace(re, `$1${sri}`));
console.log(`minify-glue: ${glue} minified, integrity updated`);
