#!/usr/bin/env -S node --no-memory-reducer
// The flags first (see v8-flags.js): the main thread's first full GC comes while the CLI's modules load.
import './v8-flags.js';

await import('../dist/cli/main.js');
