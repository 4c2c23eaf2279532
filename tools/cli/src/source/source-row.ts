/** One data row of an import file, numbered as the report and the checkpoint name it. */
export interface SourceRow {
  /** CSV: the data record's position, the header not counted. NDJSON: the line number. */
  row: number;
  /** CSV: the record's fields. NDJSON: the line, without its line break. */
  content: string[] | string;
  /** Bytes of the file read so far (at chunk granularity), for progress. */
  bytesRead: number;
}

export type FileFormat = 'csv' | 'ndjson';
