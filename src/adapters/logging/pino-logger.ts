import pino from 'pino';
import { BoundedLogSink } from './bounded-log-sink';

export interface LoggerSettings {
  readonly level: string;
  /** Put on every line (`node`). */
  readonly nodeId: string;
}

/** `destination` defaults to the bounded stdout sink; tests pass a stream to read what would be logged. */
export const createPinoLogger = (settings: LoggerSettings, destination: pino.DestinationStream): pino.Logger =>
  pino(
    {
      level: settings.level,
      base: { node: settings.nodeId },
      // Tokens and SDPs identify users and networks; they never reach the logs.
      redact: { paths: ['token', '*.token', 'sdpOffer', 'sdpAnswer', '*.sdpOffer', '*.sdpAnswer', 'sdp', '*.sdp'], censor: '[redacted]' },
    },
    destination,
  );

/** The production logger: JSON lines to stdout through a bounded, never-blocking sink. */
export const createStdoutLogger = (settings: LoggerSettings): { readonly logger: pino.Logger; readonly sink: BoundedLogSink } => {
  const sink = new BoundedLogSink(process.stdout);
  const logger = createPinoLogger(settings, sink);
  sink.onRecovered = (dropped) => logger.warn({ dropped }, 'log lines were dropped while the log reader was stalled');
  return { logger, sink };
};
