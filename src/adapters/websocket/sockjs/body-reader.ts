import type { IncomingMessage } from 'node:http';

export type BodyResult =
  | { readonly kind: 'body'; readonly text: string }
  | { readonly kind: 'tooLarge' }
  | { readonly kind: 'aborted' };

/** The declared length says too much already: refuse before a byte of the body is read. */
export const declaresTooMuch = (req: IncomingMessage, limitBytes: number): boolean => {
  const declared = req.headers['content-length'];
  return declared !== undefined && Number(declared) > limitBytes;
};

/**
 * Reads a request body of at most `limitBytes`. The chunks are kept as they come and joined once, and
 * reading stops at the first byte over the limit (a chunked body declares no length), so a huge body
 * costs neither memory nor the quadratic string concatenation the `sockjs` package did.
 */
export const readBody = (req: IncomingMessage, limitBytes: number): Promise<BodyResult> =>
  new Promise((resolve) => {
    if (declaresTooMuch(req, limitBytes)) {
      resolve({ kind: 'tooLarge' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        chunks.length = 0;
        // Not a byte more is kept; the caller answers and hangs up.
        req.pause();
        settle({ kind: 'tooLarge' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => settle({ kind: 'body', text: Buffer.concat(chunks, size).toString('utf8') }));
    req.once('error', () => settle({ kind: 'aborted' }));
    req.once('close', () => settle({ kind: 'aborted' }));
  });
