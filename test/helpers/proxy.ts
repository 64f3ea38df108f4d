import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a test server, to play the network: cut every connection,
 * refuse new ones while "offline", and follow the server to its new port after a restart.
 */
export interface NetworkProxy {
  /** ws://127.0.0.1:<proxy port>/graphql: stays the same whatever the server does. */
  readonly wsUrl: string;
  /** http://127.0.0.1:<proxy port>/graphql, for HTTP clients whose URL is fixed. */
  readonly httpUrl: string;
  /** Drops every open connection at once and refuses new ones until `online()`. */
  offline(): void;
  online(): void;
  /** Stops forwarding without closing anything: a dead link that neither side is told of. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startProxy(target: () => string): Promise<NetworkProxy> {
  const pairs = new Set<Socket>();
  let refusing = false;
  let frozen = false;
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const { hostname, port } = new URL(target());
    const upstream = connect(Number(port), hostname);
    pairs.add(client);
    pairs.add(upstream);
    const drop = () => {
      pairs.delete(client);
      pairs.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
    // After pipe(), which resumes its source: a connection made while frozen stays frozen.
    if (frozen) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    httpUrl: `http://127.0.0.1:${port}/graphql`,
    offline() {
      refusing = true;
      for (const socket of pairs) socket.destroy();
    },
    online() {
      refusing = false;
    },
    freeze() {
      frozen = true;
      for (const socket of pairs) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of pairs) socket.resume();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of pairs) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
