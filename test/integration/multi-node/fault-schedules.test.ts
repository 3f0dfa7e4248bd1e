import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { oneRedis, redisCluster } from '../../support/multi-node/fault-lab';
import { faultStep, FaultWorld, type ScheduleFigures } from '../../support/multi-node/fault-world';

/**
 * Randomized fault schedules over three signaling node processes (fast-check model-based commands, run by
 * fc.asyncModelRun):
 * joins, leaves, drops and media toggles of five users in two rooms of capacity 3, mixed with a node
 * SIGKILLed and restarted, a node or Redis paused shorter or longer than the heartbeat expiry, and Redis
 * restarted empty. After every step: never two nodes serving a room nor more members served than it holds
 * (at every sample), and, once settled, Redis, the serving node and presence (by the receiver rule of
 * docs/presence.md) agree with what the clients believe, and every key expires.
 *
 * `npm test` runs a few schedules; `npm run faults` runs many more (FAULT_SCHEDULES, FAULT_TARGET) and
 * writes the figures to .tmp/fault-schedules.json for docs/multi-node.md.
 */
const schedules = Number(process.env.FAULT_SCHEDULES ?? 2);
const maxSteps = Number(process.env.FAULT_STEPS ?? 8);
const onCluster = process.env.FAULT_TARGET === 'cluster';
const seed = process.env.FAULT_SEED === undefined ? undefined : Number(process.env.FAULT_SEED);

jest.setTimeout(Math.max(300_000, schedules * maxSteps * 25_000));

describe(`randomized fault schedules on ${onCluster ? 'a 3-master Redis Cluster' : 'one Redis'}`, () => {
  it(`${schedules} schedules of up to ${maxSteps} steps keep one host per room, capacity, and Redis and presence true to the clients`, async () => {
    const totals: ScheduleFigures & { schedules: number; violations: number; seconds: number } = {
      schedules: 0,
      steps: 0,
      joins: 0,
      refusedJoins: 0,
      movedClients: 0,
      checks: 0,
      violations: 0,
      seconds: 0,
    };
    const started = Date.now();
    let failure: unknown;
    try {
      await fc.assert(
        // Every schedule has its full length: fc.commands starts with tiny ones, and a node process
        // costs seconds to start, so each schedule should exercise many steps.
        fc.asyncProperty(fc.array(faultStep({ redisRestart: !onCluster }), { minLength: maxSteps, maxLength: maxSteps }), async (cmds) => {
          const world = await FaultWorld.start(onCluster ? await redisCluster() : await oneRedis());
          try {
            await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
          } finally {
            totals.schedules += 1;
            for (const key of ['steps', 'joins', 'refusedJoins', 'movedClients', 'checks'] as const) totals[key] += world.figures[key];
            await world.stop();
          }
        }),
        // A failing schedule is reported as it is: shrinking it would rerun minutes of node processes.
        { numRuns: schedules, endOnFailure: true, ...(seed !== undefined ? { seed } : {}) },
      );
    } catch (error) {
      failure = error;
      totals.violations += 1;
    }
    totals.seconds = Math.round((Date.now() - started) / 1000);
    const out = resolve(__dirname, '..', '..', '..', '.tmp');
    mkdirSync(out, { recursive: true });
    writeFileSync(resolve(out, 'fault-schedules.json'), JSON.stringify({ target: onCluster ? 'cluster' : 'redis', maxSteps, ...totals }, null, 2));
    process.stderr.write(`[fault-schedules] ${JSON.stringify(totals)}\n`);
    if (failure) throw failure;
    expect(totals.schedules).toBe(schedules);
    expect(totals.steps).toBeGreaterThan(0);
  });
});
