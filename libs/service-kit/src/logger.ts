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

export interface LoggerOptions {
  service: string;
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
    },
    // Synchronous by default, so the last lines before `process.exit` are not lost.
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
