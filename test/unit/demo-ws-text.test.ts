import { describe, expect, it } from 'vitest';
import { classifyText } from '../../src/demo/websocket.js';

/** How the demo target's /ws answers a text frame: "ping", a JSON object by its type, anything else echoed. */
describe('demo WebSocket text frames', () => {
  it('"ping" is a ping; a JSON object is handled by type; other JSON and text are echoed', () => {
    expect(classifyText('ping')).toEqual({ kind: 'ping' });
    expect(classifyText('{"type":"chat","text":"hi"}')).toEqual({
      kind: 'json',
      msg: { type: 'chat', text: 'hi' },
    });
    expect(classifyText('[1,2]')).toEqual({ kind: 'echo' });
    expect(classifyText('null')).toEqual({ kind: 'echo' });
    expect(classifyText('"ping"')).toEqual({ kind: 'echo' });
    expect(classifyText('{not json')).toEqual({ kind: 'echo' });
  });
});
