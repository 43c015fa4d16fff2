import { type Jwks, JwksSchema } from "@tessera/contracts";
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";

/** One entry of a KV watch, as `@nats-io/kv` yields it. */
export interface WatchedEntry {
  readonly operation: "PUT" | "DEL" | "PURGE";
  string(): string;
}

/** The part of a NATS KV bucket the store needs. */
export interface WatchableKv {
  watch(options: { key: string }): Promise<AsyncIterable<WatchedEntry> & { stop(): void }>;
}

interface StoreLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** The signing keys `auth` publishes, as the gateway currently knows them. */
export interface JwksStore {
  /** The key resolver for `jwtVerify`, or null while no valid JWKS has been published. */
  keys(): JWTVerifyGetKey | null;
  /** The public JWKS to serve at `/.well-known/jwks.json`, or null while there is none. */
  publicJwks(): Jwks | null;
  /** Stops watching. */
  close(): Promise<void>;
}

/** JWK members that hold private or symmetric key material; never served, never trusted. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

function publicOnly(jwks: Jwks): Jwks {
  return {
    keys: jwks.keys
      .filter((key) => key.kty !== "oct")
      .map((key) => {
        const copy: Jwks["keys"][number] = { ...key };
        for (const member of PRIVATE_MEMBERS) delete copy[member];
        return copy;
      }),
  };
}

/**
 * Watches the JWKS key in the KV bucket, so a rotation by `auth` applies at once. A value that does
 * not parse keeps the previous keys (a bad publish must not lock everyone out); a delete drops them.
 */
export async function startJwksStore(deps: {
  kv: WatchableKv;
  key: string;
  logger: StoreLogger;
}): Promise<JwksStore> {
  let current: { jwks: Jwks; keys: JWTVerifyGetKey } | null = null;
  const watcher = await deps.kv.watch({ key: deps.key });
  deps.logger.info({ key: deps.key }, "watching the JWKS; bearer requests are refused until keys arrive");

  const apply = (entry: WatchedEntry): void => {
    if (entry.operation !== "PUT") {
      current = null;
      deps.logger.warn(
        { key: deps.key },
        "JWKS removed: bearer requests are refused until auth publishes keys",
      );
      return;
    }
    let parsed: ReturnType<typeof JwksSchema.safeParse>;
    try {
      parsed = JwksSchema.safeParse(JSON.parse(entry.string()));
    } catch (error) {
      deps.logger.error({ err: error, key: deps.key }, "JWKS in KV is not JSON; keeping the previous keys");
      return;
    }
    if (!parsed.success) {
      deps.logger.error(
        { key: deps.key, issues: parsed.error.issues },
        "JWKS in KV is invalid; keeping the previous keys",
      );
      return;
    }
    const jwks = publicOnly(parsed.data);
    current = { jwks, keys: createLocalJWKSet(jwks) };
    deps.logger.info({ kids: jwks.keys.map((key) => key.kid) }, "JWKS loaded");
  };

  const watching = (async () => {
    try {
      for await (const entry of watcher) apply(entry);
    } catch (error) {
      deps.logger.error({ err: error }, "JWKS watch ended with an error");
    }
  })();

  return {
    keys: () => current?.keys ?? null,
    publicJwks: () => current?.jwks ?? null,
    async close() {
      watcher.stop();
      await watching;
    },
  };
}
