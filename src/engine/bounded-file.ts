/**
 * Reads a text file a user named (a manifest, a feeder, a runner's spec) with bounded memory: only a regular
 * file is read (a device such as /dev/zero, a FIFO or a directory is refused before it is opened), and at
 * most `maxBytes`, counted while reading: stat's size is 0 for devices and /proc files, and a file can grow
 * after stat.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';

export class FileReadError extends Error {
  constructor(
    message: string,
    readonly code: 'NOT_REGULAR_FILE' | 'FILE_TOO_LARGE',
    /** The file's size when stat knew it (FILE_TOO_LARGE). */
    readonly size?: number,
  ) {
    super(message);
  }
}

/** Growth step when the file turns out longer than stat said. */
const GROW_BYTES = 64 * 1024;

const MIB = 1024 * 1024;
/** A size limit for messages: whole MiB as such, else bytes. */
export const sizeLimitText = (bytes: number) => (bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`);

/**
 * The file's text (UTF-8). Throws FileReadError for a non-regular or too large file; other errors (ENOENT,
 * EACCES) are Node's own.
 */
export function readBoundedTextFile(path: string, maxBytes: number): string {
  checkStats(statSync(path), maxBytes);
  // O_NONBLOCK: should the path become a FIFO after the stat, opening it must not wait for a writer.
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = fstatSync(fd);
    checkStats(stats, maxBytes);
    // One byte more than the limit shows a file that grew past it without reading the rest.
    let buf = Buffer.allocUnsafe(stats.size + 1);
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > maxBytes) throw tooLarge(maxBytes);
        const grown = Buffer.allocUnsafe(Math.min(length + Math.max(length, GROW_BYTES), maxBytes + 1));
        buf.copy(grown, 0, 0, length);
        buf = grown;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) throw tooLarge(maxBytes);
    return buf.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

function checkStats(stats: Stats, maxBytes: number): void {
  if (!stats.isFile()) throw new FileReadError(`is ${kind(stats)}, not a regular file`, 'NOT_REGULAR_FILE');
  if (stats.size > maxBytes) throw tooLarge(maxBytes, stats.size);
}

const tooLarge = (maxBytes: number, size?: number) =>
  new FileReadError(`is larger than ${sizeLimitText(maxBytes)}`, 'FILE_TOO_LARGE', size);

function kind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}
