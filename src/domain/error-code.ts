/**
 * Every rejection the server can send, as the `code` of an `error` message. One list, so that the
 * protocol document, the adapters and the metrics agree on the spelling.
 */
export const ERROR_CODES = [
  'badJson',
  'unknownMessage',
  'invalidMessage',
  'frameTooLarge',
  'notInRoom',
  'alreadyInRoom',
  'unknownUser',
  'roomFull',
  'nodeFull',
  'forbidden',
  'unauthorized',
  'unsupportedFlow',
  'sessionReplaced',
  'kicked',
  'mediaBackendError',
  'mediaServerUnavailable',
  'stateStoreUnavailable',
  'wrongNode',
  'roomMoved',
  'resumeFailed',
  'rateLimited',
  'slowConsumer',
  'serverShuttingDown',
  'internalError',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
