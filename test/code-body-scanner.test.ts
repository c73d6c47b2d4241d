/**
 * The streaming pieces of the code-upload path against the whole-body answers they replace:
 * Base64Decoder in random pieces equals Buffer.from(whole, 'base64') (garbage, padding, both
 * alphabets), and JsonMemberScanner over random chunkings gives JSON.parse's value for the member
 * and the rest of the document unchanged (escapes, duplicates, nesting, look-alike keys elsewhere).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Base64Decoder } from '../src/util/base64.js';
import { JsonMemberScanner, JsonScanError, RestTooLargeError } from '../src/api/json-member-scanner.js';

/** Deterministic pseudo-random numbers (xorshift), so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function pieces(text: string, r: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = Math.floor(r() * 9);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

test('Base64Decoder: any split of any text decodes as Buffer.from(whole, "base64") does', () => {
  const r = rng(42);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_';
  const noise = ' \n\t\r!#*.=\u00e9\u00ff\u0000';
  for (let round = 0; round < 3000; round++) {
    const len = Math.floor(r() * 40);
    let text = '';
    for (let i = 0; i < len; i++) text += r() < 0.85 ? alphabet[Math.floor(r() * alphabet.length)] : noise[Math.floor(r() * noise.length)];
    const d = new Base64Decoder();
    const parts = pieces(text, r).map((p) => d.push(p) ?? Buffer.alloc(0));
    parts.push(d.end() ?? Buffer.alloc(0));
    assert.deepEqual(Buffer.concat(parts), Buffer.from(text, 'base64'), JSON.stringify(text));
  }
  // Real data, in odd pieces.
  const data = randomBytes(100_003);
  const d = new Base64Decoder();
  const b64 = data.toString('base64');
  const out: Buffer[] = [];
  for (let i = 0; i < b64.length; i += 4093) out.push(d.push(b64.slice(i, i + 4093)) ?? Buffer.alloc(0));
  out.push(d.end() ?? Buffer.alloc(0));
  assert.deepEqual(Buffer.concat(out), data);
});

function scan(doc: string, path: string[], r: () => number, restLimit = 1 << 20) {
  let value = '';
  let starts = 0;
  const s = new JsonMemberScanner(path, restLimit, () => {
    starts++;
    value = '';
  }, (t) => (value += t));
  const bytes = Buffer.from(doc);
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * 12);
    s.write(bytes.subarray(i, i + n));
    i += n;
  }
  return { value, starts, rest: s.end(), found: s.found };
}

test('JsonMemberScanner: the member as JSON.parse reads it, the rest intact, in any chunking', () => {
  const r = rng(7);
  const escaped = (s: string) => JSON.stringify(s).replace(/\//g, '\\/').replace(/A/g, '\\u0041');
  const docs = [
    `{"FunctionName":"f","Code":{"ZipFile":"UEsDBA==","S3Bucket":null},"Tags":{"ZipFile":"not this one"}}`,
    `{ "Code" : { "ZipFile" : ${escaped('ab/cd+AA==')} } , "Description":"say \\"ZipFile\\": {\\"x\\"}" }`,
    `{"Code":{"ZipFile":"first","ZipFile":"second"},"Environment":{"Variables":{"Code":"{\\"ZipFile\\":1}"}}}`,
    `{"Zip\\u0046ile":"top-level","Code":{"Zip\\u0046ile":"esc\\nkey"}}`,
    `{"Code":[{"ZipFile":"in an array"}],"x":{"Code":{"ZipFile":"too deep"}}}`,
    `{"Code":{"ZipFile":12}}`,
    `{"Code":{"ZipFile":""}}`,
    `{"Layers":["a","b"],"Code":{"Other":{"ZipFile":"nested"},"ZipFile":"é ü \\ud83d\\ude00 QUJD"}}`,
  ];
  for (const doc of docs) {
    const parsed = JSON.parse(doc);
    for (let round = 0; round < 40; round++) {
      const got = scan(doc, ['Code', 'ZipFile'], r);
      const want = parsed.Code?.ZipFile;
      const isMember = typeof want === 'string' && !Array.isArray(parsed.Code);
      if (isMember) {
        // Raw non-ASCII bytes arrive as latin1 characters, not decoded: the same once base64 skips them.
        const b64 = (t: string) => t.replace(/[^A-Za-z0-9+/=\-_]/g, '');
        if (/^[\x20-\x7e]*$/.test(want)) assert.equal(got.value, want, doc);
        assert.equal(b64(got.value), b64(want), doc);
        assert.deepEqual(new Base64Decoder().push(got.value), new Base64Decoder().push(want), doc);
        const expectRest = { ...parsed, Code: { ...parsed.Code, ZipFile: '' } };
        assert.deepEqual(JSON.parse(got.rest), expectRest, doc);
      } else {
        assert.equal(got.found, 0, doc);
        assert.deepEqual(JSON.parse(got.rest), parsed, doc);
      }
    }
  }
  // Non-ASCII raw bytes reach the member as latin1 characters (the base64 decoder skips them).
  assert.equal(scan('{"ZipFile":"é"}', ['ZipFile'], r).value, Buffer.from('é').toString('latin1'));
  // Escapes that produce base64 characters count; a duplicate starts over.
  const dup = scan('{"ZipFile":"XXXX","ZipFile":"\\u0051U\\/J"}', ['ZipFile'], r);
  assert.equal(dup.value, 'QU/J');
  assert.equal(dup.starts, 2);
  assert.deepEqual(JSON.parse(dup.rest), { ZipFile: '' });
});

test('JsonMemberScanner: what is not JSON stays not JSON; raw control characters and bad escapes in the member fail', () => {
  const r = rng(3);
  for (const doc of ['{"Code": {"ZipFile": "abc"', 'not json at all', '[1, 2, 3]', '{"Code":{"ZipFile":"a"}},,', '{"FunctionName": ']) {
    const got = scan(doc, ['Code', 'ZipFile'], r);
    assert.throws(() => {
      const v = JSON.parse(got.rest);
      if (typeof v !== 'object' || Array.isArray(v) || v === null) throw new Error('not an object');
    }, doc);
  }
  assert.throws(() => scan('{"ZipFile":"ab\ncd"}', ['ZipFile'], r), JsonScanError);
  assert.throws(() => scan('{"ZipFile":"ab\\qcd"}', ['ZipFile'], r), JsonScanError);
  assert.throws(() => scan('{"ZipFile":"ab\\u00zz"}', ['ZipFile'], r), JsonScanError);
  // Whitespace between tokens collapses, so padding does not count against the rest's limit…
  const padded = scan(`{"FunctionName":"f"${' '.repeat(100_000)},"Code":{"ZipFile":"${'A'.repeat(100_000)}"}}`, ['Code', 'ZipFile'], r, 1000);
  assert.equal(padded.value.length, 100_000);
  // …but anything else kept does.
  assert.throws(() => scan(`{"Description":"${'d'.repeat(2000)}"}`, ['Code', 'ZipFile'], r, 1000), RestTooLargeError);
});
