/*
 * docs/asyncapi.yaml and docs/schemas/*.schema.json, generated from the protocol's zod schemas
 * (src/protocol): the schemas are the source, these files are what tools and other languages read.
 * `node scripts/protocol-docs.mjs` writes them; test/unit/protocol/protocol-docs.test.ts fails when the
 * checked-in files differ from what this generates.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { InboundMessage } from '../../src/protocol/client-messages';
import { ServerMessage } from '../../src/protocol/server-messages';

type Json = Record<string, unknown>;

const HEADER = 'Generated from src/protocol by scripts/protocol-docs.mjs: do not edit by hand.';

/** JSON Schema (draft-07, which AsyncAPI's schema format extends) of what a message may look like on the wire. */
const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-7', unrepresentable: 'any', reused: 'inline' }) as Json;
  return rest;
};

/** What clients send is read leniently (the seed's field types); what the server sends is exact. */
const clientMessages = (): [string, Json][] => InboundMessage.options.map((o) => [o.shape.id.value, schemaOf(o, 'input')]);
const serverMessages = (): [string, Json][] => ServerMessage.options.map((o) => [o.shape.id.value, schemaOf(o, 'output')]);

const bundle = (title: string, description: string, messages: [string, Json][]): string =>
  `${JSON.stringify(
    {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $comment: HEADER,
      title,
      description,
      oneOf: messages.map(([id]) => ({ $ref: `#/definitions/${id}` })),
      definitions: Object.fromEntries(messages),
    },
    null,
    2,
  )}\n`;

const asyncApi = (): string => {
  const client = clientMessages();
  const server = serverMessages();
  const message = (id: string, payload: Json, direction: string): Json => ({
    name: id,
    title: id,
    summary: typeof payload.description === 'string' ? payload.description : `${direction}: ${id}`,
    contentType: 'application/json',
    payload,
  });
  const key = (direction: 'client' | 'server', id: string): string => `${direction === 'client' ? 'toServer' : 'toClient'}.${id}`;
  const document = {
    asyncapi: '3.0.0',
    info: {
      title: 'rtc-signaling wire protocol',
      version: '1',
      description: [
        HEADER,
        '',
        'WebRTC signaling for group rooms: one JSON text frame per message, named by its `id`. Requests may carry a `requestId`, echoed on their reply (or an `ack`); every refusal is one `error` message with a `code`.',
        'Clients must ignore fields and message ids they do not know: the protocol grows additively. The prose, the flows per backend, session resume and the error codes are in docs/protocol.md.',
      ].join('\n'),
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      websocket: { host: 'localhost:8080', pathname: '/rtc/websocket', protocol: 'ws', description: 'Plain WebSocket (wss behind TLS).' },
      sockjs: { host: 'localhost:8080', pathname: '/rtc', protocol: 'http', description: 'SockJS 0.3.3: the same messages, one per SockJS message.' },
    },
    channels: {
      signaling: {
        address: '/rtc/websocket',
        title: 'Signaling connection',
        description: 'One connection per participant. The server is described: it receives the client messages and sends the server messages.',
        messages: Object.fromEntries([
          ...client.map(([id]) => [key('client', id), { $ref: `#/components/messages/${key('client', id)}` }]),
          ...server.map(([id]) => [key('server', id), { $ref: `#/components/messages/${key('server', id)}` }]),
        ]),
      },
    },
    operations: {
      receiveFromClient: {
        action: 'receive',
        title: 'Messages a client sends',
        channel: { $ref: '#/channels/signaling' },
        messages: client.map(([id]) => ({ $ref: `#/channels/signaling/messages/${key('client', id)}` })),
      },
      sendToClient: {
        action: 'send',
        title: 'Messages the server sends',
        channel: { $ref: '#/channels/signaling' },
        messages: server.map(([id]) => ({ $ref: `#/channels/signaling/messages/${key('server', id)}` })),
      },
    },
    components: {
      messages: Object.fromEntries([
        ...client.map(([id, payload]) => [key('client', id), message(id, payload, 'client → server')]),
        ...server.map(([id, payload]) => [key('server', id), message(id, payload, 'server → client')]),
      ]),
    },
  };
  return `# ${HEADER}\n${stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })}`;
};

/** Every generated file, by path from the repository root. */
export const protocolDocs = (): Record<string, string> => ({
  'docs/asyncapi.yaml': asyncApi(),
  'docs/schemas/client-messages.schema.json': bundle('Client → server messages', 'What a client may send (read leniently: ids may be numbers, booleans may be "true"/"false" or 1/0).', clientMessages()),
  'docs/schemas/server-messages.schema.json': bundle('Server → client messages', 'What the server sends, exactly (clients should still ignore fields they do not know).', serverMessages()),
});
