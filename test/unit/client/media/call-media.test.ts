import WebSocket from 'ws';
import { CallMedia } from '../../../../packages/client/src/media/call-media';
import { RoomClient } from '../../../../packages/client/src/room-client';
import { FakeServer, type Wire } from '../fake-server';

jest.setTimeout(15_000);

/** A stand-in RTCPeerConnection that records what the media layer does with it. */
class FakePeer {
  static all: FakePeer[] = [];
  readonly id: number;
  readonly calls: string[] = [];
  readonly configs: RTCConfiguration[] = [];
  readonly senders: { track: unknown }[] = [];
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  onicecandidate: unknown = null;
  ontrack: unknown = null;
  closed = false;

  constructor(config: RTCConfiguration) {
    this.id = FakePeer.all.push(this);
    this.configs.push(config);
  }
  addTransceiver(trackOrKind: unknown): void {
    this.calls.push('addTransceiver');
    this.senders.push({ track: typeof trackOrKind === 'string' ? null : trackOrKind });
  }
  getSenders(): { track: unknown }[] {
    return this.senders;
  }
  getConfiguration(): RTCConfiguration {
    return this.configs[this.configs.length - 1]!;
  }
  setConfiguration(config: RTCConfiguration): void {
    this.calls.push('setConfiguration');
    this.configs.push(config);
  }
  async createOffer(): Promise<RTCSessionDescriptionInit> {
    this.calls.push('createOffer');
    return { type: 'offer', sdp: `offer-of-${this.id}` };
  }
  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    this.calls.push('createAnswer');
    // The role a browser picks when answering an offer of actpass; kept on a renegotiation.
    return { type: 'answer', sdp: `answer-of-${this.id}\r\na=setup:${this.localDescription?.sdp?.match(/a=setup:(\w+)/)?.[1] ?? 'active'}\r\n` };
  }
  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.calls.push(`setLocalDescription:${description.type}`);
    this.localDescription = description;
  }
  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.calls.push(`setRemoteDescription:${description.type}`);
    this.remoteDescription = description;
  }
  async addIceCandidate(): Promise<void> {}
  close(): void {
    this.closed = true;
  }
}

const JANUS = { backend: 'janus', publish: true, clientOfferedSubscribe: false, serverOfferedSubscribe: true, peerToPeer: false };
const KURENTO = { backend: 'kurento', publish: true, clientOfferedSubscribe: true, serverOfferedSubscribe: true, peerToPeer: false };
const MESH = { backend: 'mesh', publish: false, clientOfferedSubscribe: true, serverOfferedSubscribe: true, peerToPeer: true };
const ICE = [{ urls: ['stun:stun.example.org:3478'] }];
const camera = { kind: 'video', enabled: true };
const microphone = { kind: 'audio', enabled: true };
const stream = { getTracks: () => [camera, microphone], getVideoTracks: () => [camera], getAudioTracks: () => [microphone] } as unknown as MediaStream;

const servers: FakeServer[] = [];
const clients: RoomClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.leave().catch(() => undefined);
  for (const s of servers.splice(0)) await s.close();
  FakePeer.all = [];
});

/** A server that holds the join reply until `release` is called, then admits with `extra`. */
const heldJoin = async (extra: Record<string, unknown>, options: { linkRetry?: { baseMs: number; maxMs: number } } = {}) => {
  const server = await FakeServer.start();
  servers.push(server);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  server.reply = (m, socket) => {
    if (m.id === 'joinRoom') void released.then(() => socket.send(JSON.stringify(FakeServer.joined(m, extra))));
    else FakeServer.admit(m, socket);
  };
  const client = new RoomClient({ url: server.url, roomId: 'r1', userId: 'me', WebSocket, reconnect: { baseMs: 20, maxMs: 100, maxAttempts: 2 } });
  clients.push(client);
  const media = new CallMedia(client, { stream, RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection, ...options });
  return { server, client, media, release };
};

/** A client joined (at once) to a room where alice is. */
const joinedWithAlice = async (media: typeof JANUS | typeof MESH | typeof KURENTO): Promise<FakeServer> => {
  const { server, client, release } = await heldJoin({ media, members: [{ userId: 'alice', audio: true, video: true }] });
  release();
  await client.join();
  return server;
};

const sent = (server: FakeServer, id: string): Wire[] => server.received.filter((m) => m.id === id);

describe('CallMedia', () => {
  it('makes the publish connection and its offer while the join is on its way, and sends that offer once the reply admits a publish', async () => {
    const { server, client, release } = await heldJoin({ media: JANUS, iceServers: ICE });
    const joining = client.join();
    await server.waitFor(() => sent(server, 'joinRoom').length === 1, 'joinRoom');
    // Before any reply: one connection, carrying both tracks, its offer created but not applied (no ICE yet).
    await server.waitFor(() => FakePeer.all[0]?.calls.includes('createOffer') === true, 'the early offer');
    const early = FakePeer.all[0]!;
    expect(early.calls).toEqual(['addTransceiver', 'addTransceiver', 'createOffer']);
    release();
    await joining;
    await server.waitFor(() => sent(server, 'publish').length === 1, 'publish');
    expect(sent(server, 'publish')[0]).toMatchObject({ sdpOffer: `offer-of-${early.id}` });
    expect(FakePeer.all).toHaveLength(1);
    // The ICE servers of the join reply are set before the offer is applied (gathering starts there).
    expect(early.calls.slice(3)).toEqual(['setConfiguration', 'setLocalDescription:offer']);
    expect(early.getConfiguration().iceServers).toEqual(ICE);
  });

  it('closes the early publish connection unused when the room is peer-to-peer', async () => {
    const { server, client, release } = await heldJoin({ media: MESH });
    const joining = client.join();
    await server.waitFor(() => FakePeer.all.length === 1, 'the early connection');
    release();
    await joining;
    await server.waitFor(() => FakePeer.all[0]!.closed, 'the early connection closed');
    expect(sent(server, 'publish')).toHaveLength(0);
  });

  it('SFU: makes the connection that receives a member before the server offers it, and answers the offer on it', async () => {
    const server = await joinedWithAlice(JANUS);
    await server.waitFor(() => sent(server, 'subscribe').length === 1, 'subscribe');
    // publish + the receiving connection for alice, made before any offer for it.
    await server.waitFor(() => FakePeer.all.length === 2, 'the receiving connection');
    const receiving = FakePeer.all[1]!;
    expect(receiving.remoteDescription).toBeNull();
    server.last.send(JSON.stringify({ id: 'subscribeOffer', userId: 'alice', sdpOffer: 'v=0 from janus' }));
    await server.waitFor(() => sent(server, 'subscribeAnswer').length === 1, 'subscribeAnswer');
    expect(sent(server, 'subscribeAnswer')[0]).toMatchObject({ userId: 'alice', sdpAnswer: expect.stringContaining(`answer-of-${receiving.id}`) });
    expect(FakePeer.all).toHaveLength(2);
  });

  it('Janus: answers a subscription as the DTLS server (a=setup:passive), so Janus starts the handshake once its ICE is up; a renegotiation keeps the role', async () => {
    const server = await joinedWithAlice(JANUS);
    await server.waitFor(() => sent(server, 'subscribe').length === 1, 'subscribe');
    server.last.send(JSON.stringify({ id: 'subscribeOffer', userId: 'alice', sdpOffer: 'v=0 from janus' }));
    await server.waitFor(() => sent(server, 'subscribeAnswer').length === 1, 'subscribeAnswer');
    expect(sent(server, 'subscribeAnswer')[0]!.sdpAnswer).toMatch(/a=setup:passive/);
    expect(sent(server, 'subscribeAnswer')[0]!.sdpAnswer).not.toMatch(/a=setup:active/);
    // An ICE restart offer (after a resume) is answered on the same connection, in the same role.
    server.last.send(JSON.stringify({ id: 'subscribeOffer', userId: 'alice', sdpOffer: 'v=0 restart from janus' }));
    await server.waitFor(() => sent(server, 'subscribeAnswer').length === 2, 'the second subscribeAnswer');
    expect(sent(server, 'subscribeAnswer')[1]!.sdpAnswer).toMatch(/a=setup:passive/);
  });

  it('mesh: answers as browsers do (the DTLS role is left to the browser)', async () => {
    const server = await joinedWithAlice(MESH);
    // Alice's offer of her media (after this client's subscribe reached her as peerSubscribe).
    server.last.send(JSON.stringify({ id: 'subscribeOffer', userId: 'alice', sdpOffer: 'v=0 from alice' }));
    await server.waitFor(() => sent(server, 'subscribeAnswer').length === 1, 'subscribeAnswer');
    expect(sent(server, 'subscribeAnswer')[0]!.sdpAnswer).toMatch(/a=setup:active/);
  });

  describe('a link the server failed after its reply (an error without requestId naming the link)', () => {
    const linkFailed = (userId: string, link: 'publish' | 'subscribe') =>
      JSON.stringify({ id: 'error', code: 'mediaBackendError', message: 'the media server cannot connect this link', details: { roomId: 'r1', userId, link } });

    it('publish: a new connection is made and offered at once, the failed one closed', async () => {
      const server = await joinedWithAlice(KURENTO);
      await server.waitFor(() => sent(server, 'publish').length === 1, 'publish');
      const first = FakePeer.all[0]!;
      server.last.send(linkFailed('me', 'publish'));
      await server.waitFor(() => sent(server, 'publish').length === 2, 'the second publish');
      expect(first.closed).toBe(true);
      const second = FakePeer.all.find((p) => p.id !== first.id && p.senders.length === 2)!;
      expect(sent(server, 'publish')[1]).toMatchObject({ sdpOffer: `offer-of-${second.id}` });
    });

    it('subscribe: the member is received again on a new connection; other errors without requestId change nothing', async () => {
      const server = await joinedWithAlice(KURENTO);
      await server.waitFor(() => sent(server, 'subscribe').length === 1, 'subscribe');
      const receiving = FakePeer.all.find((p) => p.senders.length === 0)!;
      // Not a link notice (no link named), and a link of a member this client does not know: ignored.
      server.last.send(JSON.stringify({ id: 'error', code: 'rateLimited', message: 'more than 50 messages per second', details: { limit: 50 } }));
      server.last.send(linkFailed('mallory', 'subscribe'));
      server.last.send(linkFailed('alice', 'subscribe'));
      await server.waitFor(() => sent(server, 'subscribe').length === 2, 'the second subscribe');
      expect(receiving.closed).toBe(true);
      expect(sent(server, 'subscribe').map((m) => m.userId)).toEqual(['alice', 'alice']);
      expect(sent(server, 'publish')).toHaveLength(1);
    });

    it('a link the server keeps failing is made again a bounded number of times, then reported, not rebuilt in a loop', async () => {
      // A media server that fails every gathering (Kurento without a usable interface, or one so loaded that
      // each gatherCandidates times out): every publish and every subscribe is answered, then failed.
      const { server, client, media, release } = await heldJoin({ media: KURENTO, members: [{ userId: 'alice', audio: true, video: true }] });
      const errors: string[] = [];
      media.on('media', (event) => {
        if (event.type === 'error') errors.push(event.error.message);
      });
      const held = server.reply;
      server.reply = (m, socket, s) => {
        if (m.id === 'publish') {
          socket.send(JSON.stringify({ id: 'receiveVideoAnswer', userId: 'me', sdpAnswer: 'v=0 answer' }));
          socket.send(linkFailed('me', 'publish'));
        } else if (m.id === 'subscribe') {
          socket.send(JSON.stringify({ id: 'subscribeOffer', userId: 'alice', sdpOffer: 'v=0 offer', requestId: m.requestId }));
          socket.send(linkFailed('alice', 'subscribe'));
        } else held(m, socket, s);
      };
      release();
      await client.join();
      await server.waitFor(() => errors.length >= 2, 'both links given up on', 5_000);
      await new Promise((r) => setTimeout(r, 300));
      // The first negotiation of each link and MAX_LINK_REBUILDS (5) rebuilds, no more.
      expect(sent(server, 'publish')).toHaveLength(6);
      expect(sent(server, 'subscribe')).toHaveLength(6);
      expect(errors).toHaveLength(2);
      expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/publishing/), expect.stringMatching(/receiving alice/)]));
    });
  });

  describe('a media request the server refuses (an error with the request\'s requestId)', () => {
    // Fast back-off for the tests; the default waits seconds.
    const fast = { linkRetry: { baseMs: 5, maxMs: 20 } };
    const refusal = (m: Wire, code: string) => JSON.stringify({ id: 'error', code, message: `the media server failed ${m.id}`, requestId: m.requestId });
    const setUp = async (media: typeof JANUS | typeof KURENTO, answer: (m: Wire, socket: import('ws').WebSocket) => boolean) => {
      const joined = await heldJoin({ media, members: [{ userId: 'alice', audio: true, video: true }] }, fast);
      const errors: string[] = [];
      joined.media.on('media', (event) => {
        if (event.type === 'error') errors.push(event.error.message);
      });
      const held = joined.server.reply;
      joined.server.reply = (m, socket, s) => {
        if (!answer(m, socket)) held(m, socket, s);
      };
      joined.release();
      await joined.client.join();
      return { ...joined, errors };
    };

    it('publish (Kurento processOffer timed out: mediaBackendError): offered again on a new connection (after a jittered back-off), and the answer applied', async () => {
      let refusals = 2;
      const { server, errors } = await setUp(KURENTO, (m, socket) => {
        if (m.id !== 'publish') return false;
        if (refusals-- > 0) socket.send(refusal(m, 'mediaBackendError'));
        else socket.send(JSON.stringify({ id: 'receiveVideoAnswer', userId: 'me', sdpAnswer: 'v=0 answer', requestId: m.requestId }));
        return true;
      });
      await server.waitFor(() => sent(server, 'publish').length === 3, 'the third publish');
      const publishes = sent(server, 'publish');
      // Each carries its own requestId: the refusal names the request it refuses.
      expect(new Set(publishes.map((m) => m.requestId)).size).toBe(3);
      const last = FakePeer.all.find((p) => p.localDescription?.sdp === publishes[2]!.sdpOffer)!;
      await server.waitFor(() => last.remoteDescription !== null, 'the answer applied');
      expect(last.remoteDescription?.sdp).toBe('v=0 answer');
      // The refused connections are closed (the server's end of each is gone).
      expect(FakePeer.all.filter((p) => p.senders.length === 2 && p !== last).every((p) => p.closed)).toBe(true);
      expect(errors).toEqual([]);
    });

    it('publish (Janus did not answer in time: mediaServerUnavailable as a reply): the client stays in the room and offers again', async () => {
      let refused = false;
      const { server, client } = await setUp(JANUS, (m, socket) => {
        if (m.id !== 'publish' || refused) return false;
        refused = true;
        socket.send(JSON.stringify({ id: 'error', code: 'mediaServerUnavailable', message: 'janus did not answer within 10000 ms', details: { timeoutMs: 10_000 }, requestId: m.requestId }));
        return true;
      });
      await server.waitFor(() => sent(server, 'publish').length === 2, 'the second publish');
      // Without a requestId the refusal read as "the room's media was lost": the client left and joined again.
      expect(sent(server, 'joinRoom')).toHaveLength(1);
      expect(client.state).toBe('joined');
    });

    it('publish refused every time: offered again a bounded number of times, then reported', async () => {
      const { server, errors } = await setUp(KURENTO, (m, socket) => {
        if (m.id !== 'publish') return false;
        socket.send(refusal(m, 'mediaBackendError'));
        return true;
      });
      await server.waitFor(() => errors.length === 1, 'the media error', 5_000);
      await new Promise((r) => setTimeout(r, 200));
      // The first offer and MAX_LINK_REBUILDS (5) more, no more.
      expect(sent(server, 'publish')).toHaveLength(6);
      expect(errors[0]).toMatch(/publishing/);
    });

    it('receiveVideoFrom (the client offers to receive): refused, then offered again on a new connection', async () => {
      let refused = false;
      const CLIENT_OFFERED = { ...KURENTO, serverOfferedSubscribe: false };
      const { server, errors } = await setUp(CLIENT_OFFERED, (m, socket) => {
        if (m.id !== 'receiveVideoFrom') return false;
        if (!refused) socket.send(refusal(m, 'mediaBackendError'));
        else socket.send(JSON.stringify({ id: 'receiveVideoAnswer', userId: 'alice', sdpAnswer: 'v=0 alice', requestId: m.requestId }));
        refused = true;
        return true;
      });
      await server.waitFor(() => sent(server, 'receiveVideoFrom').length === 2, 'the second receiveVideoFrom');
      const [first, second] = sent(server, 'receiveVideoFrom');
      expect(second!.userId).toBe('alice');
      expect(second!.sdpOffer).not.toBe(first!.sdpOffer);
      const link = FakePeer.all.find((p) => p.localDescription?.sdp === second!.sdpOffer)!;
      await server.waitFor(() => link.remoteDescription !== null, 'the answer applied');
      expect(FakePeer.all.find((p) => p.localDescription?.sdp === first!.sdpOffer)!.closed).toBe(true);
      expect(errors).toEqual([]);
    });

    it('subscribeAnswer (the server could not start the subscription): the member is subscribed to again', async () => {
      let refused = false;
      const { server, errors } = await setUp(JANUS, (m, socket) => {
        if (m.id === 'subscribe') {
          socket.send(JSON.stringify({ id: 'subscribeOffer', userId: 'alice', sdpOffer: `v=0 offer for ${String(m.requestId)}`, requestId: m.requestId }));
          return true;
        }
        if (m.id !== 'subscribeAnswer' || refused) return false;
        refused = true;
        socket.send(refusal(m, 'mediaBackendError'));
        return true;
      });
      await server.waitFor(() => sent(server, 'subscribeAnswer').length === 2, 'the second subscribeAnswer');
      expect(sent(server, 'subscribe')).toHaveLength(2);
      expect(sent(server, 'subscribeAnswer')[0]!.requestId).toEqual(expect.any(String));
      expect(errors).toEqual([]);
    });
  });

  describe('a reply to a request that was superseded', () => {
    const linkFailed = (userId: string, link: 'publish' | 'subscribe') =>
      JSON.stringify({ id: 'error', code: 'mediaBackendError', message: 'the media server cannot connect this link', details: { roomId: 'r1', userId, link } });

    it('an answer to an earlier publish is not applied to the link that replaced it', async () => {
      const server = await joinedWithAlice(KURENTO);
      await server.waitFor(() => sent(server, 'publish').length === 1, 'publish');
      server.last.send(linkFailed('me', 'publish'));
      await server.waitFor(() => sent(server, 'publish').length === 2, 'the second publish');
      const [first, second] = sent(server, 'publish');
      const link = FakePeer.all.find((p) => p.localDescription?.sdp === second!.sdpOffer)!;
      // The answer to the first offer arrives late, then the one to the second.
      server.last.send(JSON.stringify({ id: 'receiveVideoAnswer', userId: 'me', sdpAnswer: 'v=0 stale', requestId: first!.requestId }));
      server.last.send(JSON.stringify({ id: 'receiveVideoAnswer', userId: 'me', sdpAnswer: 'v=0 current', requestId: second!.requestId }));
      await server.waitFor(() => link.remoteDescription !== null, 'an answer applied');
      await new Promise((r) => setTimeout(r, 50));
      expect(link.calls.filter((c) => c === 'setRemoteDescription:answer')).toHaveLength(1);
      expect(link.remoteDescription?.sdp).toBe('v=0 current');
    });

    it('an offer for an earlier subscribe is not answered on the link that replaced it', async () => {
      const server = await joinedWithAlice(KURENTO);
      await server.waitFor(() => sent(server, 'subscribe').length === 1, 'subscribe');
      server.last.send(linkFailed('alice', 'subscribe'));
      await server.waitFor(() => sent(server, 'subscribe').length === 2, 'the second subscribe');
      const [first, second] = sent(server, 'subscribe');
      server.last.send(JSON.stringify({ id: 'subscribeOffer', userId: 'alice', sdpOffer: 'v=0 stale', requestId: first!.requestId }));
      server.last.send(JSON.stringify({ id: 'subscribeOffer', userId: 'alice', sdpOffer: 'v=0 current', requestId: second!.requestId }));
      await server.waitFor(() => sent(server, 'subscribeAnswer').length >= 1, 'subscribeAnswer');
      await new Promise((r) => setTimeout(r, 50));
      expect(sent(server, 'subscribeAnswer')).toHaveLength(1);
      const link = FakePeer.all.find((p) => p.senders.length === 0 && !p.closed)!;
      expect(link.remoteDescription?.sdp).toBe('v=0 current');
    });
  });
});
