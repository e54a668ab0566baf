// Micro-benchmarks for the functions on the request hot path, so a change to one shows up as a number.
// Usage: npm run build && node bench/micro.mjs   (prints ns per call, median of 5 rounds)
import { constantSchedule } from '../dist/engine/arrival.js';
import { CookieJar } from '../dist/engine/cookies.js';
import { compileJsonPath, readJsonPath } from '../dist/engine/json-path.js';
import { scanJsonPath } from '../dist/engine/json-scan.js';
import { shareOf } from '../dist/engine/shard.js';
import { compileTemplate } from '../dist/engine/template.js';
import { createHistogram, recordUs } from '../dist/metrics/histogram.js';
import { ShardRecorder } from '../dist/metrics/recorder.js';
import { setCookieValues } from '../dist/protocols/http.js';
import { ChunkedDecoder } from '../dist/protocols/http1/chunked.js';
import { serializeRequest } from '../dist/protocols/http1/request-head.js';
import { ResponseParser } from '../dist/protocols/http1/response-parser.js';
import { FrameParser } from '../dist/protocols/http2/frame-parser.js';
import { FRAME, frame } from '../dist/protocols/http2/frames.js';
import { HpackDecoder } from '../dist/protocols/http2/hpack-decoder.js';
import { huffmanDecode } from '../dist/protocols/http2/huffman.js';
import { requestBlock } from '../dist/protocols/http2/request-block.js';

const ROUNDS = 5;
const N = 1_000_000;

function bench(name, fn) {
  for (let i = 0; i < N / 10; i++) fn(i); // warm up the JIT
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn(i);
    rounds.push(Number(process.hrtime.bigint() - t) / N);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} ${rounds[Math.floor(ROUNDS / 2)].toFixed(1).padStart(8)} ns/call`);
}

const ctx = { vu: 7, iteration: 3, scenario: 's', env: { HOST: 'x' }, vars: { token: 'abc123' }, data: {} };
const staticTemplate = compileTemplate('/api/data');
const dynamicTemplate = compileTemplate('Bearer ${vars.token}');
const histogram = createHistogram();
const recorder = new ShardRecorder(0, 1, { cores: 2, threads: 1 });
const step = recorder.step('s', 'get', 'closed');
const schedule = constantSchedule(5000, 1_000_000, 3_600_000_000);
const jar = new CookieJar();
const rawHeaders = [
  'Content-Type',
  'application/json',
  'Content-Length',
  '42',
  'Connection',
  'keep-alive',
].map((s) => Buffer.from(s));

bench('template render (static path)', () => staticTemplate.render(ctx));
bench('template render (${vars.token})', () => dynamicTemplate.render(ctx));
bench('HDR record (recordUs)', (i) => recordUs(histogram, 1000 + (i & 1023)));
bench('recorder.response (step + interval)', (i) => step.response(1000 + (i & 1023), 1000, 200, 512, 128));
bench('shareOf (exact shard share)', (i) => shareOf(i, { index: 3, total: 7 }));
bench('arrival schedule offset', (i) => schedule(i));
bench('cookie header (empty jar)', () => jar.header());
bench('setCookieValues (3 headers, none)', () => setCookieValues(rawHeaders));

// An nginx answer to the single-GET bench: the head nginx writes and a 600-byte JSON body.
const nginxResponse = Buffer.from(
  `HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Sun, 29 Nov 2026 13:00:00 GMT\r\nContent-Type: application/json\r\nContent-Length: 600\r\nConnection: keep-alive\r\n\r\n${'x'.repeat(600)}`,
  'latin1',
);
const parser = new ResponseParser();
const chunkedBody = Buffer.from(`100\r\n${'y'.repeat(256)}\r\n80\r\n${'z'.repeat(128)}\r\n0\r\n\r\n`);
const chunked = new ChunkedDecoder();
const dynamicRequest = {
  origin: 'http://127.0.0.1:8080',
  path: '/api/items/42?page=3',
  method: 'POST',
  headers: ['authorization', 'Bearer abc123', 'content-type', 'application/json'],
  body: '{"qty":1}',
  timeoutMs: 1000,
  captureBody: false,
  captureHeaders: false,
};

bench('http1 parse response (nginx head, 600 B body)', () => {
  parser.start(false, false, false);
  parser.feed(nginxResponse);
});
bench('http1 parse response, body captured as text', () => {
  parser.start(false, true, false);
  parser.feed(nginxResponse);
  parser.bodyText();
});
bench('http1 chunked decode (2 chunks)', () => {
  chunked.reset();
  chunked.decode(chunkedBody, 0, chunkedBody.length, undefined);
});
bench('http1 serialize request (dynamic POST)', () => serializeRequest(dynamicRequest, '127.0.0.1:8080'));

// A templated step: two static headers and an auth header whose value changes, sent through a step's head
// cache (static line and headers serialized once) and without one (everything serialized per request).
const templatedHeaders = (i) => [
  'accept',
  'application/json',
  'x-client',
  'stampede',
  'authorization',
  `Bearer t${i & 7}`,
];
const headCache = { staticPairs: 2, staticLine: true };
const templated = (i, head) => ({
  ...dynamicRequest,
  method: 'GET',
  body: undefined,
  headers: templatedHeaders(i),
  head,
});
bench('http1 serialize (auth header varies), no cache', (i) =>
  serializeRequest(templated(i, undefined), '127.0.0.1:8080'),
);
bench('http1 serialize (auth header varies), head cache', (i) =>
  serializeRequest(templated(i, headCache), '127.0.0.1:8080'),
);

// The JSON check of the seed session on the demo's /api/data body: the whole parse against the scan.
const items = Array.from({ length: 20 }, (_, i) => ({
  id: i + 1,
  name: `item-${i + 1}`,
  price: (i + 1) * 3.5,
}));
const dataBody = JSON.stringify({ items, total: items.length });
const firstId = compileJsonPath('$.items[0].id');
const token = compileJsonPath('$.token');
const loginBody = '{"token":"abc","user":"user-1"}';
bench('JSON path $.items[0].id, JSON.parse (782 B)', () => readJsonPath(JSON.parse(dataBody), firstId));
bench('JSON path $.items[0].id, scan (782 B)', () => scanJsonPath(dataBody, firstId));
bench('JSON path $.token, JSON.parse (login body)', () => readJsonPath(JSON.parse(loginBody), token));
bench('JSON path $.token, scan (login body)', () => scanJsonPath(loginBody, token));

// HTTP/2: nginx 1.22's response head for GET /api/data (static-table indexes, Huffman literals, four inserts).
const nginxHead = Buffer.from(
  '887689aa6355e580ae212e1f6197d07abe94640a693f75040138a01ab8cbb71b754c5a37ff5f8b1d75d0620d263d4c7441ea5c03373832',
  'hex',
);
const hpack = new HpackDecoder();
let fields = 0;
const countField = () => {
  fields++;
};
bench('h2 HPACK decode nginx head (replayed)', () =>
  hpack.decode(nginxHead, 0, nginxHead.length, countField),
);
// A fresh decoder has no block to replay: the decode a new block (a new Date) pays, plus the decoder.
const dateBytes = nginxHead.subarray(23, 44);
bench('h2 HPACK decode nginx head (new decoder)', () =>
  new HpackDecoder().decode(nginxHead, 0, nginxHead.length, countField),
);
bench('h2 Huffman decode (Date, 21 bytes)', () => huffmanDecode(dateBytes, 0, dateBytes.length));
const h2Frames = Buffer.concat([
  frame(FRAME.headers, 4, 1, nginxHead),
  frame(FRAME.data, 1, 1, Buffer.from(dataBody)),
]);
const frameParser = new FrameParser(countField);
bench('h2 frame parse (HEADERS + 782 B DATA)', () => frameParser.feed(h2Frames, 0, h2Frames.length));
bench('h2 request block (auth header varies), no cache', (i) =>
  requestBlock(templated(i, undefined), 'https', '127.0.0.1:8443'),
);
const h2HeadCache = { staticPairs: 2, staticLine: true };
bench('h2 request block (auth header varies), head cache', (i) =>
  requestBlock(templated(i, h2HeadCache), 'https', '127.0.0.1:8443'),
);
if (fields === 0) throw new Error('nothing decoded');
