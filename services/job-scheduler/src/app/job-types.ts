import type { KV } from "@nats-io/kv";
import { JOB_TYPES, type JobTypeDefinition, ValidationError } from "@tessera/contracts";
import { findAnnouncement } from "@tessera/jobs";
import { UnknownJobTypeError } from "../domain/errors.ts";

/**
 * A job type the scheduler accepts: declared in the contracts and announced by a running worker.
 * Anything else is `job.unknown_type` (404).
 */
export async function resolveJobType(registry: KV, name: string): Promise<JobTypeDefinition> {
  const type = JOB_TYPES.find((candidate) => candidate.name === name);
  if (type === undefined) throw new UnknownJobTypeError(name);
  if ((await findAnnouncement(registry, name)) === undefined) throw new UnknownJobTypeError(name);
  return type;
}

/** The payload as the job type's schema reads it; a mismatch is a 400 naming the fields under `payload`. */
export function parsePayload(type: JobTypeDefinition, payload: unknown): unknown {
  const parsed = type.payload.safeParse(payload ?? {});
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `The payload does not match the job type ${type.name}.`,
    parsed.error.issues.map((issue) => ({
      field: ["payload", ...issue.path.map(String)].join("."),
      message: issue.message,
    })),
  );
}
