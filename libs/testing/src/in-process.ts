import { type DeepReadonly, parseConfig } from "@tessera/service-kit";
import type { z } from "zod";
import {
  createTestDatabase,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
  testNamespace,
} from "./database.ts";

export interface InProcessService<R> {
  /** What the service's start function returned. */
  readonly running: R;
  readonly database: TestDatabase;
  /** The bus namespace of this service (share it with the services it talks to). */
  readonly namespace: string;
  /** Stops the service, then drops its database. */
  stop(): Promise<void>;
}

export interface InProcessOptions<S extends z.ZodType, R> {
  /** The service's config schema; the test environment is parsed with it, as `main.ts` would. */
  configSchema: S;
  start: (config: DeepReadonly<z.output<S>>) => Promise<R>;
  /** Extra environment (the test servers, a fresh database and namespace are set already). */
  env?: Record<string, string>;
  /** Reuse a database (several services of one stack share one, each in its own schema). */
  database?: TestDatabase;
  namespace?: string;
}

/** Environment pointing a service at the test servers, a database and a bus namespace. */
export function testServiceEnv(database: TestDatabase, namespace: string): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    NATS_URL: TEST_NATS_URL,
    REDIS_URL: TEST_REDIS_URL,
    BUS_NAMESPACE: namespace,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    // Outbound's local mail catcher on free ports, so test files (and a running `npm start`) never collide.
    OUTBOUND_CATCHER_SMTP_PORT: "0",
    OUTBOUND_CATCHER_WEB_PORT: "0",
  };
}

/** Starts one service inside the test process, against real servers, isolated by database and namespace. */
export async function startInProcess<S extends z.ZodType, R extends { stop(): Promise<void> }>(
  options: InProcessOptions<S, R>,
): Promise<InProcessService<R>> {
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await createTestDatabase("svc"));
  const namespace = options.namespace ?? testNamespace("svc");
  const env = { ...testServiceEnv(database, namespace), ...options.env };
  try {
    const running = await options.start(parseConfig(options.configSchema, env));
    return {
      running,
      database,
      namespace,
      async stop() {
        await running.stop();
        if (ownsDatabase) await database.drop();
      },
    };
  } catch (error) {
    if (ownsDatabase) await database.drop();
    throw error;
  }
}
