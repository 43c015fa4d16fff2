import { JOB_TYPES, type MessageContext } from "@tessera/contracts";
import { findAnnouncement } from "@tessera/jobs";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { JobsDeps } from "./deps.ts";

/** `svc.job-scheduler.job-types.list`: every declared type, and whether a worker has announced it. */
export function listJobTypes(deps: JobsDeps) {
  return async (_request: Record<string, never>, ctx: MessageContext) => {
    requirePlatformAdmin(ctx);
    const items = await Promise.all(
      JOB_TYPES.map(async (type) => ({
        name: type.name,
        service: type.service,
        description: type.description,
        timeoutMs: type.timeoutMs,
        maxAttempts: type.retry.maxAttempts,
        concurrency: type.concurrency,
        announced: (await findAnnouncement(deps.registry, type.name)) !== undefined,
      })),
    );
    return { items };
  };
}
