import { InvalidTopicNameError } from './invalid-topic-name-error';
import { deadLetterTopicFor, TOPICS } from './topics';

describe('TOPICS', () => {
  it('names every topic tessera.<entity>.<fact>.v<N>', () => {
    for (const topic of Object.values(TOPICS)) {
      expect(topic).toMatch(/^tessera\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.v[1-9][0-9]*$/);
    }
  });

  it('gives every topic its own name', () => {
    const names = Object.values(TOPICS);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('deadLetterTopicFor', () => {
  it('inserts dead-letter before the version', () => {
    expect(deadLetterTopicFor(TOPICS.acceptedEvents)).toBe(
      'tessera.events.accepted.dead-letter.v1',
    );
  });

  it('keeps the version of the topic', () => {
    expect(deadLetterTopicFor('tessera.profiles.snapshot.v12')).toBe(
      'tessera.profiles.snapshot.dead-letter.v12',
    );
  });

  it.each([
    ['a name outside the tessera namespace', 'events.accepted.v1'],
    ['a name without a version', 'tessera.events.accepted'],
    ['a name with an extra segment', 'tessera.events.accepted.extra.v1'],
    ['a name with a zero version', 'tessera.events.accepted.v0'],
    ['an upper-case name', 'tessera.Events.accepted.v1'],
    ['a run-suffixed name', 'tessera.events.accepted.v1.run-1234'],
  ])('rejects %s', (_, topic) => {
    expect(() => deadLetterTopicFor(topic)).toThrow(InvalidTopicNameError);
  });

  it('refuses to dead-letter a dead-letter topic', () => {
    expect(() => deadLetterTopicFor('tessera.events.accepted.dead-letter.v1')).toThrow(
      'already a dead-letter topic',
    );
  });
});
