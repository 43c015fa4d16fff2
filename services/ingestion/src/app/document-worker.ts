import type { Logger } from "@tessera/service-kit";
import { type ClaimedWork, claimWork, DELETING, deferWork } from "../infra/documents.ts";
import { ExtractorStoppedError } from "../infra/extraction/extractor.ts";
import type { DocumentDeps } from "./documents-deps.ts";
import { failRevision } from "./process-document.ts";

export interface DocumentWorker {
  /** Look for work now rather than at the next poll. */
  nudge(): void;
  /** Resolves once no work is due (tests). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** Delay after the n-th failed attempt, in ms; the last repeats. */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];

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
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let again = false;

  async function recover(work: ClaimedWork, error: unknown): Promise<void> {
    const delay = RETRY_DELAYS_MS[Math.min(work.attempts - 1, RETRY_DELAYS_MS.length - 1)] ?? 60_000;
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

  async function loop(): Promise<void> {
    do {
      again = false;
      try {
        while (!stopped && (await runOnce()));
      } catch (error) {
        deps.logger.error({ err: error }, "document worker pass failed");
      }
    } while (again && !stopped);
  }

  function schedule(delay: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void wake(), delay);
  }

  function wake(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = loop().finally(() => {
      running = undefined;
      schedule(settings.pollMs);
    });
    return running;
  }

  schedule(0);
  return {
    nudge: () => void wake(),
    async drain() {
      await wake();
      if (running) await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
