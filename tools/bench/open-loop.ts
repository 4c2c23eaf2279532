const TICK_MS = 100;

export interface OpenLoopResult {
  /** Events whose request was sent. */
  sent: number;
  /** Requests that did not end in a 200 (the count of their events is not in `accepted`). */
  failed: number;
  accepted: number;
  firstErrors: string[];
  /** Wall time from the first send to the last answer, in seconds. */
  seconds: number;
}

/**
 * Offered load in an open loop: `rate` events a second for `seconds`, one request every 100 ms
 * at its scheduled time whether or not earlier requests have been answered (a slow answer does
 * not slow the offer down, as with real clients). `send(tick, count)` sends `count` events.
 */
export async function offerOpenLoop(
  rate: number,
  seconds: number,
  send: (tick: number, count: number) => Promise<void>,
): Promise<OpenLoopResult> {
  const ticks = Math.round((seconds * 1000) / TICK_MS);
  const perSecond = 1000 / TICK_MS;
  const result = { sent: 0, failed: 0, accepted: 0, firstErrors: [] as string[] };
  const requests: Promise<void>[] = [];
  const started = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    const due = started + tick * TICK_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Spreads a rate that is not a multiple of the tick rate evenly over the ticks.
    const count =
      Math.floor((rate * (tick + 1)) / perSecond) - Math.floor((rate * tick) / perSecond);
    if (count === 0) continue;
    result.sent += count;
    requests.push(
      send(tick, count).then(
        () => void (result.accepted += count),
        (error: unknown) => {
          result.failed += 1;
          if (result.firstErrors.length < 5) result.firstErrors.push(String(error));
        },
      ),
    );
  }
  await Promise.all(requests);
  return { ...result, seconds: (performance.now() - started) / 1000 };
}
