export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable; rejects (or times out) when it is not. */
  check(): Promise<void>;
}

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export interface ReadinessOptions {
  /** Time allowed for each check, in ms. @default 2_000 */
  checkTimeoutMs?: number;
}

export interface Readiness {
  add(check: ReadinessCheck): void;
  /** Runs every check at once; ready only when all pass in time. */
  run(): Promise<ReadinessReport>;
}

export function createReadiness(opts: ReadinessOptions = {}): Readiness {
  const timeoutMs = opts.checkTimeoutMs ?? 2_000;
  const checks: ReadinessCheck[] = [];
  return {
    add(check) {
      checks.push(check);
    },
    async run() {
      const results = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
      return {
        ready: results.every((result) => result.ok),
        checks: Object.fromEntries(checks.map((check, i) => [check.name, results[i]!])),
      };
    },
  };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  const checked = Promise.resolve()
    .then(() => check.check())
    .then(
      (): CheckResult => ({ ok: true }),
      (err: unknown): CheckResult => ({
        ok: false,
        detail: err instanceof Error ? err.message : String(err),
      }),
    );
  try {
    return await Promise.race([checked, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
