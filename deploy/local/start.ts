/**
 * `npm start`: every service of deploy/services.json as `node src/main.ts` in services/<name>,
 * logs prefixed with the service's name. Nothing is restarted: when one service exits on its own,
 * the others are stopped too. Ctrl-C or SIGTERM sends SIGTERM to each service and waits; a second
 * Ctrl-C kills them. Exit code 0 when every service stopped cleanly.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { loadServices, repoRoot } from "../services.ts";
import { bold, dim, formatLine, prefixFor, red } from "./lib/log-format.ts";
import { localEnv, prepareServers, serviceEnv } from "./lib/setup.ts";

const manifest = loadServices();
const env = localEnv(manifest);

const unlisted = readdirSync(join(repoRoot, "services")).filter(
  (dir) =>
    existsSync(join(repoRoot, "services", dir, "package.json")) &&
    !manifest.services.some((s) => s.name === dir),
);
if (unlisted.length > 0) {
  console.error(`start: services/${unlisted.join(", services/")} not in deploy/services.json: add it there`);
  process.exit(1);
}
const missing = manifest.services.filter(
  (s) => !existsSync(join(repoRoot, "services", s.name, "src", "main.ts")),
);
if (missing.length > 0) {
  const paths = missing.map((s) => `services/${s.name}/src/main.ts`).join(", ");
  console.error(`start: cannot start, missing ${paths}`);
  process.exit(1);
}

prepareServers(manifest, env);

const width = Math.max(...manifest.services.map((s) => s.name.length), "start".length);
const say = (text: string): void => {
  process.stdout.write(`${dim("start".padEnd(width))} ${dim("│")} ${text}\n`);
};

const shutdownTimeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000) + 5_000;
const running = new Map<string, ChildProcess>();
let stopping = false;
let exitCode = 0;

function describe(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

function stopAll(): void {
  if (stopping) return;
  stopping = true;
  for (const child of running.values()) child.kill("SIGTERM");
  setTimeout(() => {
    for (const [name, child] of running) {
      say(red(`${name} did not stop within ${shutdownTimeoutMs} ms: killing it`));
      child.kill("SIGKILL");
    }
    exitCode = 1;
  }, shutdownTimeoutMs).unref();
}

function pipeLines(stream: NodeJS.ReadableStream, prefix: string, out: NodeJS.WriteStream): void {
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
    for (const part of formatLine(line).split("\n")) out.write(`${prefix}${part}\n`);
  });
}

manifest.services.forEach((service, index) => {
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: join(repoRoot, "services", service.name),
    env: serviceEnv(manifest, service, env),
    stdio: ["ignore", "pipe", "pipe"],
    // Own process group: the terminal's Ctrl-C reaches only this script, which stops each service once.
    detached: true,
  });
  running.set(service.name, child);
  const prefix = prefixFor(service.name, index, width);
  pipeLines(child.stdout!, prefix, process.stdout);
  pipeLines(child.stderr!, prefix, process.stderr);
  child.on("error", (err) => say(red(`${service.name} could not start: ${err.message}`)));
  child.on("close", (code, signal) => {
    running.delete(service.name);
    const clean = code === 0 || (stopping && signal === "SIGTERM");
    if (!stopping) {
      say(red(bold(`${service.name} exited unexpectedly (${describe(code, signal)}): stopping the others`)));
      exitCode = 1;
      stopAll();
    } else if (!clean) {
      say(red(`${service.name} stopped with ${describe(code, signal)}`));
      exitCode = 1;
    } else {
      say(dim(`${service.name} stopped`));
    }
    if (running.size === 0) process.exit(exitCode);
  });
});

const gateway = manifest.services.find((s) => s.public && s.port);
const gatewayUrl = gateway
  ? ` gateway on http://${env.HOST ?? "127.0.0.1"}:${env.PORT ?? gateway.port};`
  : "";
say(`${manifest.services.length} services starting;${gatewayUrl} Ctrl-C stops them all`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!stopping) {
      say(`${signal}: stopping ${running.size} services`);
      stopAll();
      return;
    }
    say(red(`${signal} again: killing what still runs`));
    exitCode = 1;
    for (const child of running.values()) child.kill("SIGKILL");
  });
}
