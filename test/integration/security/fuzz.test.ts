import fc from 'fast-check';
import WebSocket from 'ws';
import { ERROR_CODES } from '../../../src/domain';
import { startNodeProcess, type NodeProcess } from '../../support/node-process';
import { SignalingClient, type WireMessage } from '../../support/signaling-client';
import { fuzzText, toFrame, type FuzzFrame } from './fuzz-messages';
import { ADMIN_TOKEN, http, roomsOf } from './security-kit';

/** At least 100 000 generated frames: FUZZ_MESSAGES may raise it, never lower it below that in CI. */
const TOTAL = Math.max(100_000, Number(process.env.FUZZ_MESSAGES ?? 0));
const BATCH = 2_000;
const CONNECTIONS = 8;
const MAX_MESSAGE_BYTES = 64 * 1024;
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_607);

jest.setTimeout(240_000);

/**
 * A raw connection that counts replies: each frame it sends must be answered by exactly one `error`,
 * in order, and a sentinel tells when all earlier frames were answered.
 */
class FuzzConnection {
  private replies: WireMessage[] = [];
  private waiting: { sentinel: string; resolve: () => void } | undefined;
  closed: number | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const reply = JSON.parse(data.toString()) as WireMessage;
      this.replies.push(reply);
      if (this.waiting && reply.requestId === this.waiting.sentinel) this.waiting.resolve();
    });
    socket.on('close', (code) => {
      this.closed = code;
      this.waiting?.resolve();
    });
  }

  static async open(url: string): Promise<FuzzConnection> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new FuzzConnection(socket);
  }

  /** Sends the frames and a sentinel; resolves with the replies to the frames (the sentinel's removed). */
  async exchange(frames: readonly FuzzFrame[], sentinel: string): Promise<WireMessage[]> {
    this.replies = [];
    const done = new Promise<void>((resolve) => (this.waiting = { sentinel, resolve }));
    for (const frame of frames) this.socket.send(frame.text);
    this.socket.send(JSON.stringify({ id: 'fuzzSentinel', requestId: sentinel }));
    await done;
    this.waiting = undefined;
    if (this.closed !== undefined) throw new Error(`the server closed a fuzzing connection (${this.closed})`);
    const last = this.replies.pop();
    if (last?.requestId !== sentinel || last.code !== 'unknownMessage') throw new Error(`bad sentinel reply ${JSON.stringify(last)}`);
    return this.replies;
  }

  /** A proper join; resolves with the replies before the sentinel. */
  join(fields: { userId: string; roomId: string }): Promise<WireMessage[]> {
    const text = JSON.stringify({ id: 'joinRoom', communityId: '1', audio: true, video: true, ...fields });
    return this.exchange([{ text, wellFormed: true }], `join-${fields.userId}`);
  }

  close(): void {
    this.socket.close();
  }
}

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

describe(`fuzzing the WebSocket adapter of a running node (${TOTAL} frames)`, () => {
  let node: NodeProcess;
  const legit: Record<string, SignalingClient> = {};
  let fuzzers: FuzzConnection[] = [];
  /** Index of the fuzzing connection that is itself in a room; it only gets frames the schema refuses. */
  const IN_ROOM = 0;

  beforeAll(async () => {
    node = await startNodeProcess({
      LOG_LEVEL: 'info',
      ADMIN_TOKEN,
      MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
      // One client sends the whole run: the per-connection rate limit would otherwise (rightly) stop it.
      MESSAGES_PER_SECOND: '10000000',
      MESSAGE_BURST: '10000000',
      MAX_QUEUED_MESSAGES: String(BATCH * 2),
    });
    for (const [userId, roomId] of [
      ['alice', 'fuzz-room'],
      ['bob', 'fuzz-room'],
      ['carol', 'fuzz-2'],
    ] as const) {
      legit[userId] = await SignalingClient.connect(node.wsUrl);
      await legit[userId]!.join({ userId, roomId });
    }
    fuzzers = await Promise.all(Array.from({ length: CONNECTIONS }, () => FuzzConnection.open(node.wsUrl)));
    // The in-room fuzzer joins properly once, then only ever sends frames the schema refuses.
    const joined = await fuzzers[IN_ROOM]!.join({ userId: 'mallory', roomId: 'fuzz-room' });
    expect(joined.map((m) => m.id)).toEqual(['existingParticipants']);
    await legit.alice!.next('newParticipantArrived');
    await legit.bob!.next('newParticipantArrived');
    for (const c of Object.values(legit)) c.drain();
  });

  afterAll(async () => {
    for (const f of fuzzers) f.close();
    for (const c of Object.values(legit)) await c.close();
    await node?.stop();
  });

  it('answers every invalid frame with exactly one typed error, stays up, and keeps the rooms intact', async () => {
    const started = Date.now();
    let sent = 0;
    let batches = 0;
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzText, { minLength: BATCH, maxLength: BATCH }), async (texts) => {
        const frames = texts.map((t) => toFrame(t, MAX_MESSAGE_BYTES));
        const shares: FuzzFrame[][] = fuzzers.map(() => []);
        frames.forEach((frame, i) => {
          // Well-formed frames would act in the room for the in-room fuzzer; they go to the others.
          const target = frame.wellFormed ? 1 + (i % (CONNECTIONS - 1)) : i % CONNECTIONS;
          shares[target]!.push(frame);
        });
        batches += 1;
        const answers = await Promise.all(fuzzers.map((f, c) => f.exchange(shares[c]!, `sentinel-${batches}-${c}`)));
        answers.forEach((replies, c) => {
          const share = shares[c]!;
          if (replies.length !== share.length) {
            throw new Error(`connection ${c}: ${share.length} frames got ${replies.length} replies: ${JSON.stringify(replies.slice(0, 5))}`);
          }
          replies.forEach((reply, i) => {
            const frame = share[i]!;
            const problem =
              reply.id !== 'error'
                ? 'not an error'
                : !CODES.has(String(reply.code))
                  ? 'untyped code'
                  : typeof reply.message !== 'string'
                    ? 'no message'
                    : reply.requestId !== frame.requestId
                      ? `requestId ${String(reply.requestId)} for ${String(frame.requestId)}`
                      : c === IN_ROOM && !['badJson', 'invalidMessage', 'unknownMessage', 'frameTooLarge'].includes(String(reply.code))
                        ? 'a malformed frame reached the core'
                        : undefined;
            if (problem) throw new Error(`${problem}: ${JSON.stringify(reply)} for ${frame.text.slice(0, 300)}`);
            codes.set(String(reply.code), (codes.get(String(reply.code)) ?? 0) + 1);
          });
        });
        sent += frames.length;
      }),
      { numRuns: Math.ceil(TOTAL / BATCH), seed: SEED, endOnFailure: true },
    );
    const seconds = (Date.now() - started) / 1000;
    // Recorded for the closing note.
    process.stdout.write(`fuzz: ${sent} frames in ${seconds.toFixed(1)} s; error codes ${JSON.stringify(Object.fromEntries(codes))}\n`);
    expect(sent).toBeGreaterThanOrEqual(100_000);

    // The process is alive and serving.
    expect(node.child.exitCode).toBeNull();
    expect((await http(node, 'GET', '/healthz')).status).toBe(200);
    // No ghost participants, counts match, and the rooms heard nothing from the fuzzers.
    expect(await roomsOf(node)).toEqual({ 'fuzz-room': ['alice', 'bob', 'mallory'], 'fuzz-2': ['carol'] });
    for (const client of Object.values(legit)) expect(client.drain()).toEqual([]);
    const metrics = (await http(node, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/^rtc_rooms\{[^}]*\} 2$/m);
    expect(metrics).toMatch(/^rtc_participants\{[^}]*\} 4$/m);
    // The rooms still work: a newcomer joins and sees exactly who is there.
    const dave = await SignalingClient.connect(node.wsUrl);
    const existing = await dave.join({ userId: 'dave', roomId: 'fuzz-room' });
    expect(JSON.stringify(existing)).toMatch(/alice/);
    expect(await legit.alice!.next('newParticipantArrived')).toMatchObject({ member: { userId: 'dave' } });
    await dave.close();
    // Closing every fuzzing connection leaves the real participants, and removes mallory.
    for (const f of fuzzers) f.close();
    await legit.alice!.next('participantLeft', (m) => m.userId === 'mallory');
    expect(await roomsOf(node)).toEqual({ 'fuzz-room': ['alice', 'bob'], 'fuzz-2': ['carol'] });
  });
});
