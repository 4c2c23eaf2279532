import { privacyVerdict, type TombstoneState } from './privacy-verdict';

const deletedAt = new Date('2026-01-01T12:00:00Z');
const tombstones = new Map<string, TombstoneState>([
  ['h-suppressed', { deletedAt: null, suppressed: true }],
  ['h-deleted', { deletedAt, suppressed: false }],
  ['h-lifted', { deletedAt: null, suppressed: false }],
]);

describe('privacyVerdict', () => {
  it('lets an event through when none of its identifiers has a tombstone', () => {
    expect(privacyVerdict(['h-other'], deletedAt.getTime(), tombstones)).toBeNull();
  });

  it('drops an event carrying any suppressed identifier, whenever it was received', () => {
    expect(privacyVerdict(['h-other', 'h-suppressed'], Date.now(), tombstones)).toBe('suppressed');
  });

  it('drops an event received before its identifier was deleted: it was in flight', () => {
    expect(privacyVerdict(['h-deleted'], deletedAt.getTime() - 1, tombstones)).toBe('deleted');
  });

  it('lets an event received after the deletion through, to start a new profile', () => {
    expect(privacyVerdict(['h-deleted'], deletedAt.getTime(), tombstones)).toBeNull();
    expect(privacyVerdict(['h-deleted'], deletedAt.getTime() + 1, tombstones)).toBeNull();
  });

  it('lets an event through once its suppression was lifted', () => {
    expect(privacyVerdict(['h-lifted'], 0, tombstones)).toBeNull();
  });

  it('says suppressed when an event carries both a suppressed and a deleted identifier', () => {
    expect(privacyVerdict(['h-deleted', 'h-suppressed'], 0, tombstones)).toBe('suppressed');
  });
});
