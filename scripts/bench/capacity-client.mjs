// One load-generator process of the capacity benchmark (scripts/bench/capacity.mjs). It owns a set of
// rooms and plays their members as browsers in a full-mesh room would: every frame in its own WebSocket
// write (no corking, random masking keys, as `ws` clients and browsers send). The parent drives it with
// one JSON command per line on stdin and reads one JSON reply per line on stdout:
//
//   {"cmd":"grow","rooms":["r1",...]}  connect and join roomSize members into each new room (no signaling:
//                                      the fill is not what is measured) → {"reply":"grown",...}
//   {"cmd":"churn","joinsPerSecond":r,"seconds":s}
//                                      every 1/r s one member of a random room leaves (its socket closes)
//                                      and a new client joins that room and negotiates with every member;
//                                      members toggle audio once a minute each → {"reply":"churned",...}
//   {"cmd":"stop"}                     closes everything and exits
//
// Full-mesh negotiation of a join into a room of n: the joiner asks each of the n-1 members for its
// media (`receiveVideoFrom` with an SDP offer, relayed to the member as `peerOffer`; the member answers
// with `peerAnswer`), and each member asks the joiner for its media the same way when it hears
// `newParticipantArrived`; each side trickles `candidatesPerLink` candidates on every link it offers or
// answers. 2(n-1) links, each an offer, an answer and 2 × candidatesPerLink candidates.
//
// Join latency is `joinRoom` sent → `existingParticipants` received, on this process's clock. Every
// loop is bounded by count and time; the process exits on its own after `maxLifeMs`.
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { percentile, round } from './lib/stats.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
const { nodes, roomSize, candidatesPerLink = 8, sdpBytes = 5_000, togglesPerMinute = 1, addresses = [] } = config;
const say = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const lifetime = setTimeout(() => {
  process.stderr.write('capacity client: ran past maxLifeMs\n');
  process.exit(3);
}, config.maxLifeMs ?? 3_600_000);

/** A browser-sized SDP (~sdpBytes), JSON-escaped once: every offer and answer reuses it. */
const sdp = (() => {
  const lines = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1'];
  for (let i = 0; lines.join('\r\n').length < sdpBytes; i += 1) lines.push(`a=ssrc:${1_000_000 + i} cname:bench-generator-stream-${i}`);
  return JSON.stringify(`${lines.join('\r\n')}\r\n`);
})();
const candidateJson = (n) =>
  `{"candidate":"candidate:${842163049 + n} 1 udp 1677729535 192.0.2.${n + 1} ${50000 + n} typ srflx raddr 10.0.0.5 rport ${50000 + n} generation 0 network-cost 999","sdpMid":"0","sdpMLineIndex":0}`;
const CANDIDATES = Array.from({ length: candidatesPerLink }, (_, n) => candidateJson(n));
const idJson = (s) => JSON.stringify(s);

let nextUser = 0;
let nextAddress = 0;
let signaling = false;
const stats = { errors: {}, errorSamples: [], answersExpected: 0, answersReceived: 0, candidatesReceived: 0, sent: 0, wrongNode: 0, connectFailures: 0 };

/** One room of this generator: its node (from the lookup) and its members. */
const rooms = new Map();

const countError = (text) => {
  const code = /"code":"([^"]+)"/.exec(text)?.[1] ?? 'unknown';
  stats.errors[code] = (stats.errors[code] ?? 0) + 1;
  if (stats.errorSamples.length < 5) stats.errorSamples.push(text.slice(0, 300));
};

const send = (member, text) => {
  if (member.ws.readyState !== WebSocket.OPEN) return;
  stats.sent += 1;
  member.ws.send(text);
};

/** Ask `publisher` for its media: offer, then our candidates on that link. */
const subscribe = (member, publisher) => {
  const to = idJson(publisher);
  stats.answersExpected += 1;
  send(member, `{"id":"receiveVideoFrom","userId":${to},"sdpOffer":${sdp}}`);
  for (const c of CANDIDATES) send(member, `{"id":"onIceCandidate","userId":${to},"candidate":${c}}`);
};

const onMessage = (member, data) => {
  const text = data.toString();
  if (text.startsWith('{"id":"iceCandidate"') || text.startsWith('{"id":"peerIceCandidate"')) {
    stats.candidatesReceived += 1;
    return;
  }
  if (text.startsWith('{"id":"receiveVideoAnswer"')) {
    stats.answersReceived += 1;
    return;
  }
  if (text.startsWith('{"id":"peerOffer"')) {
    const subscriber = idJson(JSON.parse(text).userId);
    send(member, `{"id":"peerAnswer","userId":${subscriber},"sdpAnswer":${sdp}}`);
    for (const c of CANDIDATES) send(member, `{"id":"peerIceCandidate","userId":${subscriber},"candidate":${c}}`);
    return;
  }
  if (text.startsWith('{"id":"newParticipantArrived"')) {
    if (signaling && member.joined) subscribe(member, JSON.parse(text).member.userId);
    return;
  }
  if (text.startsWith('{"id":"existingParticipants"')) {
    member.joined = true;
    member.onJoined?.(performance.now(), JSON.parse(text).members);
    return;
  }
  if (text.startsWith('{"id":"error"')) {
    if (text.includes('"code":"wrongNode"')) {
      stats.wrongNode += 1;
      member.onWrongNode?.(JSON.parse(text).details?.nodeUrl);
      return;
    }
    countError(text);
    member.onError?.(text);
  }
};

const open = (url) =>
  new Promise((done, fail) => {
    const localAddress = addresses.length ? addresses[nextAddress++ % addresses.length] : undefined;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 20_000, ...(localAddress ? { localAddress } : {}) });
    const timer = setTimeout(() => {
      ws.terminate();
      fail(new Error('connect timeout'));
    }, 25_000);
    ws.once('open', () => {
      clearTimeout(timer);
      ws.removeAllListeners('error');
      ws.on('error', () => undefined);
      done(ws);
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
  });

/** The node a room lives on: asked once per room (`GET /v1/rooms/:id/node`) of any node. */
const locate = async (roomId, index) => {
  const node = nodes[index % nodes.length];
  if (nodes.length === 1) return node.wsUrl;
  const response = await fetch(`${node.httpUrl}/v1/rooms/${encodeURIComponent(roomId)}/node`, { signal: AbortSignal.timeout(10_000) });
  const body = await response.json();
  if (response.status !== 200 || typeof body.url !== 'string') throw new Error(`lookup of ${roomId}: ${response.status}`);
  return body.url;
};

/**
 * Connects a member and joins it; resolves with the join latency (ms) or rejects. With `negotiate`, the
 * joiner then asks every member it found for its media.
 */
const joinMember = async (room, negotiate) => {
  const userId = `u${config.generator}-${nextUser++}`;
  let url = room.url;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const ws = await open(url);
    const member = { userId, ws, joined: false, audio: true, room };
    ws.on('message', (data) => onMessage(member, data));
    const outcome = await new Promise((done) => {
      const timer = setTimeout(() => done({ error: 'no answer to joinRoom within 30 s' }), 30_000);
      member.onJoined = (at, members) => {
        clearTimeout(timer);
        done({ latencyMs: at - sentAt, members });
      };
      member.onWrongNode = (nodeUrl) => {
        clearTimeout(timer);
        done({ moveTo: nodeUrl });
      };
      member.onError = (text) => {
        clearTimeout(timer);
        done({ error: text.slice(0, 200) });
      };
      const sentAt = performance.now();
      ws.send(`{"id":"joinRoom","userId":${idJson(userId)},"roomId":${idJson(room.id)},"communityId":"1","audio":true,"video":true}`);
    });
    member.onJoined = member.onWrongNode = member.onError = undefined;
    if (outcome.moveTo) {
      ws.terminate();
      url = outcome.moveTo;
      room.url = url;
      continue;
    }
    if (outcome.error) {
      ws.terminate();
      throw new Error(outcome.error);
    }
    ws.once('close', () => room.members.delete(member));
    room.members.add(member);
    if (negotiate) for (const other of outcome.members) subscribe(member, other.userId);
    return outcome.latencyMs;
  }
  throw new Error('wrongNode three times');
};

/** Runs `task(i)` for i < count with at most `concurrency` at once, started no faster than `perSecond`. */
const paced = async (count, perSecond, concurrency, task) => {
  const errors = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const due = started + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      try {
        await task(i);
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return errors;
};

const grow = async ({ rooms: ids, joinsPerSecond = 100 }) => {
  signaling = false;
  const started = performance.now();
  const fresh = [];
  for (const [i, id] of ids.entries()) {
    const room = { id, url: await locate(id, rooms.size + i), members: new Set() };
    rooms.set(id, room);
    fresh.push(room);
  }
  const seats = fresh.flatMap((room) => Array.from({ length: roomSize }, () => room));
  // One room's members join one after another (each needs the one before placed); rooms in parallel.
  const errors = await paced(seats.length, joinsPerSecond, 64, (i) => joinMember(seats[i], false));
  return { reply: 'grown', rooms: rooms.size, participants: countParticipants(), errors: errors.length, firstError: errors[0], seconds: round((performance.now() - started) / 1000, 1) };
};

const countParticipants = () => [...rooms.values()].reduce((sum, room) => sum + room.members.size, 0);

const pick = (items) => items[Math.floor(Math.random() * items.length)];

const churn = async ({ joinsPerSecond, seconds }) => {
  signaling = true;
  for (const key of Object.keys(stats)) stats[key] = typeof stats[key] === 'number' ? 0 : Array.isArray(stats[key]) ? [] : {};
  const latencies = [];
  const failures = [];
  const roomList = [...rooms.values()];
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const endAt = started + seconds * 1000;
  const pending = [];
  // Toggles: each member once a minute on average, spread evenly.
  let toggles = 0;
  const toggleTimer = setInterval(() => {
    const due = Math.round((countParticipants() * togglesPerMinute) / 600);
    for (let k = 0; k < due; k += 1) {
      const room = pick(roomList);
      const member = pick([...room.members]);
      if (!member) continue;
      member.audio = !member.audio;
      send(member, `{"id":"audioStateFrom","userId":${idJson(member.userId)},"audio":${member.audio}}`);
      toggles += 1;
    }
  }, 100);
  // Each tick a member of a random room leaves (its tab closes) and a newcomer takes the seat the previous
  // tick freed: joining the very room a member just left races that leave (the joiner would be told of a
  // member that is gone a moment later), which is not the steady state this measures.
  let freed = pick(roomList);
  for (let i = 0; performance.now() < endAt; i += 1) {
    const due = started + (i * 1000) / joinsPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const room = freed;
    freed = pick(roomList);
    const leaving = pick([...freed.members]);
    if (leaving) {
      freed.members.delete(leaving);
      leaving.ws.close();
    }
    pending.push(
      joinMember(room, true).then(
        (ms) => latencies.push(ms),
        (error) => failures.push(error instanceof Error ? error.message : String(error)),
      ),
    );
  }
  clearInterval(toggleTimer);
  await Promise.race([Promise.all(pending), sleep(30_000)]);
  const measuredSeconds = (performance.now() - started) / 1000;
  // Let the last negotiations finish before counting what arrived.
  await sleep(2_000);
  const cpu = process.cpuUsage(cpu0);
  return {
    reply: 'churned',
    joins: latencies.length,
    failures: failures.length,
    firstFailure: failures[0],
    seconds: round(measuredSeconds, 2),
    latenciesMs: latencies.map((ms) => round(ms, 3)),
    p50: round(percentile(latencies, 50), 3),
    p99: round(percentile(latencies, 99), 3),
    toggles,
    participants: countParticipants(),
    generatorCpu: round((cpu.user + cpu.system) / 1e6 / ((performance.now() - started) / 1000), 3),
    ...stats,
  };
};

const stop = async () => {
  for (const room of rooms.values()) for (const member of room.members) member.ws.terminate();
  await sleep(100);
  clearTimeout(lifetime);
  say({ reply: 'stopped' });
  process.exit(0);
};

const commands = { grow, churn, stop };
const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  const command = JSON.parse(line);
  queue = queue.then(async () => {
    try {
      say(await commands[command.cmd](command));
    } catch (error) {
      say({ reply: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
});
lines.on('close', () => void stop());
