// V8 flags every stampede process sets before anything else loads.
//
// V8's memory reducer runs up to three full GCs some 8 s after a full GC, once allocation slows; in a light
// open-model run they stalled the load thread (and the coordinator on its core) for 10-20 ms. The bin's
// shebang turns it off for every thread. Started as `node bin/stampede.js`, the main thread's isolate
// already exists and keeps its reducer, so: `--no-memory-reducer` still reaches the worker threads a run
// starts (V8 reads it when an isolate is created), and the main thread's reducer, armed by its first full
// GC, is told to wait 24 days before it starts (V8 reads this delay when the reducer is armed).
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-memory-reducer');
setFlagsFromString('--gc-memory-reducer-start-delay-ms=2147483647');
