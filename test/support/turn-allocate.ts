import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/**
 * What a TURN server answered to an Allocate (RFC 8656) made with long-term credentials: `allocated`, or the
 * error code and reason it refused with.
 */
export type AllocateOutcome = { readonly allocated: true } | { readonly allocated: false; readonly code: number; readonly reason: string };

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE_REQUEST = 0x0003;
const ALLOCATE_SUCCESS = 0x0103;
const ATTR = { username: 0x0006, messageIntegrity: 0x0008, errorCode: 0x0009, realm: 0x0014, nonce: 0x0015, requestedTransport: 0x0019 } as const;
const UDP = 17;
const REPLY_TIMEOUT_MS = 2_000;

const attribute = (type: number, value: Buffer): Buffer => {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
};

/** A STUN message; with `key`, MESSAGE-INTEGRITY over it (its length field already counting that attribute). */
const message = (type: number, attributes: readonly Buffer[], key?: Buffer): Buffer => {
  const transactionId = randomBytes(12);
  const header = (length: number): Buffer => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(MAGIC_COOKIE, 4);
    transactionId.copy(h, 8);
    return h;
  };
  let body = Buffer.concat(attributes);
  if (key) {
    const integrity = createHmac('sha1', key).update(Buffer.concat([header(body.length + 24), body])).digest();
    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, integrity)]);
  }
  return Buffer.concat([header(body.length), body]);
};

interface Reply {
  readonly type: number;
  readonly attributes: ReadonlyMap<number, Buffer>;
}

const parse = (packet: Buffer): Reply => {
  const attributes = new Map<number, Buffer>();
  for (let at = 20; at + 4 <= packet.length; ) {
    const type = packet.readUInt16BE(at);
    const length = packet.readUInt16BE(at + 2);
    attributes.set(type, packet.subarray(at + 4, at + 4 + length));
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { type: packet.readUInt16BE(0), attributes };
};

const exchange = (socket: Socket, port: number, request: Buffer): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from the TURN server on port ${port}`)), REPLY_TIMEOUT_MS);
    socket.once('message', (packet) => {
      clearTimeout(timer);
      resolve(parse(packet));
    });
    socket.send(request, port, '127.0.0.1');
  });

const refusal = (reply: Reply): AllocateOutcome => {
  const error = reply.attributes.get(ATTR.errorCode);
  if (!error || error.length < 4) return { allocated: false, code: 0, reason: `message type 0x${reply.type.toString(16)}` };
  return { allocated: false, code: (error[2]! & 0x07) * 100 + error[3]!, reason: error.subarray(4).toString('utf8') };
};

/**
 * Allocates a UDP relay on a TURN server on 127.0.0.1 with a username and password, as a browser does: the
 * unauthenticated request draws the realm and nonce (401), the second carries USERNAME, REALM, NONCE and
 * MESSAGE-INTEGRITY keyed with MD5(username:realm:password). The allocation is left to time out.
 */
export const allocateRelay = async (port: number, username: string, password: string): Promise<AllocateOutcome> => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const transport = attribute(ATTR.requestedTransport, Buffer.from([UDP, 0, 0, 0]));
    const challenge = await exchange(socket, port, message(ALLOCATE_REQUEST, [transport]));
    const realm = challenge.attributes.get(ATTR.realm);
    const nonce = challenge.attributes.get(ATTR.nonce);
    if (!realm || !nonce) return refusal(challenge);
    const key = createHash('md5').update(`${username}:${realm.toString('utf8')}:${password}`).digest();
    const request = message(
      ALLOCATE_REQUEST,
      [attribute(ATTR.username, Buffer.from(username, 'utf8')), attribute(ATTR.realm, realm), attribute(ATTR.nonce, nonce), transport],
      key,
    );
    const reply = await exchange(socket, port, request);
    return reply.type === ALLOCATE_SUCCESS ? { allocated: true } : refusal(reply);
  } finally {
    socket.close();
  }
};
