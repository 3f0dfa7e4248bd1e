// Starting and watching the processes of a bench run: servers under test and the load generator, each its own
// process on loopback, each with the file-descriptor limit raised as far as this box allows.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Wraps a command so it runs with the open-files limit raised (to 65,536, else to the hard limit). */
export const withFdLimit = (command, args) => [
  '/bin/sh',
  ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', command, ...args],
];

const CLOCK_TICKS = 100; // USER_HZ on Linux; /proc/<pid>/stat counts CPU time in these.

/** CPU seconds (user + system) the process has used so far, from /proc. */
export const cpuSeconds = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};

/** Resident set size in bytes, from /proc (VmRSS). */
export const rssBytes = (pid) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
};

/**
 * Spawns a server and resolves once it prints a JSON line with a numeric `port` and a message containing
 * "listening" (or, given `knownPort`, once GET `readyPath` on it answers 200). The returned `pid` is the server's own (the shell wrapper execs into it).
 */
export const startServer = async ({ name, command = process.execPath, args, env = {}, cwd, startTimeoutMs = 20_000, knownPort, readyPath = '/' }) => {
  const [cmd, wrapped] = withFdLimit(command, args);
  const child = spawn(cmd, wrapped, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const exited = new Promise((done) => child.once('exit', (code, signal) => done(code ?? signal)));
  let announced;
  const announcedPort = new Promise((done) => (announced = done));
  let pending = '';
  // Always drained, so a chatty server never blocks on a full pipe; the first 200 lines are kept for errors.
  const collect = (chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (output.length < 200) output.push(line);
      if (!line.includes('listening')) continue;
      try {
        const record = JSON.parse(line);
        if (typeof record.port === 'number') announced(record.port);
      } catch {
        // not the JSON line we wait for
      }
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let port;
  try {
    // A server told its port (and logging below info) says nothing when it is up: ask it over HTTP instead.
    port =
      knownPort !== undefined
        ? await waitForHttp(`http://127.0.0.1:${knownPort}${readyPath}`, { timeoutMs: startTimeoutMs, exited }).then(() => knownPort)
        : await Promise.race([
            announcedPort,
            exited.then((code) => Promise.reject(new Error(`exited (${code}) before listening`))),
            new Promise((_, fail) => setTimeout(() => fail(new Error(`did not start within ${startTimeoutMs} ms`)), startTimeoutMs).unref()),
          ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}\n${output.join('\n')}`);
  }
  return {
    name,
    pid: child.pid,
    port,
    output,
    exited,
    /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
    stop: async (graceMs = 5_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
};

/**
 * Runs the load generator (scripts/bench/load-client.mjs) as its own process with one scenario and resolves
 * with the JSON result it prints last. Progress lines ({"phase": ...}) go to `onPhase(record, child)`, which
 * may write to the generator's stdin (the idle scenario waits for "release"). Killed if it overruns `timeoutMs`.
 */
export const runLoad = (loadScript, scenario, { cwd, timeoutMs, onPhase }) =>
  new Promise((done, fail) => {
    const [cmd, wrapped] = withFdLimit(process.execPath, [loadScript, JSON.stringify({ ...scenario, timeoutMs })]);
    const child = spawn(cmd, wrapped, { cwd, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => undefined);
    let stdout = '';
    let stderr = '';
    let pending = '';
    let phaseWork = Promise.resolve();
    child.stdout.on('data', (c) => {
      const text = c.toString('utf8');
      stdout += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{"phase"')) continue;
        const record = JSON.parse(line);
        phaseWork = phaseWork.then(() => onPhase?.(record, child)).catch((error) => {
          stderr += `phase handler failed: ${error instanceof Error ? error.message : String(error)}\n`;
          child.kill('SIGKILL');
        });
      }
    });
    child.stderr.on('data', (c) => (stderr += c.toString('utf8')));
    // The generator bounds itself by timeoutMs; this is the backstop if it hangs anyway.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        const result = JSON.parse(last);
        if (code === 0 && result && typeof result === 'object' && !('phase' in result)) return done(result);
      } catch {
        // fall through to the failure below
      }
      fail(new Error(`load generator (${scenario.kind}) failed: exit ${code ?? signal}\n${stderr.slice(-3000)}${stdout.slice(-1000)}`));
    });
  });

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that only log their port at info level). */
export const freePort = () =>
  new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });

/** Resolves once GET url answers 200, polling every 50 ms; rejects after `timeoutMs` or if `exited` settles first. */
export const waitForHttp = async (url, { timeoutMs = 20_000, exited } = {}) => {
  let gone = false;
  void exited?.then(() => (gone = true));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !gone) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(gone ? `server exited before ${url} answered` : `${url} did not answer 200 within ${timeoutMs} ms`);
};
