import SockJS from 'sockjs-client';
import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import type { RunningNode } from '../../../src/start-node';

jest.setTimeout(20_000);

type Message = Record<string, unknown> & { id: string };

const openSockJs = async (url: string, transports: string[]): Promise<{ sock: WebSocket; inbox: Message[]; next: (id: string) => Promise<Message> }> => {
  const sock = new SockJS(url, undefined, { transports }) as unknown as WebSocket;
  const inbox: Message[] = [];
  const waiters: ((m: Message) => boolean)[] = [];
  sock.onmessage = (event: MessageEvent) => {
    const m = JSON.parse(String(event.data)) as Message;
    const i = waiters.findIndex((w) => w(m));
    if (i >= 0) waiters.splice(i, 1);
    else inbox.push(m);
  };
  await new Promise<void>((resolve, reject) => {
    sock.onopen = () => resolve();
    sock.onerror = () => reject(new Error('sockjs error'));
  });
  const next = (id: string): Promise<Message> => {
    const found = inbox.findIndex((m) => m.id === id);
    if (found >= 0) return Promise.resolve(inbox.splice(found, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${id} over sockjs`)), 5000);
      waiters.push((m) => {
        if (m.id !== id) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      });
    });
  };
  return { sock, inbox, next };
};

describe('SockJS at /rtc, sharing rooms with plain WebSocket clients', () => {
  let node: RunningNode;

  beforeAll(async () => {
    node = await startTestServer();
  });
  afterAll(async () => {
    await node.stop();
  });

  it.each([['websocket'], ['xhr-streaming'], ['xhr-polling']])('joins, relays and leaves over SockJS %s', async (transport) => {
    const room = `c-sockjs-${transport}`;
    const ws = await SignalingClient.connect(node.wsUrl);
    await ws.join({ userId: 'ws-user', roomId: room });
    const sj = await openSockJs(`${node.httpUrl}/rtc`, [transport]);

    sj.sock.send(JSON.stringify({ id: 'joinRoom', userId: 'sj-user', roomId: room, communityId: '1', video: false, audio: true }));
    const joined = await sj.next('existingParticipants');
    expect(joined.members).toEqual([{ userId: 'ws-user', video: true, audio: true }]);
    expect(await ws.next('newParticipantArrived')).toMatchObject({ member: { userId: 'sj-user', video: false } });

    sj.sock.send(JSON.stringify({ id: 'receiveVideoFrom', userId: 'ws-user', sdpOffer: 'v=0 via sockjs' }));
    expect(await ws.next('peerOffer')).toMatchObject({ userId: 'sj-user', sdpOffer: 'v=0 via sockjs' });
    ws.send({ id: 'peerAnswer', userId: 'sj-user', sdpAnswer: 'v=0 back' });
    expect(await sj.next('receiveVideoAnswer')).toEqual({ id: 'receiveVideoAnswer', userId: 'ws-user', sdpAnswer: 'v=0 back' });

    sj.sock.send('not json');
    expect(await sj.next('error')).toMatchObject({ code: 'badJson' });

    sj.sock.close();
    expect(await ws.next('participantLeft', undefined, 10_000)).toEqual({ id: 'participantLeft', userId: 'sj-user' });
    await ws.close();
  });

  it('a stopped node leaves no SockJS session timer holding the process open', async () => {
    // Timers that keep the event loop alive (unref'd ones are not listed).
    const liveTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = liveTimers();
    const own = await startTestServer();
    const sj = await openSockJs(`${own.httpUrl}/rtc`, ['xhr-streaming']);
    sj.sock.send(JSON.stringify({ id: 'joinRoom', userId: 'sj-stop', roomId: 'c-sockjs-stop', communityId: '1', video: false, audio: true }));
    await sj.next('existingParticipants');

    await own.stop();
    sj.sock.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // sockjs keeps a closed streaming session for its disconnect delay (5 s) on a timer; a stopped node
    // must not let that timer hold the process.
    expect(liveTimers()).toBeLessThanOrEqual(before);
  });
});
