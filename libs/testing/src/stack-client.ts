import { randomUUID } from "node:crypto";
import { type TokenPair, TokenPairSchema } from "@tessera/contracts";

/** The password e2e accounts register with unless a test needs its own. */
export const TEST_PASSWORD = "correct horse battery staple";

/** An address no other test (or earlier run against the same stack) has used: `<prefix>.<8 hex>@example.com`. */
export function uniqueEmail(prefix = "e2e"): string {
  return `${prefix}.${randomUUID().slice(0, 8)}@example.com`;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface EventuallyOptions {
  /** How long to keep retrying before handing back the last response, in ms. @default 10_000 */
  timeoutMs?: number;
  /** Pause between attempts, in ms. @default 100 */
  intervalMs?: number;
}

export interface StackClient {
  /** A request to the gateway; JSON `body` when given, `Authorization: Bearer <token>` when `token` is. */
  call(
    method: HttpMethod,
    path: string,
    token?: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** An anonymous JSON `POST`, as a client that is not signed in sends it. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** `POST /v1/auth/register`; throws unless the gateway answers 201. */
  register(credentials?: { email?: string; password?: string }): Promise<TokenPair>;
  /**
   * Registers and waits until the profile built from the registration event exists: it follows
   * asynchronously (docs/decisions/0009), and most user routes answer 404 until then.
   * Throws unless `GET /v1/users/me` answers 200 in time.
   */
  signUp(credentials?: { email?: string; password?: string }): Promise<TokenPair>;
  /**
   * Repeats `request` while `pending(status)` holds and time is left, and returns the last response:
   * for state that reaches a projection asynchronously. The caller asserts on what comes back.
   */
  eventually(
    request: () => Promise<Response>,
    pending: (status: number) => boolean,
    options?: EventuallyOptions,
  ): Promise<Response>;
}

/**
 * Helpers for e2e tests that talk to a running stack through its gateway. `gatewayUrl` is read on
 * every request, so a client can be built at module level before `beforeAll` starts the stack.
 */
export function stackClient(gatewayUrl: () => string): StackClient {
  const call: StackClient["call"] = (method, path, token, body, headers = {}) =>
    fetch(`${gatewayUrl()}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const post: StackClient["post"] = (path, body, headers = {}) =>
    call("POST", path, undefined, body, headers);

  const eventually: StackClient["eventually"] = async (request, pending, options = {}) => {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const response = await request();
      if (!pending(response.status) || Date.now() > deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
    }
  };

  const register: StackClient["register"] = async (credentials = {}) => {
    const email = credentials.email ?? uniqueEmail();
    const response = await post("/v1/auth/register", {
      email,
      password: credentials.password ?? TEST_PASSWORD,
    });
    if (response.status !== 201) {
      throw new Error(`registering ${email} answered ${response.status}: ${await response.text()}`);
    }
    return TokenPairSchema.parse(await response.json());
  };

  const signUp: StackClient["signUp"] = async (credentials = {}) => {
    const pair = await register(credentials);
    const profile = await eventually(
      () => call("GET", "/v1/users/me", pair.accessToken),
      (status) => status === 404,
    );
    if (profile.status !== 200) {
      throw new Error(
        `the profile of ${pair.user.email} answered ${profile.status}: ${await profile.text()}`,
      );
    }
    return pair;
  };

  return { call, post, register, signUp, eventually };
}
