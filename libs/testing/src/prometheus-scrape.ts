/** One sample of a scrape: a metric name (with `_bucket`, `_sum`, `_count` for histograms). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A service's `/metrics` read as the Prometheus text format, for tests to assert on. */
export class PrometheusScrape {
  private constructor(readonly samples: Sample[]) {}

  static parse(text: string): PrometheusScrape {
    const samples: Sample[] = [];
    for (const line of text.split('\n')) {
      const match = SAMPLE.exec(line.trim());
      if (!match || line.startsWith('#')) continue;
      const labels: Record<string, string> = {};
      for (const [, name, value] of (match[2] ?? '').matchAll(LABEL))
        labels[name] = value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      samples.push({ name: match[1], labels, value: Number(match[3]) });
    }
    return new PrometheusScrape(samples);
  }

  /** GET `<baseUrl>/metrics`; fails unless it answers 200 in the Prometheus text format. */
  static async of(baseUrl: string): Promise<PrometheusScrape> {
    const response = await fetch(`${baseUrl}/metrics`);
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith('text/plain'))
      throw new Error(`GET ${baseUrl}/metrics answered ${response.status} ${type}`);
    return PrometheusScrape.parse(await response.text());
  }

  /** Samples of `name` whose labels include every one of `labels`. */
  find(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
    );
  }

  /** The sum of those samples; 0 when there are none. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.find(name, labels).reduce((total, sample) => total + sample.value, 0);
  }
}
