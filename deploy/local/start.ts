/**
 * `npm start`: every service of deploy/services.json as `node src/main.ts` in services/<name>,
 * logs prefixed with the service's name. A service that exits on its own is restarted after a
 * backoff (lib/supervision.ts) while the others keep running. Ctrl-C or SIGTERM sends SIGTERM to
 * each service and waits; a second Ctrl-C kills them. Exit code 0 when every service stopped cleanly.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { loadServices, repoRoot, type ServiceSpec } from "../services.ts";
import { bold, dim, formatLine, prefixFor, red } from "./lib/log-format.ts";
import { localEnv, prepareServers, serviceEnv } from "./lib/setup.ts";
import { decideOnExit, describeExit, restartLine } from "./lib/supervision.ts";

const manifest = loadServices();
const env = localEnv(manifest);
// auth encrypts reset and verification tokens for outbound: both need the same key. Without one
// configured, this run shares a random key, so the mail catcher's links work until Ctrl-C.
if (!env.AUTH_LINK_TOKEN_KEY) env.AUTH_LINK_TOKEN_KEY = `local-run:${randomBytes(32).toString("base64url")}`;

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

/** One service of the stack: its process while it runs, its pending restart while it waits. */
interface Slot {
  readonly service: ServiceSpec;
  readonly prefix: string;
  child?: ChildProcess;
  startedAt: number;
  /** Failures in a row, for the backoff. */
  failures: number;
  restart?: NodeJS.Timeout;
}

const shutdownTimeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000) + 5_000;
const slots: Slot[] = manifest.services.map((service, index) => ({
  service,
  prefix: prefixFor(service.name, index, width),
  startedAt: 0,
  failures: 0,
}));
let stopping = false;
let exitCode = 0;

const runningSlots = (): Slot[] => slots.filter((slot) => slot.child !== undefined);

function pipeLines(stream: NodeJS.ReadableStream, prefix: string, out: NodeJS.WriteStream): void {
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
    for (const part of formatLine(line).split("\n")) out.write(`${prefix}${part}\n`);
  });
}

function launch(slot: Slot): void {
  const { name } = slot.service;
  const child = spawn(process.execPath, ["--import", "@tessera/service-kit/instrument", "src/main.ts"], {
    cwd: join(repoRoot, "services", name),
    env: serviceEnv(manifest, slot.service, env),
    stdio: ["ignore", "pipe", "pipe"],
    // Own process group: the terminal's Ctrl-C reaches only this script, which stops each service once.
    detached: true,
  });
  slot.child = child;
  slot.startedAt = Date.now();
  pipeLines(child.stdout!, slot.prefix, process.stdout);
  pipeLines(child.stderr!, slot.prefix, process.stderr);
  // The pid lets one stop or kill a single service by hand; the runner then restarts it.
  if (child.pid !== undefined) say(dim(`${name} started (pid ${child.pid})`));
  child.on("error", (err) => say(red(`${name} could not start: ${err.message}`)));
  // A failed spawn reports "close" too (after "error"), so it is retried like any other exit.
  child.on("close", (code, signal) => onExit(slot, code, signal));
}

function onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
  const { name } = slot.service;
  slot.child = undefined;
  const exit = { code, signal, uptimeMs: Date.now() - slot.startedAt };
  const decision = decideOnExit(exit, { stopping, failures: slot.failures });
  if (decision.action === "restart") {
    slot.failures = decision.failures;
    say(red(bold(restartLine(name, exit, decision))));
    slot.restart = setTimeout(() => {
      slot.restart = undefined;
      launch(slot);
    }, decision.delayMs);
    return;
  }
  if (decision.clean) {
    say(dim(`${name} stopped`));
  } else {
    say(red(`${name} stopped with ${describeExit(exit)}`));
    exitCode = 1;
  }
  exitWhenAllStopped();
}

function exitWhenAllStopped(): void {
  if (stopping && runningSlots().length === 0) process.exit(exitCode);
}

function stopAll(): void {
  if (stopping) return;
  stopping = true;
  for (const slot of slots) {
    clearTimeout(slot.restart);
    slot.restart = undefined;
    slot.child?.kill("SIGTERM");
  }
  setTimeout(() => {
    for (const slot of runningSlots()) {
      say(red(`${slot.service.name} did not stop within ${shutdownTimeoutMs} ms: killing it`));
      slot.child?.kill("SIGKILL");
    }
    exitCode = 1;
  }, shutdownTimeoutMs).unref();
  exitWhenAllStopped();
}

for (const slot of slots) launch(slot);

const gateway = manifest.services.find((s) => s.public && s.port);
const gatewayUrl = gateway
  ? ` gateway on http://${env.HOST ?? "127.0.0.1"}:${env.PORT ?? gateway.port};`
  : "";
say(
  `${manifest.services.length} services starting;${gatewayUrl} one that dies is restarted; Ctrl-C stops them all`,
);
const outbound = manifest.services.find((s) => s.name === "outbound");
const outboundEnv = outbound ? serviceEnv(manifest, outbound, env) : {};
if (outbound && !outboundEnv.OUTBOUND_SMTP_URL) {
  const port = outboundEnv.OUTBOUND_CATCHER_WEB_PORT ?? "8025";
  const page = port === "0" ? "on a free port (outbound logs it)" : `on http://127.0.0.1:${port}/`;
  say(`no OUTBOUND_SMTP_URL: emails go to the local mail catcher, ${page}; or npm run cli -- mail list`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!stopping) {
      say(`${signal}: stopping ${runningSlots().length} services`);
      stopAll();
      return;
    }
    say(red(`${signal} again: killing what still runs`));
    exitCode = 1;
    for (const slot of runningSlots()) slot.child?.kill("SIGKILL");
  });
}
