import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { writeThisTurn } from '../../src/protocols/http1/write-batch.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** A real loopback server that keeps everything each connection sends, and a client socket to it. */
async function connectedPair(): Promise<{ client: Socket; received: () => Promise<string> }> {
  let serverSide: Socket | undefined;
  const chunks: Buffer[] = [];
  const server = createServer((s) => {
    serverSide = s;
    s.on('data', (c: Buffer) => chunks.push(c));
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  sockets.push(client);
  await new Promise((ok) => client.once('connect', ok));
  return {
    client,
    received: async () => {
      client.end();
      await new Promise((ok) => (serverSide as Socket).once('end', ok));
      return Buffer.concat(chunks).toString('latin1');
    },
  };
}

const nextTurn = () => new Promise((ok) => setImmediate(ok));

describe('writeThisTurn', () => {
  it('writes nothing until the turn ends, then every payload in the order asked, per socket', async () => {
    const a = await connectedPair();
    const b = await connectedPair();
    writeThisTurn(a.client, Buffer.from('a1 '));
    writeThisTurn(b.client, Buffer.from('b1 '));
    writeThisTurn(a.client, Buffer.from('a2 '));
    expect(a.client.bytesWritten).toBe(0);
    expect(b.client.bytesWritten).toBe(0);
    await nextTurn();
    expect(a.client.bytesWritten).toBe(6);
    expect(b.client.bytesWritten).toBe(3);
    expect(await a.received()).toBe('a1 a2 ');
    expect(await b.received()).toBe('b1 ');
  });

  it('skips a socket destroyed before the turn ended and still writes the others', async () => {
    const a = await connectedPair();
    const b = await connectedPair();
    const errors: Error[] = [];
    a.client.on('error', (e) => errors.push(e));
    writeThisTurn(a.client, Buffer.from('lost'));
    writeThisTurn(b.client, Buffer.from('kept'));
    a.client.destroy();
    await nextTurn();
    expect(a.client.bytesWritten).toBe(0);
    expect(errors).toEqual([]);
    expect(await b.received()).toBe('kept');
  });

  it('a later turn starts a new batch', async () => {
    const a = await connectedPair();
    writeThisTurn(a.client, Buffer.from('one '));
    await nextTurn();
    expect(a.client.bytesWritten).toBe(4);
    writeThisTurn(a.client, Buffer.from('two'));
    expect(a.client.bytesWritten).toBe(4);
    await nextTurn();
    expect(await a.received()).toBe('one two');
  });
});
