import fc from 'fast-check';
import { encodeClientMessage } from '../../../src/adapters/websocket/wire-encoder';
import type { ClientMessage, MediaSignal } from '../../../src/application';
import { ERROR_CODES, PUBLISH, subscribeTo, upstreamTo, type MediaLink } from '../../../src/domain';
import { SERVER_MESSAGE_IDS, ServerMessage } from '../../../src/protocol';

/**
 * The outbound schemas (src/protocol/server-messages.ts) are strict: every message the encoder can write
 * must parse, with no field the schema does not name, and every message id the schema names must be one
 * the encoder writes. Generated over every variant of what the core says.
 */
const id = fc.string({ minLength: 1, maxLength: 12 });
const requestId = fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined });
const member = fc.record(
  { userId: id, audio: fc.boolean(), video: fc.boolean(), displayName: id, reconnecting: fc.constant(true as const) },
  { requiredKeys: ['userId', 'audio', 'video'] },
);
const link: fc.Arbitrary<MediaLink> = fc.oneof(fc.constant(PUBLISH), id.map(subscribeTo), id.map(upstreamTo));
const candidate = fc.record(
  { candidate: fc.string(), sdpMid: fc.option(fc.string(), { nil: undefined }), sdpMLineIndex: fc.option(fc.nat(4), { nil: undefined }) },
  { requiredKeys: ['candidate'] },
);
const withRequestId = <T extends object>(value: T, rid: string | undefined): T => (rid === undefined ? value : { ...value, requestId: rid });

const signal: fc.Arbitrary<MediaSignal> = fc.oneof(
  fc.tuple(id, link, fc.string({ minLength: 1 }), requestId).map(([to, l, sdp, rid]) => withRequestId({ type: 'answer' as const, roomId: 'r', to, link: l, sdp }, rid)),
  fc.tuple(id, link, fc.string({ minLength: 1 }), requestId).map(([to, l, sdp, rid]) => withRequestId({ type: 'offer' as const, roomId: 'r', to, link: l, sdp }, rid)),
  fc.tuple(id, link, requestId).map(([to, l, rid]) => withRequestId({ type: 'offerRequest' as const, roomId: 'r', to, link: l }, rid)),
  fc.tuple(id, link, candidate).map(([to, l, c]) => ({ type: 'candidate' as const, roomId: 'r', to, link: l, candidate: c })),
);

const caps = fc.record({ backend: fc.constantFrom('mesh', 'janus', 'kurento'), publish: fc.boolean(), clientOfferedSubscribe: fc.boolean(), serverOfferedSubscribe: fc.boolean(), peerToPeer: fc.boolean() });
const iceServer = fc.record({ urls: fc.array(fc.string(), { minLength: 1 }), username: fc.string(), credential: fc.string() }, { requiredKeys: ['urls'] });

const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc
    .record(
      {
        roomId: id,
        userId: id,
        others: fc.array(member, { maxLength: 3 }),
        media: caps,
        requestId: fc.string({ minLength: 1 }),
        resumed: fc.constant(true as const),
        session: fc.record({ resumeToken: fc.string({ minLength: 1 }), graceMs: fc.nat() }),
        iceServers: fc.array(iceServer, { maxLength: 2 }),
      },
      { requiredKeys: ['roomId', 'userId', 'others', 'media'] },
    )
    .map((m) => ({ type: 'joined' as const, ...m })),
  member.map((m) => ({ type: 'participantJoined' as const, member: m })),
  id.map((userId) => ({ type: 'participantLeft' as const, userId })),
  id.map((userId) => ({ type: 'participantReconnecting' as const, userId })),
  fc
    .record({ userId: id, displayName: fc.string({ minLength: 1 }) }, { requiredKeys: ['userId'] })
    .map((m) => ({ type: 'participantReconnected' as const, ...m })),
  id.map((userId) => ({ type: 'participantPublished' as const, userId })),
  fc.tuple(id, fc.constantFrom('audio' as const, 'video' as const), fc.boolean(), requestId).map(([userId, kind, enabled, rid]) =>
    withRequestId({ type: 'mediaStateChanged' as const, userId, kind, enabled }, rid),
  ),
  fc.tuple(id, requestId).map(([roomId, rid]) => withRequestId({ type: 'roomFull' as const, roomId }, rid)),
  signal.map((s) => ({ type: 'signal' as const, signal: s })),
  fc.string({ minLength: 1 }).map((rid) => ({ type: 'ack' as const, requestId: rid })),
  fc
    .record(
      {
        code: fc.constantFrom(...ERROR_CODES),
        message: fc.string(),
        details: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 3 }),
        requestId: fc.string({ minLength: 1 }),
      },
      { requiredKeys: ['code', 'message'] },
    )
    .map((m) => ({ type: 'error' as const, ...m })),
);

describe('outbound schemas (src/protocol/server-messages.ts) against the wire encoder', () => {
  it('every message the encoder writes parses under the strict schema, field for field', () => {
    const written = new Set<string>();
    fc.assert(
      fc.property(clientMessage, (message) => {
        const wire = JSON.parse(JSON.stringify(encodeClientMessage(message))) as Record<string, unknown>;
        written.add(String(wire.id));
        const parsed = ServerMessage.safeParse(wire);
        if (!parsed.success) throw new Error(`${JSON.stringify(wire)}: ${parsed.error.message}`);
        // Nothing dropped or coerced on the way: the schema describes the encoder's output exactly.
        expect(parsed.data).toEqual(wire);
      }),
      { numRuns: 2_000 },
    );
    // Every id the schema names is one the encoder really writes (a schema for a message nobody sends is drift too).
    expect([...written].sort()).toEqual([...SERVER_MESSAGE_IDS].sort());
  });

  it('the strict schemas refuse an unnamed field, so an encoder that adds one fails the test above', () => {
    expect(ServerMessage.safeParse({ id: 'participantLeft', userId: 'a', extra: 1 }).success).toBe(false);
    expect(ServerMessage.safeParse({ id: 'existingParticipants', roomId: 'r', userId: 'a', members: [{ userId: 'b', audio: true, video: true, nick: 'x' }], media: { backend: 'mesh', publish: false, clientOfferedSubscribe: true, serverOfferedSubscribe: true, peerToPeer: true } }).success).toBe(false);
  });
});
