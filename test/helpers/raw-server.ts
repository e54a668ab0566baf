/** A raw TCP server on loopback for tests that need byte-level control over an HTTP response. */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

export interface RawServer {
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Every byte received, per connection, in order. */
  readonly received: string[];
  close(): Promise<void>;
}

/**
 * `onRequest` is called for every complete request head (and its Content-Length body) received on a
 * connection, with the connection's index and the request's index on that connection.
 */
export type RawHandler = (socket: Socket, request: string, connection: number, onConnection: number) => void;

export async function startRawServer(onRequest: RawHandler): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const received: string[] = [];
  const server: Server = createServer((socket) => {
    const connection = received.length;
    received.push('');
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the tests close sockets on purpose
    let buffered = '';
    let count = 0;
    socket.on('data', (chunk: Buffer) => {
      received[connection] += chunk.toString('latin1');
      buffered += chunk.toString('latin1');
      for (;;) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered.slice(0, headEnd))?.[1] ?? 0);
        const end = headEnd + 4 + length;
        if (buffered.length < end) return;
        const request = buffered.slice(0, end);
        buffered = buffered.slice(end);
        onRequest(socket, request, connection, count++);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return received.length;
    },
    received,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `text` one byte per TCP write, yielding to the event loop between bytes so packets split. */
export async function writeByteByByte(socket: Socket, text: string): Promise<void> {
  for (let i = 0; i < text.length && !socket.destroyed; i++) {
    socket.write(text[i] as string, 'latin1');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
