import type pino from 'pino';
import type { AddressInfo } from 'node:net';
import type { Logger } from './application';
import { buildContainer, Ids, type NodeExtras } from './container';
import { startNodeParts, stopNodeParts } from './composition/lifecycle';
import type { Config } from './config';
import type { BoundedLogSink } from './adapters/logging/bounded-log-sink';
import { createPinoLogger, createStdoutLogger } from './adapters/logging/pino-logger';

export interface RunningNode {
  readonly port: number;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:8080 */
  readonly httpUrl: string;
  /** Plain WebSocket endpoint, e.g. ws://127.0.0.1:8080/rtc/websocket */
  readonly wsUrl: string;
  /** Base URL of the metrics port when METRICS_PORT is set (then /metrics is served there only). */
  readonly metricsUrl?: string;
  readonly config: Config;
  /** Drains and stops the node; resolves when everything is closed. */
  stop(deadlineMs?: number): Promise<void>;
}

/** `destination` defaults to stdout (bounded, never blocking); tests pass a stream to read what would be logged. */
export const createLogger = (config: Pick<Config, 'LOG_LEVEL' | 'nodeId'>, destination?: pino.DestinationStream): pino.Logger =>
  destination === undefined ? createNodeLogger(config).logger : createPinoLogger({ level: config.LOG_LEVEL, nodeId: config.nodeId }, destination);

/** The process's logger and the stdout sink under it (its dropped-line count is a metric; stop flushes it). */
export const createNodeLogger = (config: Pick<Config, 'LOG_LEVEL' | 'nodeId'>): { readonly logger: pino.Logger; readonly sink: BoundedLogSink } =>
  createStdoutLogger({ level: config.LOG_LEVEL, nodeId: config.nodeId });

/** Starts one signaling node: builds the object graph, listens, and returns how to stop it. */
export const startNode = async (config: Config, givenLogger?: Logger, givenExtras: NodeExtras = {}): Promise<RunningNode> => {
  let logger: Logger;
  let extras = givenExtras;
  if (givenLogger === undefined) {
    const made = createNodeLogger(config);
    logger = made.logger;
    extras = { logLinesDropped: () => made.sink.droppedLines, ...givenExtras };
  } else {
    logger = givenLogger;
  }
  const container = buildContainer(config, logger, extras);
  if (config.AUTH === 'none') {
    logger.warn({ auth: 'none' }, 'AUTH=none: user ids are taken from clients unchecked; never expose this node to the internet');
  }
  await startNodeParts(container);
  const front = container.get(Ids.HttpFront);
  const address: AddressInfo = await front.listen(config.PORT, config.HOST);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const metricsFront = container.isBound(Ids.MetricsFront) ? container.get(Ids.MetricsFront) : undefined;
  const metricsEndpoint = container.get(Ids.MetricsEndpoint);
  const metricsAddress = metricsFront ? await metricsFront.listen(metricsEndpoint.port ?? 0, metricsEndpoint.host) : undefined;
  // With PORT=0 the state backend learns only now where clients reach this node (placement hands it out).
  await container.get(Ids.StateBackend).announceListening?.(`ws://${host}:${address.port}/rtc/websocket`);
  logger.info(
    {
      port: address.port,
      host: address.address,
      media: config.MEDIA_BACKEND,
      store: config.STATE_STORE,
      ...(metricsAddress ? { metricsPort: metricsAddress.port } : {}),
    },
    'signaling node listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = (deadlineMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      await stopNodeParts(container, deadlineMs);
      logger.info({}, 'signaling node stopped');
    })();
    return stopping;
  };

  return {
    port: address.port,
    httpUrl: `http://${host}:${address.port}`,
    wsUrl: `ws://${host}:${address.port}/rtc/websocket`,
    ...(metricsAddress ? { metricsUrl: `http://${metricsAddress.family === 'IPv6' ? `[${metricsAddress.address}]` : metricsAddress.address}:${metricsAddress.port}` } : {}),
    config,
    stop,
  };
};
