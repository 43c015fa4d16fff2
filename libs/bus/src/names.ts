import type { ServiceName } from "@tessera/contracts";
import { BusUsageError } from "./errors.ts";

/** A bus namespace: lowercase letters and digits, or empty (production). */
const NAMESPACE_PATTERN = /^[a-z0-9]*$/;
/** A consumer purpose or KV bucket: lowercase letters, digits and '-', starting with a letter or digit. */
const TOKEN_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** The stream every producing service writes its domain events to: `EVT_<SERVICE>`. */
export function eventStreamName(service: ServiceName): string {
  return `EVT_${service.replaceAll("-", "_").toUpperCase()}`;
}

/** Subjects captured by a service's event stream: `evt.<service>.>`. */
export function eventStreamSubjects(service: ServiceName): string {
  return `evt.${service}.>`;
}

/** Durable consumer name: `<consuming-service>--<purpose>`. */
export function durableName(service: ServiceName, purpose: string): string {
  return `${service}--${purpose}`;
}

/**
 * Where a consumer's dead letters go: `dlq.<service>.<purpose>`, and under it one subject per
 * letter, `….<source stream>.<source seq>`, so the letter of a given message can be found (erasure).
 */
export function deadLetterSubject(service: ServiceName, purpose: string): string {
  return `dlq.${service}.${purpose}`;
}

export const JOBS_STREAM = "JOBS";
export const DLQ_STREAM = "DLQ";

export function isValidNamespace(namespace: string): boolean {
  return NAMESPACE_PATTERN.test(namespace);
}

export function isValidToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/**
 * Every name the bus puts on the wire, with the namespace applied. Namespaces exist for tests:
 * each test file gets its own subjects, streams, consumers and buckets on one shared server.
 */
export interface BusNames {
  readonly namespace: string;
  /** `<ns>.<subject>`, or the subject itself without a namespace. */
  subject(subject: string): string;
  /** Removes the namespace prefix from a subject received on the wire. */
  unprefix(subject: string): string;
  /** `<NS>_<STREAM>`, or the stream itself without a namespace. */
  stream(stream: string): string;
  /** `<NS>_EVT_<SERVICE>`. */
  eventStream(service: ServiceName): string;
  /** `<ns>_<service>--<purpose>`. */
  durable(service: ServiceName, purpose: string): string;
  /** `<ns>_<bucket>`. */
  kvBucket(bucket: string): string;
  /** `<ns>_<bucket>`, an object store bucket. */
  objectBucket(bucket: string): string;
}

export function busNames(namespace = ""): BusNames {
  if (!isValidNamespace(namespace)) {
    throw new BusUsageError(`bus namespace must be lowercase letters and digits, got "${namespace}"`);
  }
  const dotted = namespace === "" ? "" : `${namespace}.`;
  const upper = namespace === "" ? "" : `${namespace.toUpperCase()}_`;
  const lower = namespace === "" ? "" : `${namespace}_`;
  return Object.freeze({
    namespace,
    subject: (subject: string) => `${dotted}${subject}`,
    unprefix: (subject: string) =>
      dotted !== "" && subject.startsWith(dotted) ? subject.slice(dotted.length) : subject,
    stream: (stream: string) => `${upper}${stream}`,
    eventStream: (service: ServiceName) => `${upper}${eventStreamName(service)}`,
    durable: (service: ServiceName, purpose: string) => `${lower}${durableName(service, purpose)}`,
    kvBucket: (bucket: string) => `${lower}${bucket}`,
    objectBucket: (bucket: string) => `${lower}${bucket}`,
  });
}
