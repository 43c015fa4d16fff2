import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";

/** A TCP proxy in front of a server (Postgres, NATS) that a test can partition or cut. */
export interface TcpProxy {
  /** `targetUrl` with the proxy's host and port in place of the server's. */
  readonly url: string;
  /** Stops passing bytes while keeping both connections open: a partition. */
  freeze(): void;
  /** Drops every connection and refuses new ones: the server is unreachable for its clients. */
  cut(): void;
  close(): Promise<void>;
}

/** Proxies 127.0.0.1:<free port> to the host and port of `targetUrl` (e.g. a Postgres URL). */
export async function startTcpProxy(targetUrl: string, defaultPort = 5432): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let frozen = false;
  let refusing = false;
  const server: Server = createServer((downstream) => {
    if (refusing) {
      downstream.destroy();
      return;
    }
    const upstream = connect(Number(target.port || defaultPort), target.hostname);
    for (const [from, to] of [
      [downstream, upstream],
      [upstream, downstream],
    ] as const) {
      sockets.add(from);
      from.on("close", () => sockets.delete(from));
      from.on("data", (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on("end", () => {
        if (!frozen) to.end();
      });
      from.on("error", () => to.destroy());
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no proxy port");
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(address.port);
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: url.toString(),
    freeze: () => {
      frozen = true;
    },
    cut: () => {
      refusing = true;
      dropAll();
    },
    async close() {
      dropAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
