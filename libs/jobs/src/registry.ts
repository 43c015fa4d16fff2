import type { KV } from "@nats-io/kv";
import type { Bus } from "@tessera/bus";
import {
  CANCELLED_RUNS_KV,
  JOB_TYPES_KV,
  type JobTypeAnnouncement,
  JobTypeAnnouncementSchema,
  type JobTypeDefinition,
} from "@tessera/contracts";

/** Cancellation marks live a week: long past any run's last attempt. */
const CANCELLED_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** The KV bucket of announced job types (key: type name). Everyone opens it with the same settings. */
export function openJobTypeRegistry(bus: Bus): Promise<KV> {
  return bus.kv(JOB_TYPES_KV.bucket, { history: 1 });
}

/** The KV bucket of cancelled runs (key: run id), which workers check before and during each attempt. */
export function openCancelledRuns(bus: Bus): Promise<KV> {
  return bus.kv(CANCELLED_RUNS_KV.bucket, { history: 1, ttl: CANCELLED_TTL_MS });
}

/** Tells the scheduler that a running worker handles `type`, with the settings it runs it with. */
export async function announceJobType(
  registry: KV,
  type: JobTypeDefinition,
  settings: Pick<JobTypeAnnouncement, "timeoutMs" | "retry">,
  now: Date,
): Promise<void> {
  const announcement: JobTypeAnnouncement = {
    name: type.name,
    service: type.service,
    subject: type.subject,
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    concurrency: type.concurrency,
    announcedAt: now.toISOString(),
  };
  await registry.put(type.name, JSON.stringify(announcement));
}

/** The announcement of a job type, or undefined when no worker has announced it. */
export async function findAnnouncement(registry: KV, name: string): Promise<JobTypeAnnouncement | undefined> {
  const entry = await registry.get(name);
  if (entry === null || entry.operation !== "PUT") return undefined;
  const parsed = JobTypeAnnouncementSchema.safeParse(entry.json());
  return parsed.success ? parsed.data : undefined;
}

export async function isCancelled(cancelled: KV, runId: string): Promise<boolean> {
  const entry = await cancelled.get(runId);
  return entry !== null && entry.operation === "PUT";
}
