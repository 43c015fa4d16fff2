import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * A private nats-server for the tests that need a configuration the shared one cannot have
 * (users and permissions, a cluster): started on a free loopback port, stopped by `stop()`.
 */
export interface PrivateNatsServer {
  /** `nats://127.0.0.1:<port>`, without credentials. */
  readonly url: string;
  readonly port: number;
  /** The server's process id, e.g. to read its CPU time. */
  readonly pid: number | undefined;
  /** `http://127.0.0.1:<port>` of the monitoring endpoints (`/connz`, `/varz`), when `monitoring` was asked for. */
  readonly monitoringUrl: string | undefined;
  /** What the server wrote to stderr so far (its log). */
  log(): string;
  stop(): Promise<void>;
}

export interface PrivateNatsServerOptions {
  /**
   * Contents of a `nats.conf` to run with; command-line flags set the port and bind address, and its
   * `store_dir` is replaced by a temporary directory.
   */
  config?: string;
  /** More command-line flags, e.g. `["-js"]` or `["--user", "a", "--pass", "b"]`. */
  args?: string[];
  /** Environment of the server process (a config's `$VARIABLE` references read it). */
  env?: Record<string, string>;
  /** Serve the HTTP monitoring endpoints on a free loopback port (`-m`), e.g. to read `/connz`. @default false */
  monitoring?: boolean;
  /** How long the server may take to listen, in ms. @default 20_000 */
  startTimeoutMs?: number;
}

/** The nats-server binary: on PATH, or where Debian's package puts it. */
export function natsServerBinary(): string {
  const candidates = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/bin"];
  for (const dir of candidates) {
    const path = join(dir, "nats-server");
    if (dir !== "" && existsSync(path)) return path;
  }
  throw new Error("nats-server is not installed (apt-get install nats-server)");
}

export async function startNatsServer(opts: PrivateNatsServerOptions = {}): Promise<PrivateNatsServer> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-nats-"));
  const store = join(dir, "store");
  const args = [
    "-a",
    "127.0.0.1",
    "-p",
    "-1",
    ...(opts.monitoring ? ["-m", "-1"] : []),
    ...(opts.args ?? []),
  ];
  if (opts.config === undefined) {
    args.push("-sd", store);
  } else {
    // The server refuses a store directory both in the file and on the command line: move the file's.
    const file = join(dir, "nats.conf");
    writeFileSync(file, opts.config.replace(/^(\s*store_dir\s*:\s*).*$/m, `$1"${store}"`));
    args.unshift("-c", file);
  }
  const child = spawn(natsServerBinary(), args, {
    env: { PATH: process.env.PATH ?? "", ...opts.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    log += chunk;
  });
  const stop = async (): Promise<void> => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await listeningPort(child, () => log, opts.startTimeoutMs ?? 20_000);
    // The server starts its monitor before it listens for clients, so the line is in the log by now.
    const monitoringPort = opts.monitoring ? MONITORING.exec(log)?.[1] : undefined;
    if (opts.monitoring && monitoringPort === undefined)
      throw new Error(`nats-server started no monitor:\n${log}`);
    const monitoringUrl = monitoringPort === undefined ? undefined : `http://127.0.0.1:${monitoringPort}`;
    return { url: `nats://127.0.0.1:${port}`, port, pid: child.pid, monitoringUrl, log: () => log, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const LISTENING = /Listening for client connections on [^\s]*:(\d+)/;
const MONITORING = /Starting http monitor on [^\s]*:(\d+)/;

function listeningPort(child: ChildProcess, log: () => string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`nats-server did not listen in ${timeoutMs} ms:\n${log()}`)),
      timeoutMs,
    );
    const onData = (): void => {
      const port = LISTENING.exec(log())?.[1];
      if (port !== undefined) finish(undefined, Number(port));
    };
    const onExit = (code: number | null): void =>
      finish(new Error(`nats-server exited (${code}):\n${log()}`));
    function finish(error: Error | undefined, port?: number): void {
      clearTimeout(timer);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(port!);
    }
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
