/** W3C trace context (`traceparent`) helpers: `00-<trace-id>-<parent-id>-<flags>`. */

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const HEX = Array.from({ length: 256 }, (_unused, byte) => byte.toString(16).padStart(2, "0"));
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let offset = 0;

/** Random ids come from a pooled buffer: one call into the CSPRNG per 4 KiB instead of one per id. */
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    offset = 0;
  }
  let hex = "";
  let zero = true;
  for (let index = offset; index < offset + bytes; index++) {
    const byte = pool[index] ?? 0;
    if (byte !== 0) zero = false;
    hex += HEX[byte];
  }
  offset += bytes;
  // All-zero ids are invalid in W3C trace context; astronomically unlikely, but cheap to rule out.
  return zero ? randomHex(bytes) : hex;
}

/** A new sampled trace: fresh trace id and span id. */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/** A child span in the same trace, or a new trace when the parent is missing or malformed. */
export function childTraceparent(parent: string | undefined): string {
  const match = parent === undefined ? null : TRACEPARENT.exec(parent);
  if (!match) return newTraceparent();
  return `00-${match[2]}-${randomHex(8)}-${match[4]}`;
}

/** The trace id of a `traceparent`, if it is well formed. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent === undefined ? undefined : TRACEPARENT.exec(traceparent)?.[2];
}
