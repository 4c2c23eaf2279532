import { AcknowledgementTracker, type RowRange } from './acknowledgement.tracker';

const range = (firstRow: number, lastRow: number): RowRange => ({ firstRow, lastRow });

describe('AcknowledgementTracker', () => {
  it('advances the row as ranges are acknowledged in order', () => {
    const tracker = new AcknowledgementTracker(0);
    const [a, b] = [range(1, 10), range(11, 20)];
    tracker.register(a);
    tracker.register(b);
    tracker.acknowledge(a);
    expect(tracker.row).toBe(10);
    tracker.acknowledge(b);
    expect(tracker.row).toBe(20);
  });

  it('holds the row before a range still in flight when later ones finish first', () => {
    const tracker = new AcknowledgementTracker(0);
    const [a, b, c] = [range(1, 10), range(11, 20), range(21, 30)];
    [a, b, c].forEach((r) => tracker.register(r));
    expect(tracker.acknowledge(c)).toEqual([]);
    expect(tracker.acknowledge(b)).toEqual([]);
    expect(tracker.row).toBe(0);
    expect(tracker.acknowledge(a)).toEqual([a, b, c]);
    expect(tracker.row).toBe(30);
    expect(tracker.pendingCount).toBe(0);
  });

  it('stays before a range that is never acknowledged', () => {
    const tracker = new AcknowledgementTracker(0);
    const [a, b, c] = [range(1, 10), range(11, 20), range(21, 30)];
    [a, b, c].forEach((r) => tracker.register(r));
    tracker.acknowledge(a);
    tracker.acknowledge(c);
    expect(tracker.row).toBe(10);
    expect(tracker.pendingCount).toBe(2);
  });

  it('starts from the row of the checkpoint it resumes', () => {
    const tracker = new AcknowledgementTracker(100);
    const next = range(101, 150);
    tracker.register(next);
    expect(tracker.row).toBe(100);
    tracker.acknowledge(next);
    expect(tracker.row).toBe(150);
  });

  it('jumps over row numbers that no range covers (blank lines)', () => {
    const tracker = new AcknowledgementTracker(0);
    const [a, b] = [range(1, 3), range(6, 9)];
    tracker.register(a);
    tracker.register(b);
    tracker.acknowledge(b);
    tracker.acknowledge(a);
    expect(tracker.row).toBe(9);
  });

  it('refuses a range registered out of file order', () => {
    const tracker = new AcknowledgementTracker(0);
    tracker.register(range(1, 10));
    expect(() => tracker.register(range(5, 12))).toThrow('out of order');
  });
});
