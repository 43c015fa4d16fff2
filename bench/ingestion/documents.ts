import { randomBytes, randomUUID } from "node:crypto";
import { CreateDocumentResponse, DocumentSchema, SearchMemoriesResponse } from "@tessera/contracts";

const TOPICS = [
  "Installation",
  "Configuration",
  "Backups and restores",
  "Monitoring",
  "Upgrades",
  "Access control",
  "Networking",
  "Troubleshooting",
  "Capacity planning",
  "Incident response",
];
const SUBJECTS = [
  "The operator",
  "Each replica",
  "The nightly job",
  "A new tenant",
  "The load balancer",
  "The on-call engineer",
  "The primary database",
  "Every service",
];
const VERBS = ["checks", "rotates", "records", "replays", "compacts", "verifies", "schedules", "drains"];
const OBJECTS = [
  "the connection pool",
  "its signing keys",
  "the audit trail",
  "pending migrations",
  "the message backlog",
  "stale sessions",
  "the storage quota",
  "the health endpoints",
];
const CLAUSES = [
  "before the maintenance window opens",
  "whenever the error rate rises above one percent",
  "once a week, on Sunday night",
  "after every deployment to production",
  "while traffic is routed to the standby region",
  "so that a restore never needs more than an hour",
];

const pick = (list: readonly string[], index: number): string => list[index % list.length] ?? "";

/** A paragraph of sentences varied by `seed`, so chunks differ and no two paragraphs repeat. */
function paragraph(seed: number): string {
  return Array.from({ length: 5 }, (_, i) => {
    const k = seed * 7 + i * 3;
    return `${pick(SUBJECTS, k)} ${pick(VERBS, k + i)} ${pick(OBJECTS, k * 5 + 1)} ${pick(CLAUSES, k + seed)}.`;
  }).join(" ");
}

/** Letters only, so Postgres's English text search keeps the word whole. */
function letters(value: number): string {
  return value.toString(26).replace(/./g, (digit) => String.fromCharCode(97 + Number.parseInt(digit, 26)));
}

/** A word no other document of any run contains: the run's random prefix and the document's number (a final "x" keeps the English stemmer off it). */
export function codeWordFactory(): (n: number) => string {
  const prefix = [...randomBytes(6)].map((byte) => String.fromCharCode(97 + (byte % 26))).join("");
  return (n) => `zq${prefix}${letters(n)}x`;
}

/**
 * An operations manual of about `bytes` bytes of Markdown: a title, `##` sections with `###` steps
 * and paragraphs, and a closing section naming `codeWord`, so the last chunk is what a search finds.
 */
export function manual(n: number, bytes: number, codeWord: string): string {
  const parts = [`# Operations manual ${n}`, paragraph(n)];
  let size = parts.join("\n\n").length;
  for (let section = 0; size < bytes - 400; section++) {
    const block = [`## ${pick(TOPICS, section)} (part ${section + 1})`];
    for (let step = 1; step <= 2; step++) {
      block.push(`### Step ${step}`, paragraph(n + section * 11 + step), paragraph(n + section * 13 + step));
    }
    const text = block.join("\n\n");
    parts.push(text);
    size += text.length + 2;
  }
  parts.push("## Closing notes", `The closing code word of this manual is ${codeWord}. ${paragraph(n + 1)}`);
  return `${parts.join("\n\n")}\n`;
}

export interface DocumentTiming {
  /** From the POST to its 202, in ms. */
  readonly accepted: number;
  /** From the POST until GET …/documents/{id} says `indexed`, in ms. */
  readonly indexed: number;
  /** From the POST until a search for the document's code word finds its chunk, in ms. */
  readonly searchable: number;
  readonly chunks: number;
}

export interface DocumentTarget {
  readonly gatewayUrl: string;
  readonly token: string;
  readonly projectId: string;
  /** Pause between polls, in ms: the resolution of the times measured. */
  readonly pollMs: number;
  /** How long one document may take to become indexed and searchable, in ms. */
  readonly timeoutMs: number;
}

async function until<T>(
  target: DocumentTarget,
  what: string,
  read: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = performance.now() + target.timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${target.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, target.pollMs));
  }
}

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  if (response.status !== status) {
    throw new Error(`${what} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
}

function indexedAt(target: DocumentTarget, id: string) {
  const headers = { authorization: `Bearer ${target.token}` };
  const path = `${target.gatewayUrl}/v1/projects/${target.projectId}/documents/${id}`;
  return until(target, `document ${id} indexed`, async () => {
    const response = await fetch(path, { headers });
    await expectStatus(response, 200, `GET document ${id}`);
    const document = DocumentSchema.parse(await response.json());
    if (document.status === "failed") throw new Error(`document ${id} failed: ${document.error}`);
    return document.status === "indexed" ? { at: performance.now(), chunks: document.chunks } : undefined;
  });
}

function searchableAt(target: DocumentTarget, id: string, codeWord: string) {
  const request = {
    method: "POST",
    headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
    body: JSON.stringify({ query: codeWord }),
  };
  const path = `${target.gatewayUrl}/v1/projects/${target.projectId}/memories/search`;
  return until(target, `document ${id} searchable`, async () => {
    const response = await fetch(path, request);
    await expectStatus(response, 200, "POST memories/search");
    const { items } = SearchMemoriesResponse.parse(await response.json());
    const found = items.some(
      ({ memory }) =>
        memory.content.includes(codeWord) &&
        memory.sourceRefs.some((ref) => ref.kind === "document" && ref.id === id),
    );
    return found ? performance.now() : undefined;
  });
}

/** One Markdown upload through the gateway, timed from the POST to indexed and to searchable. */
export async function uploadDocument(
  target: DocumentTarget,
  markdown: string,
  codeWord: string,
  title: string,
): Promise<DocumentTiming> {
  const started = performance.now();
  const posted = await fetch(
    `${target.gatewayUrl}/v1/projects/${target.projectId}/documents?title=${encodeURIComponent(title)}`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${target.token}`,
        "content-type": "text/markdown",
        "idempotency-key": randomUUID(),
      },
      body: markdown,
    },
  );
  await expectStatus(posted, 202, `POST document "${title}"`);
  const { id } = CreateDocumentResponse.parse(await posted.json());
  const accepted = performance.now() - started;
  const [indexed, searchable] = await Promise.all([
    indexedAt(target, id),
    searchableAt(target, id, codeWord),
  ]);
  return {
    accepted,
    indexed: indexed.at - started,
    searchable: searchable - started,
    chunks: indexed.chunks,
  };
}

/** `count` documents, `parallel` in flight at a time; the wall time runs to the last one searchable. */
export async function uploadDocuments(
  target: DocumentTarget,
  options: { count: number; parallel: number; bytes: number; firstNumber: number },
): Promise<{ timings: DocumentTiming[]; seconds: number }> {
  const codeWord = codeWordFactory();
  const timings: DocumentTiming[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < options.count; i = next++) {
      const n = options.firstNumber + i;
      const word = codeWord(n);
      timings.push(await uploadDocument(target, manual(n, options.bytes, word), word, `Manual ${n}`));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel, options.count) }, worker));
  return { timings, seconds: (performance.now() - started) / 1_000 };
}
