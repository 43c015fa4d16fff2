import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const biome = join(root, "node_modules", "@biomejs", "biome", "bin", "biome");

describe("the workspace", () => {
  it("has exactly the top-level folders the design names", () => {
    const tracked = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).split("\n");
    const folders = new Set(tracked.filter((path) => path.includes("/")).map((path) => path.split("/")[0]));
    expect([...folders].sort()).toEqual([".ci", "bench", "deploy", "docs", "libs", "services", "tilt"]);
    for (const file of [
      "Tiltfile",
      "docker-compose.yml",
      "package.json",
      "nx.json",
      "tsconfig.base.json",
      "README.md",
    ]) {
      expect(tracked).toContain(file);
    }
  });
});

describe("the linter", () => {
  // A copy of the project's Biome configuration in a scratch tree, so probes never touch the sources.
  const scratch = mkdtempSync(join(tmpdir(), "tessera-lint-"));
  const config = JSON.parse(readFileSync(join(root, "biome.json"), "utf8"));
  writeFileSync(
    join(scratch, "biome.json"),
    JSON.stringify({ ...config, $schema: undefined, vcs: { enabled: false } }),
  );

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function lint(path: string, source: string): number {
    mkdirSync(join(scratch, dirname(path)), { recursive: true });
    writeFileSync(join(scratch, path), source);
    const result = spawnSync(process.execPath, [biome, "lint", path], { cwd: scratch, encoding: "utf8" });
    return result.status ?? 1;
  }

  it.each([
    ["pg", 'import pg from "pg";\nexport const used = pg;\n'],
    [
      "@nats-io/jetstream",
      'import { jetstream } from "@nats-io/jetstream";\nexport const used = jetstream;\n',
    ],
    ["node:crypto", 'import { randomUUID } from "node:crypto";\nexport const used = randomUUID;\n'],
    ["@tessera/eventstore", 'import { given } from "@tessera/eventstore";\nexport const used = given;\n'],
  ])("keeps %s out of domain code", (module, source) => {
    expect(lint(`services/probe/src/domain/${module.replace(/\W/g, "_")}.ts`, source)).not.toBe(0);
    expect(lint(`services/probe/src/app/${module.replace(/\W/g, "_")}.ts`, source)).toBe(0);
  });
});

describe("the lock file", () => {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { optionalDependencies?: Record<string, string> }>;
  };

  // npm install adds whatever optional package of another platform the lock file lacks, which
  // rewrites package-lock.json on every `npm start` and makes `npm ci` refuse it.
  it("lists every optional dependency of every package, for every platform", () => {
    const missing = Object.entries(lock.packages).flatMap(([path, entry]) =>
      Object.keys(entry.optionalDependencies ?? {})
        .filter((name) => lock.packages[`node_modules/${name}`] === undefined)
        .filter((name) => lock.packages[`${path}/node_modules/${name}`] === undefined)
        .map((name) => `${path || "(root)"} → ${name}`),
    );
    expect(missing).toEqual([]);
  });
});
