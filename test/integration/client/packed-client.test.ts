import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startTestServer } from '../../support/start-server';
import type { RunningNode } from '../../../src/start-node';

jest.setTimeout(120_000);

const root = resolve(__dirname, '..', '..', '..');
const work = resolve(root, '.tmp', `packed-client-${process.pid}`);
const run = (command: string, args: string[], cwd: string): string => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * The client as an app gets it: packed (`npm pack`), installed with `ws` into an empty ESM project,
 * typechecked from its declarations, and run in Node against a real node.
 */
describe('the packed client package', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestServer({});
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
  });
  afterAll(async () => {
    await node?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('installs, typechecks against its declarations, and joins a room from Node with ws', async () => {
    const built = run(process.execPath, ['build.mjs'], resolve(root, 'packages', 'client'));
    expect(built).toMatch(/bytes minified, \d+ bytes gzipped/);
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], resolve(root, 'packages', 'client')).trim().split('\n').pop()!;
    writeFileSync(resolve(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`, 'ws@8'], work);

    writeFileSync(
      resolve(work, 'app.ts'),
      `import WebSocket from 'ws';
import { RoomClient, SignalingError, type Member, type ServerMessageOf } from '@rtc-signaling/client';
const client = new RoomClient({ url: process.argv[2]!, roomId: 'packed', userId: 'node-app', displayName: 'Node app', WebSocket });
const joined: ServerMessageOf<'existingParticipants'> = await client.join();
const members: readonly Member[] = client.members;
const refusal: SignalingError | undefined = undefined;
console.log(JSON.stringify({ state: client.state, backend: joined.media.backend, members, refusal }));
await client.leave();
`,
    );
    writeFileSync(
      resolve(work, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2022', 'DOM'], types: [] }, files: ['app.ts'] }),
    );
    // Typecheck the app with the repository's compiler, against the installed package's declarations only.
    run(process.execPath, [resolve(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], work);

    writeFileSync(resolve(work, 'app.mjs'), run(process.execPath, [resolve(root, 'node_modules', 'esbuild', 'bin', 'esbuild'), 'app.ts', '--format=esm', '--platform=node'], work));
    const output = await new Promise<string>((done, fail) => {
      execFile(process.execPath, ['app.mjs', node.wsUrl], { cwd: work }, (error, stdout, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done(stdout)));
    });
    expect(JSON.parse(output)).toEqual({ state: 'joined', backend: 'mesh', members: [] });
  });
});
