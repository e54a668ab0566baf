#!/usr/bin/env -S node --no-memory-reducer
// V8's memory reducer runs up to three full GCs some 8 s after start-up, once allocation slows; in a light
// open-model run they stalled the load thread (and the coordinator on its core) for 10-20 ms. The shebang
// turns it off for every thread; when started as `node bin/stampede.js`, this call still turns it off for
// the worker threads the run starts (V8 reads the flag when an isolate is created).
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-memory-reducer');
await import('../dist/cli/main.js');
