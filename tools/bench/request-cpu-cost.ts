import { parseSegmentEvent } from '@tessera/collection';
import { AvroCodec, eventKeyOf, type Event } from '@tessera/contracts';
import { performance } from 'node:perf_hooks';

export interface RequestCpuCost {
  /** Milliseconds of one core per 100-event request, step by step, measured in this process. */
  jsonParseMs: number;
  sizeCheckMs: number;
  segmentParseMs: number;
  avroEncodeMs: number;
  totalMs: number;
}

/**
 * A machine-relative reference for the pure-JavaScript steps any `/v1/batch` implementation
 * takes, measured in this process on the bench's bodies: parse the body, measure each event (here
 * with JSON.stringify), turn it into an Event (the service's parser), encode key and value (the
 * service's codec). HTTP, Kafka, store and framework costs are not in it; the service's own
 * split is what `BENCH_CPU_PROFILE=1` shows.
 */
export function measureRequestCpuCost(bodies: Buffer[], rounds = 3): RequestCpuCost {
  const codec = new AvroCodec();
  let best: RequestCpuCost | undefined;
  for (let round = 0; round < rounds; round++) {
    const cost = { jsonParseMs: 0, sizeCheckMs: 0, segmentParseMs: 0, avroEncodeMs: 0 };
    for (const body of bodies) {
      let mark = performance.now();
      const { batch } = JSON.parse(body.toString('utf8')) as { batch: unknown[] };
      cost.jsonParseMs += lap();
      for (const item of batch) Buffer.byteLength(JSON.stringify(item));
      cost.sizeCheckMs += lap();
      const events = batch.map((item) => {
        const parsed = parseSegmentEvent(item, { sourceId: 'src_bench', receivedAt: Date.now() });
        if (!parsed.ok) throw new Error(`a generated event is invalid: ${JSON.stringify(parsed)}`);
        return parsed.event;
      });
      cost.segmentParseMs += lap();
      for (const event of events) encode(codec, event);
      cost.avroEncodeMs += lap();

      function lap() {
        const now = performance.now();
        const elapsed = now - mark;
        mark = now;
        return elapsed;
      }
    }
    const perRequest = (ms: number) => Math.round((ms / bodies.length) * 1000) / 1000;
    const measured = {
      jsonParseMs: perRequest(cost.jsonParseMs),
      sizeCheckMs: perRequest(cost.sizeCheckMs),
      segmentParseMs: perRequest(cost.segmentParseMs),
      avroEncodeMs: perRequest(cost.avroEncodeMs),
      totalMs: 0,
    };
    measured.totalMs =
      Math.round(
        (measured.jsonParseMs +
          measured.sizeCheckMs +
          measured.segmentParseMs +
          measured.avroEncodeMs) *
          1000,
      ) / 1000;
    // The fastest round: the others carry JIT warm-up and the neighbours' noise.
    if (!best || measured.totalMs < best.totalMs) best = measured;
  }
  return best!;
}

/** Key and value as the service's EventsPublisher encodes them. */
export function encode(codec: AvroCodec, event: Event): { key: Buffer; value: Buffer } {
  return {
    key: codec.encode('EventKey', eventKeyOf(event)),
    value: codec.encode('Event', event),
  };
}
