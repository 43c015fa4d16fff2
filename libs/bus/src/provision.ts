import {
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import type { ServiceName } from "@tessera/contracts";
import { ProvisionError } from "./errors.ts";
import { type BusNames, DLQ_STREAM, eventStreamSubjects, JOBS_STREAM } from "./names.ts";

export interface ProvisionOptions {
  /** How long events stay in the service's event stream, in ms. @default 30 days */
  eventMaxAgeMs?: number;
  /** Copies JetStream keeps of each stream (a cluster of at least as many servers). @default 1 */
  replicas?: number;
}

export const DEFAULT_EVENT_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
/** Window in which JetStream drops a repeated `Nats-Msg-Id`, in ms. */
export const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/** JetStream's "stream name already in use with a different configuration". */
export const STREAM_NAME_IN_USE = 10058;
/** JetStream's "subjects overlap with an existing stream". */
export const SUBJECTS_OVERLAP = 10065;

/** JetStream's answers to a stream add that lost a race: the name, or its subjects, are taken. */
export function isCreationRace(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === STREAM_NAME_IN_USE || error.code === SUBJECTS_OVERLAP)
  );
}

type StreamSpec = Pick<StreamConfig, "name" | "subjects" | "retention" | "max_age"> & Partial<StreamConfig>;

export function streamSpecs(
  service: ServiceName,
  names: BusNames,
  opts: ProvisionOptions = {},
): StreamSpec[] {
  const common = {
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: opts.replicas ?? 1,
  };
  return [
    {
      ...common,
      name: names.eventStream(service),
      subjects: [names.subject(eventStreamSubjects(service))],
      retention: RetentionPolicy.Limits,
      max_age: nanos(opts.eventMaxAgeMs ?? DEFAULT_EVENT_MAX_AGE_MS),
    },
    {
      ...common,
      name: names.stream(JOBS_STREAM),
      subjects: [names.subject("job.>")],
      retention: RetentionPolicy.Workqueue,
      max_age: 0,
    },
    {
      // Dead letters wait for a person; nothing expires them.
      ...common,
      name: names.stream(DLQ_STREAM),
      subjects: [names.subject("dlq.>")],
      retention: RetentionPolicy.Limits,
      max_age: 0,
    },
  ];
}

/**
 * Adds each stream, or updates it when it exists with another configuration. Every replica may run
 * this at once: adding an identical stream is a no-op on the server, and updates converge.
 */
export async function provisionStreams(jsm: JetStreamManager, specs: StreamSpec[]): Promise<void> {
  for (const spec of specs) {
    try {
      await addOrUpdateStream(jsm, spec);
    } catch (err) {
      throw new ProvisionError(`stream ${spec.name}`, { cause: err });
    }
  }
}

async function addOrUpdateStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  try {
    await jsm.streams.add(spec);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || !(await raceWithSameStream(jsm, spec.name, err.code)))
      throw err;
    const { name, retention: _retention, storage: _storage, ...changeable } = spec;
    await jsm.streams.update(name, changeable);
  }
}

/**
 * Two replicas adding the same stream at once: the loser hears "name in use", or, when the winner's
 * subjects are registered first, "subjects overlap". Either way the stream is ours if it exists by name.
 */
async function raceWithSameStream(jsm: JetStreamManager, name: string, code: number): Promise<boolean> {
  if (code === STREAM_NAME_IN_USE) return true;
  if (code !== SUBJECTS_OVERLAP) return false;
  return jsm.streams.info(name).then(
    () => true,
    () => false,
  );
}
