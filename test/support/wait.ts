/** Polls `probe` until it returns a truthy value (returned) or the time runs out (throws with the last value). */
export async function waitFor<T>(probe: () => Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string; describe?: () => Promise<string> } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
  const state = opts.describe ? `; state: ${await opts.describe()}` : "";
  throw new Error(`timed out waiting for ${opts.what ?? "a condition"}; last value: ${JSON.stringify(last)}${state}`);
}
