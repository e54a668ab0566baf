/**
 * readBoundedTextFile counts what it reads: a file whose stat size is 0 (/proc files) is still read whole,
 * and stopped at the limit; anything but a regular file is refused before it is opened.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileReadError, readBoundedTextFile } from '../../src/engine/bounded-file.js';

describe('readBoundedTextFile', () => {
  it('reads a regular file up to and including the limit, as UTF-8', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'stampede-bounded-')), 'u.csv');
    writeFileSync(file, 'name\nzoë\n');
    expect(readBoundedTextFile(file, 10)).toBe('name\nzoë\n');
    expect(() => readBoundedTextFile(file, 9)).toThrow(
      expect.objectContaining({ code: 'FILE_TOO_LARGE', size: 10 }),
    );
  });

  it('a file stat calls empty is read by counting, and stopped at the limit', () => {
    // /proc/self/status has stat size 0 but about 1.5 KB of text.
    expect(readBoundedTextFile('/proc/self/status', 1024 * 1024)).toMatch(/^Name:/);
    const error = (() => {
      try {
        readBoundedTextFile('/proc/self/status', 100);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FileReadError);
    expect(error).toMatchObject({ code: 'FILE_TOO_LARGE', message: 'is larger than 100 bytes' });
  });

  it('devices and directories are refused with what they are', () => {
    expect(() => readBoundedTextFile('/dev/zero', 1024)).toThrow('is a character device, not a regular file');
    expect(() => readBoundedTextFile(tmpdir(), 1024)).toThrow('is a directory, not a regular file');
    expect(() => readBoundedTextFile('/nonexistent/x', 1024)).toThrow(/ENOENT/);
  });
});
