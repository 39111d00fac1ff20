// Shortens the names the wasm imports from wasm-bindgen's JS glue.
//
// wasm-bindgen names each import `__wbg_<method>_<16 hex digits>`, and every
// name is written twice: in the wasm's import section and as a key in the
// glue. Roomcast's 237 names took about 18 KB raw, and their random hex
// digits do not compress: about 7 KB of the gzip size guard (BENCHMARKS.md). Like a
// minifier's renaming, this gives each one a short name (`$0`, `$1`, …) in both
// files. Only hashed names are renamed: each is unique, so replacing it as a
// whole word in the glue cannot touch anything else.

const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

function reader(bytes, pos) {
  return {
    pos,
    u() {
      let r = 0, scale = 1, b;
      do {
        b = bytes[this.pos++];
        r += (b & 0x7f) * scale;
        scale *= 128;
      } while (b & 0x80);
      return r;
    },
    name() {
      const n = this.u();
      const s = new TextDecoder().decode(bytes.subarray(this.pos, this.pos + n));
      this.pos += n;
      return s;
    },
    limits() {
      const flags = bytes[this.pos++];
      this.u();
      if (flags & 1) this.u();
    },
  };
}

/// `{ wasm, js, renamed }`: both files with the hashed import names shortened.
export function shortImports(wasm, js) {
  if (wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new Error('not a wasm module');
  const parts = [wasm.subarray(0, 8)];
  const renames = new Map();
  const encode = (s) => [...uleb(new TextEncoder().encode(s).length), ...new TextEncoder().encode(s)];
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos];
    const r = reader(wasm, pos + 1);
    const size = r.u();
    const start = r.pos, end = start + size;
    if (id !== 2) {
      parts.push(wasm.subarray(pos, end));
      pos = end;
      continue;
    }
    const count = r.u();
    const body = [...uleb(count)];
    for (let i = 0; i < count; i++) {
      const module = r.name();
      const field = r.name();
      const descStart = r.pos;
      const kind = wasm[r.pos++];
      if (kind === 0 || kind === 4) { if (kind === 4) r.pos++; r.u(); }
      else if (kind === 1) { r.pos++; r.limits(); }
      else if (kind === 2) r.limits();
      else if (kind === 3) r.pos += 2;
      else throw new Error(`unknown import kind ${kind}`);
      let name = field;
      if (/_[0-9a-f]{16}$/.test(field)) {
        name = '$' + renames.size.toString(36);
        renames.set(field, name);
      }
      body.push(...encode(module), ...encode(name), ...wasm.subarray(descStart, r.pos));
    }
    if (r.pos !== end) throw new Error('import section not read to its end');
    parts.push(Uint8Array.from([2, ...uleb(body.length), ...body]));
    pos = end;
  }
  for (const [from, to] of renames) {
    const word = new RegExp(`\\b${from}\\b`, 'g');
    const found = js.match(word)?.length ?? 0;
    if (found === 0) throw new Error(`the glue never names ${from}`);
    js = js.replace(word, () => to);
  }
  const shortened = new Uint8Array(Buffer.concat(parts));
  // The result must still be a module whose every import the glue names.
  for (const { name } of WebAssembly.Module.imports(new WebAssembly.Module(shortened))) {
    if (!js.includes(`${name}:`) && !js.includes(`"${name}"`) && !js.includes(`.${name}=`)) {
      throw new Error(`the glue does not provide ${name}`);
    }
  }
  return { wasm: shortened, js, renamed: renames.size };
}
