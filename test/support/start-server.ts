import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startNode, type RunningNode } from '../../src/start-node';

/**
 * Starts a real signaling node in this process on an ephemeral loopback port. `env` is read exactly as
 * the process environment would be, so tests exercise the same configuration path as production.
 */
export const startTestServer = async (env: Record<string, string> = {}): Promise<RunningNode> => {
  // LOAD_SHED_LAG_MS off unless a test sets it: this node shares its event loop with the test, whose own
  // synchronous work (a build, a compiler run) would read as the node's overload and refuse its joins.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', LOAD_SHED_LAG_MS: '0', ...env });
  const logger = pino({ level: config.LOG_LEVEL });
  return startNode(config, logger);
};
