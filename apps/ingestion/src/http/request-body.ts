/** A request body that was not JSON; the raw bytes are kept for the rejected-events topic. */
export class MalformedJsonBody {
  constructor(
    readonly bytes: Buffer,
    readonly problem: string,
  ) {}
}

/** A request body of a content type the API does not take. */
export class UnsupportedContentTypeBody {
  constructor(
    readonly bytes: Buffer,
    readonly contentType: string | undefined,
  ) {}
}

export type UnparsedBody = MalformedJsonBody | UnsupportedContentTypeBody;

export function isUnparsed(body: unknown): body is UnparsedBody {
  return body instanceof MalformedJsonBody || body instanceof UnsupportedContentTypeBody;
}
