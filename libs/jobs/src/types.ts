import type { JobTypeDefinition, MessageContext } from "@tessera/contracts";
import type { z } from "zod";

/** What the worker logs through; a pino logger fits. Every attempt gets a child with run id and attempt. */
export interface JobLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): JobLogger;
}

/** What one attempt's handler gets besides the payload. */
export interface JobContext {
  readonly runId: string;
  readonly jobType: string;
  /** 1-based; counts every delivery of this queueing, including ones a crashed worker never finished. */
  readonly attempt: number;
  /** 1 for the first queueing, +1 per replay. */
  readonly generation: number;
  /** Aborted on the time-out, on cancellation and when a drain runs out of time; stop promptly. */
  readonly signal: AbortSignal;
  /** Carries `runId`, `attempt` and `jobType` on every line. */
  readonly logger: JobLogger;
  /** The request that queued the run (request id, actor, trace). */
  readonly message: MessageContext;
}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<void>;

/** A job type with the function that runs it; build with `handleJob`. */
export interface JobRegistration {
  readonly type: JobTypeDefinition;
  readonly run: (payload: unknown, ctx: JobContext) => Promise<void>;
}

export function handleJob<P>(type: JobTypeDefinition<z.ZodType<P>>, handler: JobHandler<P>): JobRegistration {
  return {
    type,
    run: async (payload, ctx) => handler(type.payload.parse(payload), ctx),
  };
}
