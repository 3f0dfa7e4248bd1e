import { CoreHarness } from '../../support/fakes';
import { InboundMessage } from '../../../src/protocol';

describe('display names', () => {
  it('a name given with joinRoom reaches the others on arrival and every later joiner in the member list', async () => {
    const core = new CoreHarness();
    await core.join('alice', 'room-1', { displayName: 'Alice Smith' });
    await core.join('u-7f3a', 'room-1', { displayName: 'José' });
    await core.join('carol');

    expect(core.clients.to('conn-alice')).toContainEqual({ type: 'participantJoined', member: { userId: 'u-7f3a', displayName: 'José', audio: true, video: true } });
    const carolJoined = core.clients.to('conn-carol').find((m) => m.type === 'joined');
    expect(carolJoined).toMatchObject({
      others: [
        { userId: 'alice', displayName: 'Alice Smith', audio: true, video: true },
        { userId: 'u-7f3a', displayName: 'José', audio: true, video: true },
      ],
    });
    // Without one, nothing is added: the seed's clients see what they always saw.
    expect(core.clients.to('conn-alice')).toContainEqual({ type: 'participantJoined', member: { userId: 'carol', audio: true, video: true } });
  });

  it('is read like an id: NFC, printable, at most 128 characters', () => {
    const join = (displayName: unknown) => InboundMessage.safeParse({ id: 'joinRoom', userId: 'u1', roomId: 'r', displayName });
    const decomposed = 'Jose\u0301';
    const ok = join(decomposed);
    expect(ok.success && ok.data.id === 'joinRoom' && ok.data.displayName).toBe('José');
    expect(join('Alice Smith').success).toBe(true);
    expect(join('a'.repeat(129)).success).toBe(false);
    expect(join('evil\u202Ename').success).toBe(false);
    expect(join('   ').success).toBe(false);
    expect(join(42).success).toBe(false);
  });
});
