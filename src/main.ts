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
    logger.info({ signal, deadlineMs: config.DRAIN_DEADLINE_MS }, 'shutting down');
    // The deadline bounds the whole drain, so an orchestrator's grace period (k8s/) can be set from it: a
    // node still stopping by then exits 1 rather than be killed. The presence flush gets the deadline less
    // a margin for closing what remains after it, logs included.
    const deadlineAt = Date.now() + config.DRAIN_DEADLINE_MS;
    setTimeout(() => {
      logger.error({ deadlineMs: config.DRAIN_DEADLINE_MS }, 'drain did not finish within DRAIN_DEADLINE_MS; exiting');
      process.exit(1);
    }, config.DRAIN_DEADLINE_MS).unref();
    // A stuck log reader delays the exit by what is left of the deadline at most; what it did not take is lost.
    const flushLogs = (): Promise<unknown> => sink.flush(Math.max(0, Math.min(LOG_FLUSH_DEADLINE_MS, deadlineAt - Date.now() - 100)));
    node.stop(config.DRAIN_DEADLINE_MS - Math.min(2_000, Math.floor(config.DRAIN_DEADLINE_MS / 5))).then(
      () => flushLogs().then(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        void flushLogs().then(() => process.exit(1));
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
