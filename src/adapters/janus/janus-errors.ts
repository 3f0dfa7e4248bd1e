import { SignalingError } from '../../domain';
import { JanusTimeoutError } from './janus-timeout';

/** janode rejects with `Error("<janus code> <reason>")` when Janus or the VideoRoom plugin refuses a request. */
const JANUS_REFUSAL = /^(\d{3}) (.*)$/s;
/** janode's own words when the connection, session or handle went away under a pending request. */
const GONE = /connection closed|unexpected disconnection|session destroyed|handle detached|has been detached|has been destroyed|not been opened|has been closed|websocket/i;

/** VideoRoom's "no such room" (426) and "no such feed" (428), Janus's "no such session/handle" (458/459). */
const ALREADY_GONE = new Set([426, 428, 458, 459]);

/** Whether a failed free failed because the thing is already gone, which is success for the caller. */
export const isAlreadyGone = (error: unknown): boolean => {
  if (error instanceof SignalingError) return ALREADY_GONE.has(Number(error.details?.janusCode));
  const code = error instanceof Error ? JANUS_REFUSAL.exec(error.message)?.[1] : undefined;
  return code !== undefined && ALREADY_GONE.has(Number(code));
};

/**
 * Turns whatever janode reported into the error the client is told: Janus's refusals become
 * `mediaBackendError` with Janus's code; timeouts and failures while the connection is down become
 * `mediaServerUnavailable`.
 */
export const toSignalingError = (operation: string, error: unknown, connectionUp: boolean): SignalingError => {
  if (error instanceof SignalingError) return error;
  if (error instanceof JanusTimeoutError) {
    return new SignalingError('mediaServerUnavailable', `${error.message}; try again`, { timeoutMs: error.timeoutMs });
  }
  const message = error instanceof Error ? error.message : String(error);
  const refusal = JANUS_REFUSAL.exec(message);
  if (refusal) {
    return new SignalingError('mediaBackendError', `Janus refused ${operation}: ${refusal[2] ?? ''} (${refusal[1] ?? ''})`, {
      janusCode: Number(refusal[1]),
    });
  }
  if (!connectionUp || GONE.test(message)) {
    return new SignalingError('mediaServerUnavailable', `Janus ${operation} failed: the media server is unreachable (${message})`);
  }
  return new SignalingError('mediaBackendError', `Janus ${operation} failed: ${message}`);
};
