/** Raised when an allowlist entry is neither an IP address nor a CIDR block. */
export class InvalidAllowlistEntryError extends Error {
  constructor(readonly entry: string) {
    super(`invalid webhook allowlist entry "${entry}": expected an IP address or a CIDR block`);
    this.name = 'InvalidAllowlistEntryError';
  }
}
