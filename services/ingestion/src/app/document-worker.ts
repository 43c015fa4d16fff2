import { type Logger, type PollingWorker, startPollingWorker, steppedDelayMs } from "@tessera/service-kit";
import { type ClaimedWork, claimWork, DELETING, deferWork } from "../infra/documents.ts";
import { ExtractorStoppedError } from "../infra/extraction/extractor.ts";
import type { DocumentDeps } from "./documents-deps.ts";
import { failRevision } from "./process-document.ts";

export type DocumentWorker = PollingWorker;

/**
 * Off the request path: claims documents with work due (a revision to chunk, a deletion to purge)
 * one at a time and runs `process` on each. An unexpected failure (the database, the bus) is
 * logged and tried again later with backoff; a revision failing that way `maxAttempts` times is
 * marked failed, a purge is retried until it succeeds. Claims are leases, so replicas share the
 * work and a crashed one's claim runs out.
 */
export function startDocumentWorker(
  deps: Omit<DocumentDeps, "nudgeWorker"> & { logger: Logger },
  process: (work: ClaimedWork) => Promise<void>,
): DocumentWorker {
  const { settings } = deps;

  async function recover(work: ClaimedWork, error: unknown): Promise<void> {
    const delay = steppedDelayMs(work.attempts - 1);
    deps.logger.error({ err: error, documentId: work.id, attempts: work.attempts }, "document work failed");
    if (work.status !== DELETING && work.attempts >= settings.maxAttempts) {
      await failRevision(deps, work, `the document could not be processed (${describe(error)})`);
      return;
    }
    await deferWork(deps.db, work.id, work.revision, new Date(deps.clock().getTime() + delay));
  }

  /** One document; false when none was due. */
  async function runOnce(): Promise<boolean> {
    const work = await claimWork(deps.db, deps.clock(), settings.leaseMs);
    if (work === undefined) return false;
    try {
      await process(work);
    } catch (error) {
      // Stopping mid-read hands the document back at once, for another replica or the next start.
      if (error instanceof ExtractorStoppedError) {
        await deferWork(deps.db, work.id, work.revision, deps.clock());
        return false;
      }
      await recover(work, error);
    }
    return true;
  }

  return startPollingWorker({
    name: "document worker",
    pollMs: settings.pollMs,
    logger: deps.logger,
    pass: runOnce,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
