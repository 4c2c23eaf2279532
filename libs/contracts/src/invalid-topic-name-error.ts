/** A topic name that does not follow the contract convention `tessera.<entity>.<fact>.v<N>`. */
export class InvalidTopicNameError extends Error {
  constructor(
    readonly topic: string,
    why = 'expected tessera.<entity>.<fact>.v<N>',
  ) {
    super(`Topic name ${JSON.stringify(topic)} is not a contract topic: ${why}`);
    this.name = 'InvalidTopicNameError';
  }
}
