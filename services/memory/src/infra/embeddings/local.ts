import type { EmbeddingProvider } from "./provider.ts";

/** Feature weights: whole words carry the most signal, word pairs some order, trigrams spelling. */
const WORD_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.5;
const TRIGRAM_WEIGHT = 0.25;

/**
 * The default embedder: deterministic feature hashing (the "hashing trick"), no network and no
 * model. Words, word bigrams and character trigrams are hashed into `dimensions` buckets with a
 * hash-derived sign, so collisions cancel out on average, then L2-normalised for cosine search.
 *
 * It is lexical: texts that share words and spellings end up close; synonyms and paraphrases
 * ("car" / "automobile") do not. Use an OpenAI-compatible provider for semantic similarity.
 */
export function createLocalEmbedder(options: { dimensions: number }): EmbeddingProvider {
  const { dimensions } = options;
  return {
    model: `tessera-hash-v1-${dimensions}`,
    dimensions,
    local: true,
    embed: async (texts) => texts.map((text) => hashEmbed(text, dimensions)),
  };
}

export function hashEmbed(text: string, dimensions: number): number[] {
  const vector = new Float64Array(dimensions);
  const add = (feature: string, weight: number) => {
    const hash = fnv1a(feature);
    const sign = (murmurMix(hash) & 1) === 0 ? 1 : -1;
    vector[hash % dimensions] = (vector[hash % dimensions] ?? 0) + sign * weight;
  };
  const words =
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  words.forEach((word, index) => {
    add(`w:${word}`, WORD_WEIGHT);
    const next = words[index + 1];
    if (next !== undefined) add(`b:${word} ${next}`, BIGRAM_WEIGHT);
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
  });
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  // A text without letters or digits gets a fixed unit vector rather than an all-zero one, which
  // cosine distance cannot handle.
  if (norm === 0) return Array.from({ length: dimensions }, (_, i) => (i === 0 ? 1 : 0));
  return Array.from(vector, (value) => value / norm);
}

/** 32-bit FNV-1a over UTF-16 code units: stable across platforms and versions. */
function fnv1a(input: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's finaliser: an independent-enough bit for the sign. */
function murmurMix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
