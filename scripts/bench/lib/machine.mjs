// What the numbers were measured on: CPU, memory, OS, Node and the versions of the packages under test.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { resolve } from 'node:path';

const packageVersion = (root, name) => {
  try {
    return JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
};

const osName = () => {
  try {
    return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'unknown';
  }
};

const redisVersion = () => {
  try {
    return /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    return 'not installed';
  }
};

export const describeMachine = (root) => {
  const cpu = cpus();
  const own = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
  return {
    cpu: `${cpu[0]?.model ?? 'unknown'} (${cpu.length} cores${cpu[0]?.speed ? `, ${cpu[0].speed} MHz` : ''})`,
    cores: cpu.length,
    ramGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    os: `${osName()}, kernel ${release()}`,
    node: process.version,
    packages: {
      [own.name]: own.version,
      ws: packageVersion(root, 'ws'),
      // ws's native frame unmasking; one node_modules, so our server, PeerJS and the generator all load it.
      bufferutil: packageVersion(root, 'bufferutil'),
      peer: packageVersion(root, 'peer'),
      ioredis: packageVersion(root, 'ioredis'),
      'redis-server': redisVersion(),
    },
    loadAverageAtStart: loadavg().map((v) => Number(v.toFixed(2))),
  };
};
