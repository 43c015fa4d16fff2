/**
 * Where the test servers are; the same defaults as the services. Read once per process: the global
 * setup (global-setup.ts) may point them at containers before the test workers start.
 */
export const TEST_DATABASE_URL: string =
  process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_NATS_URL: string = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
export const TEST_REDIS_URL: string = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
