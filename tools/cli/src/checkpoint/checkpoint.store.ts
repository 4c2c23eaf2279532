import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Checkpoint } from './checkpoint';
import { CheckpointError } from './checkpoint.error';

/** Reads and atomically replaces the checkpoint file, so a crash never leaves half of one. */
export class CheckpointStore {
  constructor(readonly path: string) {}

  load(): Checkpoint | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CheckpointError(this.path, 'it is not JSON');
    }
    if (!isCheckpoint(parsed)) throw new CheckpointError(this.path, 'it is not a checkpoint');
    return parsed;
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }

  save(checkpoint: Checkpoint): void {
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(checkpoint, null, 2)}\n`);
    renameSync(temporary, this.path);
  }
}

function isCheckpoint(value: unknown): value is Checkpoint {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    candidate.version === 1 &&
    typeof candidate.file === 'string' &&
    ['size', 'mtimeMs', 'row', 'reportBytes'].every(
      (key) => typeof candidate[key] === 'number' && Number.isFinite(candidate[key]),
    )
  );
}
