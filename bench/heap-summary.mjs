#!/usr/bin/env node
/**
 * What a V8 heap snapshot holds, grouped by constructor (objects), function name (closures) or V8 node
 * type (arrays, strings, code...), largest first, with the share per VU: the first look at what each VU
 * costs when bench/seed-memory.mjs (HEAPSNAPSHOT=1) is over its bar.
 *
 * Usage: node --max-old-space-size=4096 bench/heap-summary.mjs FILE.heapsnapshot [VUS=10000] [TOP=25]
 * Self sizes only: what each object occupies itself, not what it keeps alive.
 */
import { readFileSync } from 'node:fs';
import { fail } from './lib.mjs';

const [file, vusArg = '10000', topArg = '25'] = process.argv.slice(2);
if (!file) fail('usage: heap-summary.mjs FILE.heapsnapshot [VUS] [TOP]');
const vus = Number(vusArg);
const top = Number(topArg);

const snapshot = JSON.parse(readFileSync(file, 'utf8'));
const meta = snapshot.snapshot.meta;
const stride = meta.node_fields.length;
const typeNames = meta.node_types[0];
const typeAt = meta.node_fields.indexOf('type');
const nameAt = meta.node_fields.indexOf('name');
const sizeAt = meta.node_fields.indexOf('self_size');
const { nodes, strings } = snapshot;

const groups = new Map();
let total = 0;
for (let i = 0; i < nodes.length; i += stride) {
  const type = typeNames[nodes[i + typeAt]];
  const name = strings[nodes[i + nameAt]];
  const key =
    type === 'object' ? name : type === 'closure' ? `closure ${name || '(anonymous)'}` : `(${type})`;
  const size = nodes[i + sizeAt];
  const g = groups.get(key) ?? { count: 0, size: 0 };
  g.count++;
  g.size += size;
  groups.set(key, g);
  total += size;
}

console.log(`${file}: ${(total / 2 ** 20).toFixed(1)} MB in ${nodes.length / stride} nodes`);
console.log('      MB   bytes/VU    count  group');
for (const [key, g] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
  console.log(
    `${(g.size / 2 ** 20).toFixed(2).padStart(8)} ${(g.size / vus).toFixed(0).padStart(10)} ${String(g.count).padStart(8)}  ${key.slice(0, 70)}`,
  );
}
