import { lookup as dnsLookup } from "node:dns";
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { TesseraError } from "@tessera/contracts";
import type { EgressAllowList, EgressTarget } from "./allow-list.ts";
import {
  EgressConnectionError,
  EgressRefusedError,
  EgressResponseTooLargeError,
  EgressTimeoutError,
} from "./errors.ts";
import { ADDRESS_REFUSED, type ConnectionGuard, connectionGuard, isAgentRefusal } from "./guard.ts";

export interface EgressClientOptions {
  /** Targets the operator allows although their address is not public (`EGRESS_ALLOW_HOSTS`). @default [] */
  readonly allow?: EgressAllowList;
  /** Resolving the host name and opening the connection (TCP, and TLS for https), in ms. @default 5_000 */
  readonly connectTimeoutMs?: number;
  /** The whole exchange, from the call to the last byte of the response, in ms. @default 30_000 */
  readonly totalTimeoutMs?: number;
  /** The largest response body accepted, in bytes. @default 10_485_760 (10 MiB) */
  readonly maxResponseBytes?: number;
  /** Sent unless the request names its own. @default "tessera" */
  readonly userAgent?: string;
  /** Host name resolution; its answer is what the guard checks and the socket connects to. @default dns.lookup */
  readonly lookup?: LookupFunction;
}

export interface EgressRequest {
  /** @default "GET" */
  readonly method?: string;
  /** Absolute http(s) URL without credentials. */
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Aborting rejects the request with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface EgressResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface EgressClient {
  /**
   * One request, never a redirect followed (a 3xx is returned as it is). Rejects with
   * `EgressRefusedError` before anything is sent, `EgressTimeoutError`, `EgressConnectionError`
   * or `EgressResponseTooLargeError`.
   */
  request(request: EgressRequest): Promise<EgressResponse>;
}

type Settings = Required<EgressClientOptions>;
type Target = EgressTarget & { readonly url: URL; readonly https: boolean };

/** The one way a service sends an HTTP request a tenant can aim. */
export function createEgressClient(options: EgressClientOptions = {}): EgressClient {
  const settings: Settings = {
    allow: options.allow ?? [],
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    totalTimeoutMs: options.totalTimeoutMs ?? 30_000,
    maxResponseBytes: options.maxResponseBytes ?? 10 * 1024 * 1024,
    userAgent: options.userAgent ?? "tessera",
    lookup: options.lookup ?? dnsLookup,
  };
  return {
    async request(request) {
      const target = targetOf(request.url);
      const guard = connectionGuard(target, settings.allow, settings.lookup);
      request.signal?.throwIfAborted();
      return exchange(settings, target, guard, request);
    },
  };
}

function targetOf(input: string | URL): Target {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new EgressRefusedError("invalid_url", "The target is not an absolute URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new EgressRefusedError("scheme", "The target URL must use http or https.");
  // Credentials in a URL end up in logs and error reports; the callers send theirs in headers.
  if (url.username !== "" || url.password !== "")
    throw new EgressRefusedError("credentials", "The target URL must not carry credentials.");
  const secure = url.protocol === "https:";
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
  return { url, https: secure, hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"), port };
}

function exchange(
  settings: Settings,
  target: Target,
  guard: ConnectionGuard,
  request: EgressRequest,
): Promise<EgressResponse> {
  return new Promise((resolve, reject) => {
    // Before any timer: a header Node refuses throws here, and rejects with nothing left running.
    const outgoing = send(settings, target, guard, request);
    let settled = false;
    const settle = (error: unknown, response?: EgressResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      request.signal?.removeEventListener("abort", onAbort);
      outgoing.destroy();
      guard.agent.destroy();
      if (response) resolve(response);
      else reject(error);
    };
    const fail = (error: unknown): void => settle(error);
    const onAbort = (): void => fail(request.signal?.reason);
    const connectTimer = setTimeout(
      () => fail(new EgressTimeoutError("connect", settings.connectTimeoutMs)),
      settings.connectTimeoutMs,
    );
    const totalTimer = setTimeout(
      () => fail(new EgressTimeoutError("total", settings.totalTimeoutMs)),
      settings.totalTimeoutMs,
    );
    request.signal?.addEventListener("abort", onAbort, { once: true });
    outgoing.on("error", (error) => fail(translated(error)));
    outgoing.on("socket", (socket) => {
      socket.once(target.https ? "secureConnect" : "connect", () => clearTimeout(connectTimer));
    });
    outgoing.on("response", (response) =>
      collect(response, settings.maxResponseBytes, fail, (body) => settle(undefined, body)),
    );
    outgoing.end(request.body);
  });
}

function send(
  settings: Settings,
  target: Target,
  guard: ConnectionGuard,
  request: EgressRequest,
): ClientRequest {
  const length = request.body === undefined ? undefined : Buffer.byteLength(request.body);
  return (target.https ? https : http).request({
    protocol: target.url.protocol,
    hostname: target.hostname,
    port: target.port,
    path: `${target.url.pathname}${target.url.search}`,
    method: request.method ?? "GET",
    headers: {
      "user-agent": settings.userAgent,
      ...request.headers,
      ...(length === undefined ? {} : { "content-length": String(length) }),
    },
    agent: guard.agent,
    lookup: guard.lookup,
  });
}

function collect(
  response: IncomingMessage,
  limit: number,
  fail: (error: unknown) => void,
  done: (response: EgressResponse) => void,
): void {
  if (Number(response.headers["content-length"]) > limit) {
    fail(new EgressResponseTooLargeError(limit));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  response.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) fail(new EgressResponseTooLargeError(limit));
    else chunks.push(chunk);
  });
  response.on("error", (error) => fail(translated(error)));
  response.on("close", () => {
    if (!response.complete)
      fail(new EgressConnectionError("The connection closed before the response ended."));
  });
  response.on("end", () =>
    done({ status: response.statusCode ?? 0, headers: flat(response.headers), body: Buffer.concat(chunks) }),
  );
}

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(", ") : value]],
    ),
  );
}

const CONNECTION_FAILURES: readonly [RegExp, string][] = [
  [/^ECONNREFUSED$/, "The target refused the connection."],
  [/^(ENOTFOUND|EAI_NONAME|EAI_NODATA)$/, "The target's host name does not resolve."],
  [/^EAI_AGAIN$/, "The target's host name could not be resolved for now."],
  [/^(ECONNRESET|EPIPE)$/, "The target closed the connection."],
  [/^(EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)$/, "The target is unreachable."],
  [/^(EPROTO|ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/, "The TLS connection failed."],
  [/^HPE_/, "The target's response is not valid HTTP."],
];

function translated(error: unknown): unknown {
  if (error instanceof TesseraError) return error;
  if (isAgentRefusal(error)) return new EgressRefusedError("address", ADDRESS_REFUSED, { cause: error });
  const code = errorCode(error);
  const detail = CONNECTION_FAILURES.find(([pattern]) => pattern.test(code))?.[1];
  return new EgressConnectionError(detail ?? "The connection to the target failed.", { cause: error });
}

/** An errno-style code; happy eyeballs reports every failed attempt in an AggregateError. */
function errorCode(error: unknown): string {
  const codeOf = (value: unknown): unknown =>
    typeof value === "object" && value !== null && "code" in value ? value.code : undefined;
  const code = codeOf(error) ?? (error instanceof AggregateError ? codeOf(error.errors[0]) : undefined);
  return typeof code === "string" ? code : "";
}
