import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer as createHttpServer, type RequestListener } from "node:http";
import {
  type AddressInfo,
  createServer as createTcpServer,
  isIP,
  type LookupFunction,
  type Socket,
} from "node:net";
import { expect } from "vitest";

/** A server on 127.0.0.1 that counts the connections it accepts and the paths it is asked for. */
export interface LoopbackServer {
  readonly port: number;
  readonly url: string;
  connections(): number;
  readonly paths: string[];
  close(): Promise<void>;
}

export async function startHttpServer(handler: RequestListener): Promise<LoopbackServer> {
  const paths: string[] = [];
  const server = createHttpServer((request, response) => {
    paths.push(request.url ?? "");
    handler(request, response);
  });
  return listening(server, paths, () => server.closeAllConnections());
}

/** A bare TCP server: `onSocket` decides what (if anything) it ever sends. */
export async function startTcpServer(onSocket: (socket: Socket) => void): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    onSocket(socket);
  });
  return listening(server, [], () => {
    for (const socket of sockets) socket.destroy();
  });
}

async function listening(
  server: ReturnType<typeof createTcpServer>,
  paths: string[],
  dropConnections: () => void,
): Promise<LoopbackServer> {
  let connections = 0;
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    paths,
    close: () =>
      new Promise((resolve) => {
        dropConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = await startTcpServer(() => {});
  await server.close();
  return server.port;
}

/**
 * Every connection attempt (`connectionAttempt`: the address a socket is about to connect to) any
 * client socket of this process makes while watched. Empty means no packet was even addressed.
 */
export function watchConnectionAttempts(): { readonly attempts: string[]; stop(): void } {
  const attempts: string[] = [];
  const onSocket = (message: unknown): void => {
    const { socket } = message as { socket: Socket };
    socket.on("connectionAttempt", (address: string, port: number) => attempts.push(`${address}:${port}`));
  };
  subscribe("net.client.socket", onSocket);
  return { attempts, stop: () => unsubscribe("net.client.socket", onSocket) };
}

/** A resolver that answers from a table (unknown names: ENOTFOUND) and records what it was asked. */
export function stubLookup(answers: Readonly<Record<string, readonly string[]>>): {
  readonly lookup: LookupFunction;
  readonly calls: string[];
} {
  const calls: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    calls.push(hostname);
    const addresses = answers[hostname];
    setImmediate(() => {
      if (!addresses?.[0]) {
        const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        error.code = "ENOTFOUND";
        return callback(error, "");
      }
      if (options.all)
        return callback(
          null,
          addresses.map((address) => ({ address, family: isIP(address) })),
        );
      callback(null, addresses[0], isIP(addresses[0]));
    });
  };
  return { lookup, calls };
}

/** A resolver that never answers (a DNS server that went silent). */
export const silentLookup: LookupFunction = () => {};

/** The rejection of `promise`, asserted to be of `type`. */
export async function rejection<T>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  expect(outcome).toHaveProperty("error");
  const { error } = outcome as { error: unknown };
  expect(error).toBeInstanceOf(type);
  return error as T;
}
