import { startJanus, type JanusFixture } from '../../support/janus-fixture';
import { janusInfo } from '../../support/janus/janus-probe';
import { listeningSockets } from '../../support/janus/listening-sockets';

jest.setTimeout(60_000);

describe('janus fixture', () => {
  let janus: JanusFixture;
  beforeAll(async () => {
    janus = await startJanus();
  });
  afterAll(async () => {
    await janus?.stop();
  });

  it('runs only the WebSocket transport and the VideoRoom plugin, with no preconfigured rooms', async () => {
    const info = (await janusInfo(janus.url)) as { transports: Record<string, unknown>; plugins: Record<string, unknown>; events: Record<string, unknown> };
    expect(Object.keys(info.transports)).toEqual(['janus.transport.websockets']);
    expect(Object.keys(info.plugins)).toEqual(['janus.plugin.videoroom']);
    expect(Object.keys(info.events ?? {})).toEqual([]);
    expect(await janus.listRooms()).toEqual([]);
  });

  it('listens on nothing but its WebSocket port on 127.0.0.1', () => {
    expect(listeningSockets(janus.pid()!)).toEqual([{ protocol: 'tcp', address: '127.0.0.1', port: janus.port }]);
  });

  it('comes back on the same port after being killed', async () => {
    await janus.kill();
    expect(janus.isRunning()).toBe(false);
    await expect(janusInfo(janus.url)).rejects.toThrow();
    await janus.restart();
    expect((await janusInfo(janus.url)).janus).toBe('server_info');
  });
});
