import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";

const days = z.coerce.number().positive().max(36_500);

export const memoryConfigSchema = baseServiceConfig.extend({
  /** `local`: deterministic feature hashing, no network (lexical). `openai`: any OpenAI-compatible server. */
  EMBEDDING_PROVIDER: z.enum(["local", "openai"]).default("local"),
  /** Vector dimension; changing it needs a re-embed. @default 384 */
  EMBEDDING_DIMENSIONS: z.coerce.number().int().min(8).max(2_000).default(384),
  /** Model name sent to the provider (and stored with every vector). @default text-embedding-3-small */
  EMBEDDING_MODEL: z.string().min(1).max(200).default("text-embedding-3-small"),
  /** Base URL of the OpenAI-compatible API (OpenAI, Ollama `/v1`, vLLM, TEI). */
  EMBEDDING_BASE_URL: z.url().default("https://api.openai.com/v1"),
  /** Bearer token for the `openai` provider; unset or empty: none is sent (Ollama, vLLM, TEI). */
  EMBEDDING_API_KEY: z
    .string()
    .max(4_096)
    .optional()
    .transform((key) => (key === "" ? undefined : key)),
  /** Inputs per provider request. @default 64 */
  EMBEDDING_BATCH_SIZE: z.coerce.number().int().min(1).max(2_048).default(64),
  /** One provider request's time-out, in ms. @default 15_000 */
  EMBEDDING_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /** Retries of a failed provider request (429, 5xx, network), with exponential backoff. @default 3 */
  EMBEDDING_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  /** How often the embed worker looks for pending memories, in ms (it is also woken on writes). @default 500 */
  EMBEDDING_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** Lifetime of a `working` memory, in seconds. @default 86_400 (one day) */
  MEMORY_WORKING_TTL_SECONDS: z.coerce.number().int().min(1).max(31_536_000).default(86_400),
  /** Ranking half-life of the other tiers, in days since the memory was last seen or accessed. */
  MEMORY_HALF_LIFE_DAYS_EPISODIC: days.default(30),
  MEMORY_HALF_LIFE_DAYS_SEMANTIC: days.default(180),
  MEMORY_HALF_LIFE_DAYS_PROCEDURAL: days.default(365),
  /** Cosine distance under which a new memory reinforces an existing one instead. 0 turns it off. @default 0.1 */
  MEMORY_DEDUPE_MAX_DISTANCE: z.coerce.number().min(0).max(1).default(0.1),
  /**
   * When the `memory.prune` job runs: a cron expression in UTC, registered with the job-scheduler at
   * start (an existing schedule of that name is kept). Search hides expired memories meanwhile.
   * @default "17 3 * * *" (daily at 03:17 UTC)
   */
  MEMORY_PRUNE_CRON: z.string().trim().min(9).max(200).default("17 3 * * *"),
  /** HNSW candidate list size at query time (recall against latency; see bench/memory). @default 100 */
  MEMORY_HNSW_EF_SEARCH: z.coerce.number().int().min(10).max(1_000).default(100),
});

export type MemoryConfig = DeepReadonly<z.output<typeof memoryConfigSchema>>;
