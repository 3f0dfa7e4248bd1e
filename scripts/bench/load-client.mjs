// The load generator: its own process, one scenario per run, given as JSON in argv[2]. It prints progress
// lines ({"phase": ...}) and, last, one JSON line with the result. Every loop is bounded by a count and the
// whole run by `scenario.timeoutMs`.
//
// Scenarios:
//   relay — `pairs` pairs of clients (one room for our server); each client trickles ICE candidates to its
//           partner. mode 'saturate': each client keeps `window` candidates in flight (closed loop), so the
//           server runs flat out without unbounded queues; result: relayed messages/s. mode 'rate': each client
//           sends `ratePerClient` per second; result: one-way latency percentiles (send → partner receives).
//   join  — `clients` connect, then join `rooms` rooms: all at once (ratePerSecond unset) or paced; result:
//           joins/s and join latency (joinRoom sent → existingParticipants received).
//   idle  — `clients` connect and stay idle until the parent writes "release" on stdin (or holdMaxMs).
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { DIALECTS, readStamp } from './lib/dialects.mjs';
import { cpuSeconds } from './lib/processes.mjs';
import { percentile, round } from './lib/stats.mjs';

const scenario = JSON.parse(process.argv[2] ?? '{}');
const dialect = DIALECTS[scenario.dialect ?? 'ours'];
if (!dialect) throw new Error(`unknown dialect ${scenario.dialect}`);

const hardStop = setTimeout(() => {
  process.stderr.write(`load generator: scenario ${scenario.kind} overran ${scenario.timeoutMs} ms\n`);
  process.exit(3);
}, scenario.timeoutMs ?? 60_000);

const say = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const addresses = scenario.localAddresses?.length ? scenario.localAddresses : [undefined];
const zeroMask = (mask) => mask.fill(0);

/**
 * Opens a client (optionally from a given loopback source address, for per-address limits) and waits until
 * the server says it may relay: joined / OPEN / at once. The listener is on before the socket opens: a
 * server may send its greeting in the same TCP segment as the handshake.
 */
// In the realistic mode (perFrameWrites) ws draws a random masking key per frame, as browsers do.
const openReady = (url, hello, localAddress, readyOnOpen) =>
  new Promise((done, fail) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: 15_000,
      // An all-zero masking key: ws then skips XOR-ing the payload on the generator's side. Every server
      // still unmasks as usual, so this only takes work off the load generator (the same for all servers).
      ...(scenario.perFrameWrites ? {} : { generateMask: zeroMask }),
      ...(localAddress ? { localAddress } : {}),
    });
    const timer = setTimeout(() => {
      ws.terminate();
      fail(new Error(`${url}: not ready within 20 s`));
    }, 20_000);
    const finish = (error) => {
      clearTimeout(timer);
      ws.removeListener('message', onMessage);
      if (error) {
        ws.terminate();
        fail(error);
      } else done(ws);
    };
    const onMessage = (data) => {
      let message;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (dialect.isReady(message)) finish();
      else if (dialect.isFailure(message)) finish(new Error(`refused: ${JSON.stringify(message).slice(0, 300)}`));
    };
    ws.on('message', onMessage);
    ws.once('error', (error) => finish(error));
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.on('error', () => undefined);
      if (readyOnOpen) finish();
      else if (hello) ws.send(hello);
    });
  });
const openClient = (user, room, localAddress) =>
  openReady(dialect.url(scenario.base, user, room), dialect.hello(user, room), localAddress, dialect.readyOnOpen === true);
/** A bare connection to our server's WebSocket endpoint, not yet in a room. */
const openPlain = (localAddress) => openReady(DIALECTS.ours.url(scenario.base), undefined, localAddress, true);

/** Runs `count` tasks with at most `concurrency` at once; resolves with [results, errors]. */
const pool = async (count, concurrency, task) => {
  const results = new Array(count);
  const errors = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        results[i] = await task(i);
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return [results, errors];
};

const cpuOf = (pid) => {
  try {
    return pid ? cpuSeconds(pid) : NaN;
  } catch {
    return NaN;
  }
};
const ownCpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const closeAll = async (sockets) => {
  for (const ws of sockets) if (ws) ws.terminate();
  await sleep(50);
};

// ---------------------------------------------------------------------------------------------- relay

/** Waits for the parent's "go" on stdin (several generator processes start their window together). */
const waitForGo = () =>
  new Promise((done) => {
    say({ phase: 'ready' });
    const onData = (chunk) => {
      if (!chunk.toString().includes('go')) return;
      process.stdin.off('data', onData);
      process.stdin.pause();
      done();
    };
    process.stdin.on('data', onData);
  });

const relay = async () => {
  const { pairs, room = 'bench-relay', mode, warmupMs, durationMs, userPrefix = 'u' } = scenario;
  // perFrame: every frame in its own write, random masking keys, each reply sent the moment its trigger
  // arrives — what a browser trickling candidates does (the realistic mode). Otherwise replies are
  // batched per client per event-loop turn in one corked write, with an all-zero mask (the batched mode).
  const perFrame = scenario.perFrameWrites === true;
  const users = Array.from({ length: pairs * 2 }, (_, i) => `${userPrefix}${i}`);
  const partnerOf = (i) => (i % 2 === 0 ? i + 1 : i - 1);
  // Joined one after another: the room then holds everyone before the first candidate flows.
  const [sockets, errors] = await pool(users.length, 1, (i) => openClient(users[i], room, addresses[i % addresses.length]));
  if (errors.length) throw new Error(`relay: ${errors.length} clients failed to connect: ${errors[0]}`);
  await sleep(200); // let the join notifications settle
  if (scenario.waitForGo) await waitForGo();

  let measuring = false;
  let sending = true;
  let relayed = 0;
  let errorsSeen = 0;
  const errorSamples = [];
  const latencies = [];
  const inFlight = new Int32Array(users.length);
  // At saturation no latency is read, so each client's frame is encoded once (stamp 0, same length as a
  // real stamp): the generator then spends its core on sending and receiving, not on JSON.stringify.
  const fixedFrames = users.map((user, i) => dialect.candidate(user, users[partnerOf(i)], 0));
  const sendOne = (i) => {
    inFlight[i] += 1;
    sockets[i].send(mode === 'saturate' ? fixedFrames[i] : dialect.candidate(users[i], users[partnerOf(i)], performance.now()));
  };
  // Saturation replies are batched: every candidate owed by a client leaves in one corked write after
  // the loop has read all it can (setImmediate), as a busy real client's event loop would send them. One
  // write per frame made the generator, not the server, the bottleneck of the closed loop.
  const owed = new Int32Array(users.length);
  let flushQueued = false;
  const sendOwed = () => {
    flushQueued = false;
    for (let i = 0; i < owed.length; i++) {
      const count = owed[i];
      if (count === 0) continue;
      owed[i] = 0;
      sendBatch(i, count);
    }
  };
  const sendBatch = (i, count) => {
    const socket = sockets[i]._socket;
    socket.cork();
    for (let k = 0; k < count; k++) sendOne(i);
    socket.uncork();
  };
  const owe = (i) => {
    owed[i] += 1;
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(sendOwed);
    }
  };
  sockets.forEach((ws, receiver) => {
    const sender = partnerOf(receiver);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (!dialect.isRelayed(text)) {
        if (text.includes('"error"') || text.includes('"ERROR"')) {
          errorsSeen += 1;
          if (errorSamples.length < 3) errorSamples.push(text.slice(0, 300));
        }
        return;
      }
      inFlight[sender] -= 1;
      if (measuring) {
        relayed += 1;
        if (mode === 'rate') latencies.push(performance.now() - readStamp(text));
      }
      if (mode === 'saturate' && sending) {
        if (perFrame) sendOne(sender);
        else owe(sender);
      }
    });
  });

  const started = performance.now();
  let ticker;
  if (mode === 'saturate') {
    for (let i = 0; i < users.length; i++) {
      if (perFrame) for (let k = 0; k < scenario.window; k++) sendOne(i);
      else sendBatch(i, scenario.window);
    }
  } else {
    // Paced: every tick each client sends what its schedule says is due by now, so timer jitter
    // delays messages a little but never changes the rate.
    const sent = new Float64Array(users.length);
    ticker = setInterval(() => {
      if (!sending) return;
      const due = ((performance.now() - started) / 1000) * scenario.ratePerClient;
      for (let i = 0; i < users.length; i++) {
        while (sent[i] < due) {
          sent[i] += 1;
          sendOne(i);
        }
      }
    }, 2);
  }

  await sleep(warmupMs);
  measuring = true;
  const cpu0 = { server: cpuOf(scenario.serverPid), generator: ownCpu(), at: performance.now() };
  await sleep(durationMs);
  measuring = false;
  const cpu1 = { server: cpuOf(scenario.serverPid), generator: ownCpu(), at: performance.now() };
  sending = false;
  if (ticker) clearInterval(ticker);
  // Drain: wait (bounded) until what is in flight has arrived, so the server is idle for the next run.
  const drainUntil = performance.now() + 5_000;
  while (inFlight.some((n) => n > 0) && performance.now() < drainUntil) await sleep(20);
  const lost = inFlight.reduce((a, n) => a + Math.max(0, n), 0);
  await closeAll(sockets);

  const seconds = (cpu1.at - cpu0.at) / 1000;
  const serverCpu = cpu1.server - cpu0.server;
  return {
    kind: 'relay',
    dialect: scenario.dialect,
    mode,
    clients: users.length,
    seconds: round(seconds, 3),
    relayed,
    messagesPerSecond: round(relayed / seconds, 0),
    latencyMs:
      mode === 'rate'
        ? { p50: round(percentile(latencies, 50), 3), p99: round(percentile(latencies, 99), 3), max: round(percentile(latencies, 100), 3) }
        : undefined,
    serverCpuShare: round(serverCpu / seconds, 3),
    generatorCpuShare: round((cpu1.generator - cpu0.generator) / seconds, 3),
    serverCpuMicrosPerMessage: relayed > 0 ? round((serverCpu * 1e6) / relayed, 2) : NaN,
    errors: errorsSeen,
    errorSamples,
    notArrived: lost,
  };
};

// ----------------------------------------------------------------------------------------------- join

/**
 * Joins `count` throwaway clients into rooms of their own (at the measured pace, or all at once), waits
 * for every answer, closes them and lets the server settle, so the measured storm does not pay for JIT
 * compilation, first Redis script loads and connection pools filling: the cold start is a separate
 * question from the steady join latency this benchmark reports.
 */
const warmUpJoins = async (dialect, count, ratePerSecond) => {
  if (count <= 0) return;
  const [sockets, errors] = await pool(count, 50, (i) => openPlain(addresses[i % addresses.length]));
  if (errors.length) throw new Error(`join warm-up: ${errors.length} clients failed to connect: ${errors[0]}`);
  let answered = 0;
  const done = new Promise((resolve) => {
    for (const ws of sockets) {
      ws.on('message', (data) => {
        const text = data.toString();
        if (text.startsWith('{"id":"existingParticipants"') || text.startsWith('{"id":"error"')) {
          answered += 1;
          if (answered === count) resolve();
        }
      });
    }
  });
  const gapMs = ratePerSecond ? 1000 / ratePerSecond : 0;
  for (let i = 0; i < count; i++) {
    sockets[i].send(dialect.hello(`warm${i}`, `warm-room${i % 10}`));
    if (gapMs > 0) await sleep(gapMs);
  }
  await Promise.race([done, sleep(10_000)]);
  await closeAll(sockets);
  await sleep(500);
};

const join = async () => {
  const { clients, rooms, ratePerSecond } = scenario;
  const ours = DIALECTS.ours;
  const [sockets, connectErrors] = await pool(clients, scenario.connectConcurrency ?? 100, (i) =>
    openPlain(addresses[i % addresses.length]),
  );
  if (connectErrors.length) throw new Error(`join: ${connectErrors.length} clients failed to connect: ${connectErrors[0]}`);
  say({ phase: 'connected', clients });
  await warmUpJoins(ours, scenario.warmupJoins ?? 0, ratePerSecond);

  const sentAt = new Float64Array(clients);
  const latencies = [];
  const failures = {};
  let answered = 0;
  let lastAnswer = 0;
  let allAnswered;
  const done = new Promise((resolve) => (allAnswered = resolve));
  sockets.forEach((ws, i) => {
    ws.on('message', (data) => {
      const text = data.toString();
      // Only the joiner's own reply matters; newParticipantArrived for the others is ignored unparsed.
      if (text.startsWith('{"id":"newParticipantArrived"')) return;
      let message;
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      if (message.id !== 'existingParticipants' && message.id !== 'error') return;
      if (message.id === 'error') failures[message.code] = (failures[message.code] ?? 0) + 1;
      else latencies.push(performance.now() - sentAt[i]);
      answered += 1;
      lastAnswer = performance.now();
      if (answered === clients) allAnswered();
    });
  });
  const frame = (i) => ours.hello(`j${i}`, `room${i % rooms}`);
  const cpu0 = { server: cpuOf(scenario.serverPid) };
  const started = performance.now();
  if (!ratePerSecond) {
    for (let i = 0; i < clients; i++) {
      sentAt[i] = performance.now();
      sockets[i].send(frame(i));
    }
  } else {
    let next = 0;
    await new Promise((finished) => {
      const ticker = setInterval(() => {
        const due = Math.min(clients, Math.floor(((performance.now() - started) / 1000) * ratePerSecond) + 1);
        for (; next < due; next++) {
          sentAt[next] = performance.now();
          sockets[next].send(frame(next));
        }
        if (next >= clients) {
          clearInterval(ticker);
          finished();
        }
      }, 1);
    });
  }
  await Promise.race([done, sleep(scenario.answerTimeoutMs ?? 30_000)]);
  const seconds = (lastAnswer - started) / 1000;
  const serverCpu = cpuOf(scenario.serverPid) - cpu0.server;
  await closeAll(sockets);
  return {
    kind: 'join',
    clients,
    rooms,
    ratePerSecond: ratePerSecond ?? null,
    joined: latencies.length,
    failures,
    unanswered: clients - answered,
    seconds: round(seconds, 3),
    joinsPerSecond: round(latencies.length / seconds, 0),
    latencyMs: { p50: round(percentile(latencies, 50), 3), p99: round(percentile(latencies, 99), 3), max: round(percentile(latencies, 100), 3) },
    serverCpuShare: round(serverCpu / seconds, 3),
  };
};

// ----------------------------------------------------------------------------------------------- idle

const idle = async () => {
  const { clients } = scenario;
  const started = performance.now();
  const [sockets, errors] = await pool(clients, scenario.connectConcurrency ?? 200, (i) =>
    // Connected is the idle state: our clients and bare ones are not in a room; PeerJS ones are registered (OPEN).
    scenario.dialect === 'ours' ? openPlain(addresses[i % addresses.length]) : openClient(`i${i}`, 'idle', addresses[i % addresses.length]),
  );
  const connected = sockets.filter(Boolean).length;
  say({ phase: 'connected', connected, failed: errors.length, firstError: errors[0], seconds: round((performance.now() - started) / 1000, 3) });
  // Hold until the parent has measured the server (it writes "release"), bounded by holdMaxMs.
  await new Promise((done) => {
    const timer = setTimeout(done, scenario.holdMaxMs ?? 30_000);
    process.stdin.on('data', (chunk) => {
      if (chunk.toString().includes('release')) {
        clearTimeout(timer);
        done();
      }
    });
  });
  const stillOpen = sockets.filter((ws) => ws && ws.readyState === WebSocket.OPEN).length;
  await closeAll(sockets);
  process.stdin.destroy();
  return { kind: 'idle', dialect: scenario.dialect, clients, connected, stillOpen, failed: errors.length, firstError: errors[0] };
};

const scenarios = { relay, join, idle };
scenarios[scenario.kind]().then(
  (result) => {
    clearTimeout(hardStop);
    say(result);
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`load generator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
