import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { protocolDocs } from '../../../scripts/protocol-docs/generate';
import { INBOUND_MESSAGE_IDS, SERVER_MESSAGE_IDS } from '../../../src/protocol';

const root = resolve(__dirname, '..', '..', '..');

describe('generated protocol documents (docs/asyncapi.yaml, docs/schemas/)', () => {
  const generated = protocolDocs();

  it.each(Object.keys(generated))('%s is what the zod schemas generate (run `node scripts/protocol-docs.mjs` after changing a message)', (path) => {
    let onDisk: string;
    try {
      onDisk = readFileSync(resolve(root, path), 'utf8');
    } catch {
      throw new Error(`${path} is missing: run node scripts/protocol-docs.mjs`);
    }
    expect(onDisk).toBe(generated[path]);
  });

  it('the AsyncAPI 3 document names every message of both directions, each with its payload schema', () => {
    const doc = parse(generated['docs/asyncapi.yaml']!) as {
      asyncapi: string;
      components: { messages: Record<string, { name: string; payload: { properties: { id: { const: string } } } }> };
      operations: Record<string, { action: string; messages: unknown[] }>;
    };
    expect(doc.asyncapi).toBe('3.0.0');
    const names = (prefix: string) =>
      Object.entries(doc.components.messages)
        .filter(([key]) => key.startsWith(prefix))
        .map(([, m]) => m.payload.properties.id.const)
        .sort();
    expect(names('toServer.')).toEqual([...INBOUND_MESSAGE_IDS].sort());
    expect(names('toClient.')).toEqual([...SERVER_MESSAGE_IDS].sort());
    expect(doc.operations.receiveFromClient).toMatchObject({ action: 'receive' });
    expect(doc.operations.sendToClient).toMatchObject({ action: 'send' });
  });
});
