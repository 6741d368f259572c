import net from 'node:net';

/**
 * A TCP forwarder a test owns, to cut a service's network path without touching the service:
 * `cut()` destroys every open connection and refuses new ones (the client sees a reset, as when
 * the service dies); `restore()` accepts and forwards again on the same port.
 */
export interface TcpProxy {
  /** e.g. `127.0.0.1:40123` */
  host: string;
  port: number;
  /** `redis://127.0.0.1:<port>` and the like: the target URL with host and port swapped. */
  urlFor(targetUrl: string): string;
  cut(): void;
  restore(): void;
  /** Connections currently forwarded (for assertions that something did connect). */
  readonly openConnections: number;
  /** Connection attempts refused since the proxy started (clients retrying during a cut). */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let refusing = false;
  let refused = 0;

  const server = net.createServer((client) => {
    if (refusing) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  const proxy: TcpProxy = {
    host: `127.0.0.1:${port}`,
    port,
    urlFor(targetUrl: string) {
      const u = new URL(targetUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      refusing = true;
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    restore() {
      refusing = false;
    },
    get openConnections() {
      return pairs.size;
    },
    get refused() {
      return refused;
    },
    async close() {
      proxy.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
