import type { FastifyBaseLogger, FastifyLogFn as LogFn } from "fastify";
import type { Bindings, ChildLoggerOptions, FastifyChildLoggerFactory } from "fastify/types/logger.js";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
type Level = (typeof LEVELS)[number];

interface LevelAware {
  isLevelEnabled(level: Level): boolean;
}

function isLevelAware(logger: object): logger is LevelAware {
  return typeof (logger as Partial<LevelAware>).isLevelEnabled === "function";
}

/**
 * Fastify gives every request a child logger. Pino builds a child's bindings (through redaction)
 * when it is made, and at the usual level most requests never log: this child is made on first
 * use of an enabled level instead.
 */
export const lazyChildLoggerFactory: FastifyChildLoggerFactory = function lazyChild(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  opts: ChildLoggerOptions,
): FastifyBaseLogger {
  let made: FastifyBaseLogger | undefined;
  const real = (): FastifyBaseLogger => {
    made ??= parent.child(bindings, opts);
    return made;
  };
  // A route's own log level (opts.level) decides for itself; ask the real child then.
  const enabled = (level: Level): boolean =>
    opts.level !== undefined || !isLevelAware(parent) || parent.isLevelEnabled(level);
  const logAt =
    (level: Level): LogFn =>
    (...args: Parameters<LogFn>) => {
      if (enabled(level)) real()[level](...args);
    };
  const logger = {
    get level(): string {
      return made?.level ?? opts.level ?? parent.level;
    },
    set level(level: string) {
      real().level = level;
    },
    silent: (() => undefined) as LogFn,
    child: (childBindings: Bindings, childOpts?: ChildLoggerOptions) =>
      real().child(childBindings, childOpts),
    ...Object.fromEntries(LEVELS.map((level) => [level, logAt(level)])),
  };
  return logger as FastifyBaseLogger;
};
