import { ConfigError, loadConfig, type Config } from './config';
import { createNodeLogger, startNode } from './start-node';

/** How long a stopping node waits for its last log lines to reach a slow log reader. */
const LOG_FLUSH_DEADLINE_MS = 2_000;

/** Process entry: configuration from the environment, graceful stop on SIGTERM/SIGINT, a second signal exits at once. */
const main = async (): Promise<void> => {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { logger, sink } = createNodeLogger(config);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  // State after an uncaught exception cannot be trusted: log it and let the supervisor restart the node.
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    void sink.flush(LOG_FLUSH_DEADLINE_MS).then(() => process.exit(1));
  });
  const node = await startNode(config, logger, { logLinesDropped: () => sink.droppedLines });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    // A stuck log reader delays the exit by the flush deadline at most; what it did not take is lost.
    node.stop().then(
      () => sink.flush(LOG_FLUSH_DEADLINE_MS).then(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        void sink.flush(LOG_FLUSH_DEADLINE_MS).then(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
};

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
