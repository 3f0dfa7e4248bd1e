import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startNode, type RunningNode } from '../../src/start-node';

/**
 * Starts a real signaling node in this process on an ephemeral loopback port. `env` is read exactly as
 * the process environment would be, so tests exercise the same configuration path as production.
 */
export const startTestServer = async (env: Record<string, string> = {}): Promise<RunningNode> => {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const logger = pino({ level: config.LOG_LEVEL });
  return startNode(config, logger);
};
