// A CPU quota for one process, through the kernel's CFS bandwidth control (a cgroup per process).
//
// Why: this machine has two cores, so three nodes and their load cannot each have a core of their own,
// and "does capacity scale with nodes" cannot be read from runs where they fight over two. With each node
// held to the same fraction of a core, one node and three nodes can be compared at the same per-node CPU:
// linear scaling means three capped nodes carry three times what one capped node does. taskset cannot
// give a fraction of a core, and nice only orders processes; a quota is the tool that does this.
//
// Both cgroup layouts are handled: v2 (cpu.max) where the unified hierarchy has the cpu controller, else
// v1's cpu controller (cpu.cfs_quota_us / cpu.cfs_period_us). Needs root. Only the v1 path has run (this
// machine mounts v1); the v2 path follows the kernel's documentation and is untried.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The scheduler's period. A throttled process waits for the next period, so a long period (the kernel's
 * default is 100 ms) would add up to (1 - quota) × 100 ms to any request that lands after the quota is
 * spent; 10 ms keeps that wait under 10 ms, close to a process that simply has a slower core.
 */
const PERIOD_US = 10_000;

const hierarchy = () => {
  const v2 = '/sys/fs/cgroup';
  if (existsSync(join(v2, 'cgroup.controllers')) && readFileSync(join(v2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) {
    // A child group has cpu.max only when the parent hands the controller down; inside a container whose
    // processes sit in the root group that cannot be turned on, so say so rather than fail on a write.
    if (!readFileSync(join(v2, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('cpu')) {
      throw new Error(`cgroup v2: the cpu controller is not enabled for child groups (echo +cpu > ${v2}/cgroup.subtree_control)`);
    }
    return { root: v2, version: 2 };
  }
  const v1 = '/sys/fs/cgroup/cpu';
  if (existsSync(join(v1, 'cpu.cfs_quota_us'))) return { root: v1, version: 1 };
  throw new Error('no cgroup cpu controller found (neither v2 cpu.max nor v1 cpu.cfs_quota_us): --node-cpu-quota needs one, and root');
};

/** Reads cpu.stat's throttling counters: periods seen, periods throttled, seconds spent throttled. */
const readThrottling = (dir, version) => {
  const stat = Object.fromEntries(
    readFileSync(join(dir, 'cpu.stat'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .map(([key, value]) => [key, Number(value)]),
  );
  return {
    periods: stat.nr_periods ?? 0,
    throttledPeriods: stat.nr_throttled ?? 0,
    throttledSeconds: version === 2 ? (stat.throttled_usec ?? 0) / 1e6 : (stat.throttled_time ?? 0) / 1e9,
  };
};

/**
 * Holds `pid` (every thread of it, and any child it starts later) to `cores` of CPU time. `remove()`
 * deletes the cgroup once the process has exited (a cgroup with a live task cannot be removed).
 */
export const limitCpu = (pid, cores, name) => {
  // The kernel refuses a quota under 1 ms per period.
  if (!(cores >= 0.1)) throw new Error(`a CPU quota must be at least 0.1 of a core (1 ms per 10 ms period), not ${cores}`);
  const { root, version } = hierarchy();
  const dir = join(root, `bench-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const quotaUs = Math.round(cores * PERIOD_US);
  try {
    if (version === 2) {
      writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
    } else {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
    }
    // cgroup.procs moves the whole thread group: V8's and libuv's threads are held to the quota too.
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  } catch (error) {
    rmdirSync(dir);
    throw error;
  }
  return {
    cores,
    throttling: () => readThrottling(dir, version),
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // still has a task (the process outlived the run): left for the kernel's owner to remove
      }
    },
  };
};
