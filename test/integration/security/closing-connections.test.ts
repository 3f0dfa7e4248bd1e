import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import { clientFrame, rawWebSocket } from './raw-clients';

jest.setTimeout(60_000);

const join = (userId: string, roomId: string, extra: Record<string, unknown> = {}): Buffer =>
  clientFrame(1, JSON.stringify({ id: 'joinRoom', userId, roomId, communityId: '1', audio: true, video: true, ...extra }));

/**
 * Plain WebSocket connections that end badly, played with raw sockets: a member must not stay in a room
 * nobody can reach it in, and no connection may hold the node's shutdown.
 */
describe('plain WebSocket connections that do not close cleanly', () => {
  it.each([false, true])(
    'a connection the server closed (sessionReplaced) has no request served after it, though it never answers the close (resumable %s)',
    async (resumable) => {
      const node = await startTestServer();
      const observer = await SignalingClient.connect(node.wsUrl);
      const other = await SignalingClient.connect(node.wsUrl);
      const { socket, reader } = await rawWebSocket(node.port, '/rtc/websocket', { allowHalfOpen: true });
      try {
        await observer.join({ userId: 'watcher', roomId: 'r2' });
        socket.write(join('u1', 'r1'));
        await reader.text((t) => t.includes('existingParticipants'));
        await other.join({ userId: 'u1', roomId: 'r1' });
        await reader.text((t) => t.includes('sessionReplaced'));
        expect(reader.closeCode()).toBe(4001);
        // The replaced connection never answers the close frame and asks to join another room meanwhile.
        socket.write(join('ghost', 'r2', { resumable }));
        await observer.expectNone('newParticipantArrived', 1_500);
        // The room holds only the watcher: a later join sees nobody else.
        const late = await SignalingClient.connect(node.wsUrl);
        const joined = await late.join({ userId: 'late', roomId: 'r2' });
        expect((joined.members as { userId: string }[]).map((m) => m.userId)).toEqual(['watcher']);
        await late.close();
      } finally {
        socket.destroy();
        await Promise.all([observer.close(), other.close()]);
        await node.stop();
      }
    },
  );

  /**
   * A room of ten senders and one member, `slow`, on a raw socket (plain WebSocket, or SockJS over
   * WebSocket) that stops reading: the senders' offers to it (about each one's mesh SDP burst, ~4.8 MB)
   * stay queued for it, so an end the node queues behind them never leaves. Not cut off yet.
   */
  const memberBehindBacklog = async (roomId: string, transport: 'websocket' | 'sockjs') => {
    // Pings rare enough that liveness does not end the member first.
    const node = await startTestServer({ PING_INTERVAL_MS: '30000' });
    const senders = await Promise.all(Array.from({ length: 10 }, () => SignalingClient.connect(node.wsUrl)));
    for (const [i, sender] of senders.entries()) await sender.join({ userId: `s${i}`, roomId });
    const path = transport === 'websocket' ? '/rtc/websocket' : `/rtc/000/${roomId}/websocket`;
    const { socket, reader } = await rawWebSocket(node.port, path, { allowHalfOpen: true });
    if (transport === 'sockjs') await reader.text((t) => t === 'o');
    const joinText = JSON.stringify({ id: 'joinRoom', userId: 'slow', roomId, communityId: '1', audio: true, video: true });
    socket.write(clientFrame(1, transport === 'websocket' ? joinText : JSON.stringify([joinText])));
    await reader.text((t) => t.includes('existingParticipants'));
    socket.pause();
    const offer = JSON.stringify({ id: 'receiveVideoFrom', userId: 'slow', sdpOffer: `v=0\r\n${'a=x-padding:'.padEnd(59_900, 'x')}\r\n` });
    for (let n = 0; n < 8; n += 1) for (const sender of senders) sender.sendRaw(offer);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(senders[0]!.received.some((m) => m.id === 'participantLeft')).toBe(false);
    let stopped = false;
    return {
      node,
      senders,
      socket,
      /** Stops the node; true when it stopped within 15 s. */
      stop: async (): Promise<boolean> => {
        await Promise.race([node.stop().then(() => (stopped = true)), new Promise((resolve) => setTimeout(resolve, 15_000))]);
        return stopped;
      },
      cleanUp: async (): Promise<void> => {
        socket.destroy();
        await Promise.all(senders.map((s) => s.close().catch(() => undefined)));
        if (!stopped) await node.stop();
      },
    };
  };

  it.each([['websocket'], ['sockjs']] as const)(
    'a member (%s) that half-closes TCP (FIN, no close frame) behind a backlog it never reads leaves within the close grace',
    async (transport) => {
      const fixture = await memberBehindBacklog(`fin-${transport}`, transport);
      try {
        fixture.socket.end();
        // Gone from the room within the close grace (2 s), not two ping intervals (60 s) later.
        expect(await fixture.senders[0]!.next('participantLeft', (m) => m.userId === 'slow', 10_000)).toMatchObject({ userId: 'slow' });
        expect(await fixture.stop()).toBe(true);
      } finally {
        await fixture.cleanUp();
      }
    },
  );

  it('a shutdown that starts while a member is half-closed behind its backlog completes', async () => {
    const fixture = await memberBehindBacklog('fin-stop', 'websocket');
    try {
      fixture.socket.end();
      // The node has seen the FIN (the socket is closing on its side) when the shutdown starts.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await fixture.stop()).toBe(true);
    } finally {
      await fixture.cleanUp();
    }
  });
});
