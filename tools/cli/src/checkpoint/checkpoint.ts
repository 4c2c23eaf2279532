/** What identifies the imported file: resuming by row number is only right for the same bytes. */
export interface FileIdentity {
  file: string;
  size: number;
  mtimeMs: number;
}

/** The checkpoint file's content. */
export interface Checkpoint extends FileIdentity {
  version: 1;
  /** Every row up to and including this one is acknowledged (accepted, duplicate or rejected). */
  row: number;
  /** The report's size when `row` was reached; a resumed run truncates the report to it. */
  reportBytes: number;
  updatedAt: string;
}

/** Why the checkpoint cannot be used for this file, or undefined when it can. */
export function checkpointMismatch(checkpoint: Checkpoint, file: FileIdentity): string | undefined {
  if (checkpoint.file !== file.file) {
    return `it was written for ${checkpoint.file}, not ${file.file}`;
  }
  if (checkpoint.size !== file.size || checkpoint.mtimeMs !== file.mtimeMs) {
    return `${file.file} changed since it was written (size or modification time differ)`;
  }
  return undefined;
}
