/** Prefixes and pretty-prints the log lines of the services that deploy/local/start.ts runs. */

const useColor = process.env.FORCE_COLOR
  ? process.env.FORCE_COLOR !== "0"
  : Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;

const paint = (code: number, text: string): string => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);

export const dim = (text: string): string => paint(2, text);
export const bold = (text: string): string => paint(1, text);
export const red = (text: string): string => paint(31, text);

const PALETTE = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94];

/** `name` padded to `width` in one of the palette's colours, then a bar. */
export function prefixFor(name: string, index: number, width: number): string {
  return `${paint(PALETTE[index % PALETTE.length] ?? 36, name.padEnd(width))} ${dim("│")} `;
}

/** pino's levels, by number and by the label the services' logger writes instead (service-kit). */
const LEVELS: Record<string, [string, number]> = {
  trace: ["TRACE", 90],
  debug: ["DEBUG", 34],
  info: ["INFO ", 32],
  warn: ["WARN ", 33],
  error: ["ERROR", 31],
  fatal: ["FATAL", 41],
};
const LEVEL_NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** Fields every pino line carries, or that the prefix already shows. */
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "service", "name", "v"]);

function formatValue(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/**
 * A pino JSON line as `12:00:01.234 INFO  message key=value …`, with an error's stack below it.
 * Anything that is not a pino line comes back as it was.
 */
export function formatLine(line: string): string {
  if (!line.startsWith("{")) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof entry.level === "number" ? LEVEL_NAMES[entry.level] : entry.level;
  if (typeof level !== "string") return line;
  const [label, color] = LEVELS[level] ?? [level.toUpperCase().padEnd(5), 0];
  const time =
    typeof entry.time === "number" || typeof entry.time === "string"
      ? new Date(entry.time).toISOString().slice(11, 23)
      : "";
  const fields: string[] = [];
  let stack = "";
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    if (key === "err" && value && typeof value === "object") {
      const err = value as { message?: unknown; stack?: unknown };
      fields.push(`err=${formatValue(err.message)}`);
      if (typeof err.stack === "string") stack = `\n${dim(err.stack)}`;
      continue;
    }
    fields.push(`${dim(`${key}=`)}${formatValue(value)}`);
  }
  const message = typeof entry.msg === "string" ? entry.msg : "";
  return `${dim(time)} ${paint(color, label)} ${message}${fields.length ? ` ${fields.join(" ")}` : ""}${stack}`;
}
