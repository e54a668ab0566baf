import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser } from '../../src/protocols/http2/frame-parser.js';
import {
  FRAME,
  frame,
  goawayFrame,
  rstStreamFrame,
  settingsFrame,
  windowUpdateFrame,
} from '../../src/protocols/http2/frames.js';

interface Seen {
  type: number;
  flags: number;
  streamId: number;
  payload: string;
}

/** Feeds `chunks` in order; the payload is copied at once, as it is only valid during the callback. */
function parse(chunks: Buffer[], maxFrameSize?: number): { frames: Seen[]; error: string | undefined } {
  const frames: Seen[] = [];
  const parser = new FrameParser((type, flags, streamId, payload) =>
    frames.push({ type, flags, streamId, payload: payload.toString('hex') }),
  );
  if (maxFrameSize !== undefined) parser.maxFrameSize = maxFrameSize;
  for (const chunk of chunks) parser.feed(chunk, 0, chunk.length);
  return { frames, error: parser.error?.message };
}

/** Valid frames of every type the client reads, with payloads up to a few KiB. */
const validFrame = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 1000 }), fc.uint8Array({ maxLength: 5000 }), fc.boolean())
    .map(([id, bytes, end]) => frame(FRAME.data, end ? 1 : 0, id * 2 - 1, Buffer.from(bytes))),
  fc
    .tuple(fc.integer({ min: 1, max: 1000 }), fc.uint8Array({ maxLength: 300 }))
    .map(([id, bytes]) => frame(FRAME.headers, 4, id * 2 - 1, Buffer.from(bytes))),
  fc
    .array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.nat()), { maxLength: 6 })
    .map((settings) => settingsFrame(settings)),
  fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => frame(FRAME.ping, 0, 0, Buffer.from(b))),
  fc.tuple(fc.nat(), fc.nat()).map(([last, code]) => goawayFrame(last & 0x7fffffff, code)),
  fc
    .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }))
    .map(([id, n]) => windowUpdateFrame(id, n)),
  fc.tuple(fc.integer({ min: 1, max: 99 }), fc.nat()).map(([id, code]) => rstStreamFrame(id, code)),
);

/** Cuts `bytes` at the given offsets (sorted, deduplicated, in range). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

describe('HTTP/2 frame parser', () => {
  it('yields the same frames however the byte stream is split or coalesced', () => {
    fc.assert(
      fc.property(
        fc.array(validFrame, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames);
          const whole = parse([stream]);
          expect(whole.error).toBeUndefined();
          expect(whole.frames).toHaveLength(frames.length);
          expect(parse(split(stream, cuts))).toEqual(whole);
          // One byte at a time: the worst split there is.
          expect(parse(split(stream, Array.from(stream.keys())))).toEqual(whole);
        },
      ),
      { seed: 917, numRuns: 300 },
    );
  });

  it('never throws on random bytes: it waits for more, or reports a connection error and stops', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (bytes, cuts) => {
          const result = parse(split(Buffer.from(bytes), cuts));
          // Every frame it did hand over passed the per-frame checks (size limit, stream-0 rules).
          for (const f of result.frames) expect(f.payload.length / 2).toBeLessThanOrEqual(16_384);
        },
      ),
      { seed: 4242, numRuns: 500 },
    );
  });

  it('refuses frames over the size limit, SETTINGS off stream 0 and DATA on stream 0', () => {
    expect(parse([frame(FRAME.data, 0, 1, Buffer.alloc(16_385))]).error).toMatch(/above 16384/);
    expect(parse([frame(FRAME.settings, 0, 3, Buffer.alloc(6))]).error).toMatch(/on stream 3/);
    expect(parse([frame(FRAME.data, 0, 0, Buffer.alloc(1))]).error).toMatch(/on stream 0/);
    expect(parse([frame(FRAME.ping, 0, 0, Buffer.alloc(7))]).error).toMatch(/of 7 bytes/);
    expect(parse([frame(FRAME.settings, 0, 0, Buffer.alloc(5))]).error).toMatch(/SETTINGS of 5/);
    // The size check runs on the header alone: an oversized frame is refused before its payload arrives.
    expect(parse([frame(FRAME.data, 0, 1, Buffer.alloc(20_000)).subarray(0, 9)]).error).toMatch(/above/);
    // Nothing is parsed after the first error.
    const after = parse([Buffer.concat([frame(FRAME.data, 0, 0), frame(FRAME.ping, 0, 0, Buffer.alloc(8))])]);
    expect(after.frames).toEqual([]);
  });
});
