import type { ServerOptions } from 'ws';

/**
 * Frames over `maxPayload` are refused by ws before they are buffered. `closeTimeout`: ws destroys a
 * socket whose peer has not completed the close by then (30 s by default, memory a non-reader holds that
 * long); ws 8.23 takes it on the server, @types/ws 8.18 does not list it yet.
 */
export const serverOptions = (maxPayload: number, closeTimeout: number): ServerOptions & { closeTimeout: number } => ({
  noServer: true,
  maxPayload,
  perMessageDeflate: false,
  closeTimeout,
});
