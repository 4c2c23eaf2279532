import { PrometheusScrape } from './prometheus-scrape';

const TEXT = `# HELP tessera_kafka_dead_letters_total Records parked
# TYPE tessera_kafka_dead_letters_total counter
tessera_kafka_dead_letters_total{topic="tessera.events.accepted.v1",reason="decode-error"} 2
tessera_kafka_dead_letters_total{topic="tessera.events.accepted.v1",reason="handler-failed"} 1
tessera_kafka_dead_letters_total{topic="tessera.profiles.snapshot.v1",reason="decode-error"} 4
tessera_identity_process_cpu_seconds_total 0.25
odd{path="a \\"quoted\\" \\\\ value"} 1e3
`;

describe('PrometheusScrape', () => {
  const scrape = PrometheusScrape.parse(TEXT);

  it('sums the samples whose labels include the given ones', () => {
    expect(scrape.sum('tessera_kafka_dead_letters_total')).toBe(7);
    expect(scrape.sum('tessera_kafka_dead_letters_total', { reason: 'decode-error' })).toBe(6);
    expect(
      scrape.sum('tessera_kafka_dead_letters_total', {
        topic: 'tessera.events.accepted.v1',
        reason: 'handler-failed',
      }),
    ).toBe(1);
    expect(scrape.sum('tessera_kafka_dead_letters_total', { reason: 'other' })).toBe(0);
  });

  it('reads samples without labels, escaped label values and exponents', () => {
    expect(scrape.find('tessera_identity_process_cpu_seconds_total')).toEqual([
      { name: 'tessera_identity_process_cpu_seconds_total', labels: {}, value: 0.25 },
    ]);
    expect(scrape.find('odd')).toEqual([
      { name: 'odd', labels: { path: 'a "quoted" \\ value' }, value: 1000 },
    ]);
  });
});
