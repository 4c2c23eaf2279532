import { TopicNames } from './topic-names';

describe('TopicNames', () => {
  it('uses contract names unchanged when there is no suffix', () => {
    const names = new TopicNames();
    expect(names.resolve('tessera.events.accepted.v1')).toBe('tessera.events.accepted.v1');
    expect(names.groupId('tessera-identity')).toBe('tessera-identity');
  });

  it('appends the suffix to topics, dead-letter topics and groups', () => {
    const names = new TopicNames('run42');
    expect(names.resolve('tessera.events.accepted.v1')).toBe('tessera.events.accepted.v1.run42');
    expect(names.deadLetter('tessera.events.accepted.v1')).toBe(
      'tessera.events.accepted.dead-letter.v1.run42',
    );
    expect(names.groupId('tessera-identity')).toBe('tessera-identity.run42');
  });

  it('recovers the contract name from a suffixed topic', () => {
    const names = new TopicNames('run42');
    expect(names.contractNameOf('tessera.events.accepted.v1.run42')).toBe(
      'tessera.events.accepted.v1',
    );
    expect(names.contractNameOf('other.topic')).toBe('other.topic');
  });
});
