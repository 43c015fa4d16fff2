/**
 * The slice of a pino logger the bus writes to. Any pino `Logger` (service-kit's `createLogger`)
 * fits; the bus does not depend on pino itself.
 */
export interface BusLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}
