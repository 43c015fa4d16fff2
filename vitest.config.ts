import { defineConfig } from "vitest/config";

/**
 * Three projects, chosen by file suffix. Integration and e2e tests share one set of servers
 * (Postgres, NATS, Redis) and isolate themselves with a fresh database and a bus namespace per file.
 * Their global setup uses the servers that answer, or starts the missing ones in containers where a
 * Docker engine runs (libs/testing/src/global-setup.ts); unit tests need no server.
 */
const servers = "@tessera/testing/global-setup";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{libs,services}/*/test/**/*.unit.spec.ts", "deploy/test/**/*.unit.spec.ts"],
        },
      },
      {
        test: {
          name: "int",
          include: ["{libs,services}/*/test/**/*.int.spec.ts", "deploy/test/**/*.int.spec.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
          globalSetup: [servers],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["{libs,services}/*/test/**/*.e2e.spec.ts", "deploy/test/**/*.e2e.spec.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          globalSetup: [servers],
        },
      },
    ],
  },
});
