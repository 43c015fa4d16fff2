import { Worker } from "node:worker_threads";
import type { ChunkingOptions, ChunkSpan } from "../../domain/chunker.ts";
import type { ExtractionInput } from "./extract.ts";

export interface ExtractionRequest {
  id: number;
  input: ExtractionInput;
  chunking: ChunkingOptions;
}

export type ExtractionReply =
  | { id: number; ok: true; text: string; chunks: ChunkSpan[] }
  | { id: number; ok: false; reason: string };

export type ExtractionResult =
  | { ok: true; text: string; chunks: ChunkSpan[] }
  | { ok: false; reason: string };

export interface Extractor {
  /** Text and chunk spans of a document, or why it cannot be read. Rejects only when the extractor stops. */
  extract(input: ExtractionInput, chunking: ChunkingOptions): Promise<ExtractionResult>;
  stop(): Promise<void>;
}

export interface ExtractorOptions {
  /** One document's reading and chunking, in ms; longer fails it. */
  timeoutMs: number;
  /** Heap of the extraction thread, in MiB; a document needing more fails. @default 1_024 */
  maxHeapMb?: number;
}

export class ExtractorStoppedError extends Error {
  override name = "ExtractorStoppedError";
  constructor() {
    super("the extractor is stopping");
  }
}

const THREAD = new URL("./extraction-thread.ts", import.meta.url);

/**
 * Runs extraction in one worker thread, a job at a time. A job over its time or memory ends the
 * thread (the next job starts a fresh one) and fails that document; nothing else is affected.
 */
export function startExtractor(options: ExtractorOptions): Extractor {
  let worker: Worker | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let nextId = 1;
  let stopped = false;
  let cancelCurrent: (() => void) | undefined;

  const spawn = (): Worker =>
    new Worker(THREAD, { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 1_024 } });

  function runOne(input: ExtractionInput, chunking: ChunkingOptions): Promise<ExtractionResult> {
    if (stopped) return Promise.reject(new ExtractorStoppedError());
    const thread = worker ?? spawn();
    worker = thread;
    const id = nextId++;
    return new Promise<ExtractionResult>((resolve, reject) => {
      const end = (result: ExtractionResult | Error, discard: boolean) => {
        clearTimeout(timer);
        cancelCurrent = undefined;
        thread.off("message", onMessage);
        thread.off("error", onError);
        thread.off("exit", onExit);
        if (discard) {
          if (worker === thread) worker = undefined;
          void thread.terminate();
        }
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const onMessage = (reply: ExtractionReply) => {
        if (reply.id !== id) return;
        end(
          reply.ok
            ? { ok: true, text: reply.text, chunks: reply.chunks }
            : { ok: false, reason: reply.reason },
          false,
        );
      };
      const onError = (error: Error) =>
        end(
          {
            ok: false,
            reason:
              error.name === "ERR_WORKER_OUT_OF_MEMORY" || /memory/i.test(error.message)
                ? "reading the document needed more memory than allowed"
                : `the document could not be read (${error.message})`,
          },
          true,
        );
      const onExit = () =>
        end(
          stopped ? new ExtractorStoppedError() : { ok: false, reason: "the reader stopped unexpectedly" },
          true,
        );
      const timer = setTimeout(
        () =>
          end({ ok: false, reason: `reading the document took longer than ${options.timeoutMs} ms` }, true),
        options.timeoutMs,
      );
      cancelCurrent = () => end(new ExtractorStoppedError(), true);
      thread.on("message", onMessage);
      thread.on("error", onError);
      thread.on("exit", onExit);
      // A copy of its own, so the transfer never detaches a buffer the caller (or a pool) still uses.
      const bytes = new Uint8Array(input.bytes);
      thread.postMessage({ id, input: { ...input, bytes }, chunking } satisfies ExtractionRequest, [
        bytes.buffer,
      ]);
    });
  }

  return {
    extract(input, chunking) {
      const result = queue.then(() => runOne(input, chunking));
      queue = result.catch(() => undefined);
      return result;
    },
    async stop() {
      stopped = true;
      cancelCurrent?.();
      await worker?.terminate();
      worker = undefined;
    },
  };
}
