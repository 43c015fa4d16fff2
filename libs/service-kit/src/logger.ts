import { type DestinationStream, type Level, type Logger, pino } from "pino";

export type { Logger } from "pino";
export type LogLevel = Level | "silent";

/** Keys whose values never reach a log line, wherever they appear. */
export const REDACTED_KEYS = [
  "password",
  "currentPassword",
  "newPassword",
  "token",
  "accessToken",
  "refreshToken",
  "secret",
  "clientSecret",
  "webhookSecret",
  "apiAccessToken",
  "apiKey",
  "authorization",
  "cookie",
  "set-cookie",
] as const;

export const REDACTION_CENSOR = "[redacted]";

function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`;
}

/** Top level and up to three levels deep, which covers `req.headers.*` and `res.headers.*`. */
export function redactionPaths(keys: readonly string[] = REDACTED_KEYS): string[] {
  return keys.flatMap((name) => {
    const k = key(name);
    return [k.startsWith(".") ? k.slice(1) : name, `*${k}`, `*.*${k}`, `*.*.*${k}`];
  });
}

/** How deep `redactSecrets` looks into nested objects. */
const REDACT_MAX_DEPTH = 12;
const redactedKeys = new Set<string>(REDACTED_KEYS);

/**
 * A copy of `value` with the values of the logs' redacted keys censored, at any depth: for what
 * leaves the process by another way than a log line (error reports).
 */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, 0) as T;
}

function redactValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object" || depth > REDACT_MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => [
      name,
      redactedKeys.has(name) ? REDACTION_CENSOR : redactValue(item, depth + 1),
    ]),
  );
}

/** What a log line at error level or above hands to `onError`. */
export interface ErrorLogLine {
  readonly error?: unknown;
  readonly message?: string | undefined;
  /** The line's fields over its logger's bindings. */
  readonly fields: Record<string, unknown>;
}

export interface LoggerOptions {
  service: string;
  /** Called with each line logged at error level or above (error reporting). */
  onError?: (line: ErrorLogLine) => void;
  /** @default "info" */
  level?: LogLevel;
  /** Where JSON lines go. @default stdout */
  destination?: DestinationStream;
}

/** JSON logs with the service name on every line, secrets redacted and errors serialised with their cause. */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level ?? "info",
      base: { service: opts.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactionPaths(), censor: REDACTION_CENSOR },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      ...(opts.onError ? { hooks: { logMethod: forwardErrors(opts.onError) } } : {}),
    },
    // Synchronous by default, so the last lines before `process.exit` are not lost.
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

const ERROR_LEVEL = 50;

/** A pino `logMethod` hook that hands error lines to `onError` before logging them as usual. */
function forwardErrors(onError: (line: ErrorLogLine) => void) {
  return function logMethod(
    this: Logger,
    args: Parameters<Logger["error"]>,
    method: Logger["error"],
    level: number,
  ) {
    if (level >= ERROR_LEVEL) {
      const [first, second] = args as unknown[];
      const own =
        first instanceof Error ? { err: first } : typeof first === "object" && first !== null ? first : {};
      const fields: Record<string, unknown> = { ...this.bindings(), ...own };
      const message = typeof first === "string" ? first : typeof second === "string" ? second : undefined;
      onError({ error: fields.err ?? fields.error, message, fields });
    }
    return method.apply(this, args);
  };
}
