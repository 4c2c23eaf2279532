import type { PrivacyVerdict } from './privacy-verdict';

/** An accepted event a privacy request bars from resolution (suppressed, or in flight at a deletion). */
export class BarredEvent {
  constructor(readonly verdict: PrivacyVerdict) {}
}
