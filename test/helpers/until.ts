// Polls until a condition holds (sync or async), or fails the test after `timeoutMs`: for state
// that settles on its own time (a thread pool shrinking, a release after a quiet spell, a refresh).

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
