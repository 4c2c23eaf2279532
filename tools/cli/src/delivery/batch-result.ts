/** An event of a request the server rejected; `index` is its position in the request's batch. */
export interface ServerRejection {
  index: number;
  reason: string;
  message: string;
}

/** The server's answer to one request: every event not rejected was accepted (some as duplicates). */
export interface BatchResult {
  duplicates: number;
  rejected: ServerRejection[];
}
