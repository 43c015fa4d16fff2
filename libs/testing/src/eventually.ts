/**
 * Polls `read` until it gives a value other than `undefined`, and returns it: for state that
 * arrives asynchronously (a projection, a consumer, a delivery). Generous by default, because the
 * machine running the tests is shared; `options` is the time-out in ms, or it and a name for the
 * error.
 */
export async function eventually<T>(
  read: () => T | undefined | Promise<T | undefined>,
  options: number | { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const { timeoutMs = 30_000, what = "condition" } =
    typeof options === "number" ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
