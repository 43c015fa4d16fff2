import type { Logger } from "pino";

type ShutdownLogger = Pick<Logger, "info" | "warn" | "error">;

export interface ShutdownOptions {
  logger: ShutdownLogger;
  /** Time allowed for all stop steps together, in ms. @default 10_000 */
  timeoutMs?: number;
  /** Called with the exit code once the steps are done. @default process.exit */
  exit?: (code: number) => void;
  /** @default ["SIGTERM", "SIGINT"] */
  signals?: NodeJS.Signals[];
}

export interface Shutdown {
  /** Registers a stop step; steps run in reverse order of registration (last started, first stopped). */
  add(name: string, stop: () => Promise<void> | void): void;
  /** Installs the signal handlers (once). A second signal while stopping exits 1 at once. */
  listen(): void;
  /** Runs the steps and exits: 0 when all finished in time, 1 otherwise. Resolves with the code. */
  run(reason: string): Promise<number>;
  /** Removes the signal handlers (tests). */
  dispose(): void;
}

interface Step {
  name: string;
  stop: () => Promise<void> | void;
}

export function createShutdown(opts: ShutdownOptions): Shutdown {
  const { logger } = opts;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  const steps: Step[] = [];
  let running: Promise<number> | undefined;
  let listening = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      logger.warn({ signal }, "second signal while stopping; exiting now");
      exit(1);
      return;
    }
    void shutdown.run(signal);
  };

  const shutdown: Shutdown = {
    add(name, stop) {
      steps.push({ name, stop });
    },
    listen() {
      if (listening) return;
      listening = true;
      for (const signal of signals) process.on(signal, onSignal);
    },
    run(reason) {
      running ??= runSteps([...steps].reverse(), { logger, timeoutMs, reason }).then((code) => {
        exit(code);
        return code;
      });
      return running;
    },
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
      listening = false;
    },
  };
  return shutdown;
}

async function runSteps(
  steps: Step[],
  { logger, timeoutMs, reason }: { logger: ShutdownLogger; timeoutMs: number; reason: string },
): Promise<number> {
  logger.info({ reason, steps: steps.map((step) => step.name), timeoutMs }, "shutting down");
  const deadline = Date.now() + timeoutMs;
  let code = 0;
  for (const step of steps) {
    const outcome = await withDeadline(step, deadline);
    if (outcome === "timeout") {
      logger.error({ step: step.name, timeoutMs }, "shutdown timed out; exiting without the remaining steps");
      return 1;
    }
    if (outcome !== "ok") {
      logger.error({ step: step.name, err: outcome.error }, "shutdown step failed");
      code = 1;
    }
  }
  logger.info({ code }, "stopped");
  return code;
}

async function withDeadline(step: Step, deadline: number): Promise<"ok" | "timeout" | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(deadline - Date.now(), 0));
  });
  const stopped = Promise.resolve()
    .then(() => step.stop())
    .then(
      () => "ok" as const,
      (error: unknown) => ({ error }),
    );
  try {
    return await Promise.race([stopped, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface RunUntilSignalOptions extends ShutdownOptions {
  /** The service's whole stop (drain the bus, close the database …), or named steps in start order. */
  stop: (() => Promise<void>) | Array<{ name: string; stop: () => Promise<void> | void }>;
}

/** SIGTERM/SIGINT → run the stop steps (reverse order, bounded by `timeoutMs`) → exit 0, or 1 on failure. */
export function runUntilSignal(opts: RunUntilSignalOptions): Shutdown {
  const shutdown = createShutdown(opts);
  if (typeof opts.stop === "function") shutdown.add("stop", opts.stop);
  else for (const step of opts.stop) shutdown.add(step.name, step.stop);
  shutdown.listen();
  return shutdown;
}
