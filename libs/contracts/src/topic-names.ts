import { deadLetterTopicFor } from './topics';

/**
 * Maps contract topic names to the names used on the cluster. A suffix (a test run id, or a
 * tenant) keeps several deployments apart on one cluster.
 */
export class TopicNames {
  constructor(private readonly suffix = '') {}

  resolve(topic: string): string {
    return this.suffix ? `${topic}.${this.suffix}` : topic;
  }

  deadLetter(topic: string): string {
    return this.resolve(deadLetterTopicFor(topic));
  }

  /** The contract name of a resolved topic (names without our suffix pass through unchanged). */
  contractNameOf(resolved: string): string {
    if (!this.suffix) return resolved;
    const tail = `.${this.suffix}`;
    return resolved.endsWith(tail) ? resolved.slice(0, -tail.length) : resolved;
  }

  groupId(group: string): string {
    return this.suffix ? `${group}.${this.suffix}` : group;
  }
}
