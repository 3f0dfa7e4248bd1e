import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

type JanusReply = Record<string, unknown> & { janus?: string; transaction?: string };

/**
 * A bare Janus API client over WebSocket, independent of the adapter under test, so that tests ask
 * Janus itself what exists (rooms, participants) instead of trusting the gateway's own bookkeeping.
 */
export class JanusProbe {
  private readonly waiting = new Map<string, (reply: JanusReply) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const reply = JSON.parse(String(data)) as JanusReply;
      // Asynchronous plugin replies arrive as an `ack` first, then an `event` with the same transaction.
      if (reply.janus === 'ack' || typeof reply.transaction !== 'string') return;
      const resolve = this.waiting.get(reply.transaction);
      this.waiting.delete(reply.transaction);
      resolve?.(reply);
    });
  }

  static open(url: string, timeoutMs = 3_000, protocol = 'janus-protocol'): Promise<JanusProbe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocol, { handshakeTimeout: timeoutMs });
      ws.once('open', () => resolve(new JanusProbe(ws)));
      ws.once('error', reject);
    });
  }

  request(body: Record<string, unknown>, timeoutMs = 5_000): Promise<JanusReply> {
    const transaction = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(transaction);
        reject(new Error(`janus did not answer ${String(body.janus)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(transaction, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.ws.send(JSON.stringify({ ...body, transaction }), (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.waiting.delete(transaction);
        reject(error);
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

export interface VideoRoomInfo {
  readonly room: number;
  readonly max_publishers: number;
  readonly num_participants: number;
}

const dataOf = (reply: JanusReply): Record<string, unknown> => {
  const id = (reply.data as { id?: unknown } | undefined)?.id;
  if (reply.janus !== 'success' || typeof id !== 'number') throw new Error(`janus refused: ${JSON.stringify(reply)}`);
  return reply.data as Record<string, unknown>;
};

/** Asks Janus for `info`; resolves when it answers. */
export const janusInfo = async (url: string): Promise<Record<string, unknown>> => {
  const probe = await JanusProbe.open(url);
  try {
    const reply = await probe.request({ janus: 'info' });
    if (reply.janus !== 'server_info') throw new Error(`unexpected info reply ${String(reply.janus)}`);
    return reply;
  } finally {
    probe.close();
  }
};

/** One VideoRoom request through a session and handle of the probe's own, destroyed after. */
export const videoRoomRequest = async (url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
  const probe = await JanusProbe.open(url);
  try {
    const session = dataOf(await probe.request({ janus: 'create' })).id as number;
    const handle = dataOf(await probe.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' })).id as number;
    const reply = await probe.request({ janus: 'message', session_id: session, handle_id: handle, body });
    await probe.request({ janus: 'destroy', session_id: session }).catch(() => undefined);
    const data = (reply.plugindata as { data?: Record<string, unknown> } | undefined)?.data;
    if (!data) throw new Error(`unexpected videoroom reply ${JSON.stringify(reply)}`);
    return data;
  } finally {
    probe.close();
  }
};

/** The VideoRoom `list` request: every room Janus hosts now. */
export const listVideoRooms = async (url: string): Promise<VideoRoomInfo[]> => {
  const data = await videoRoomRequest(url, { request: 'list' });
  if (!Array.isArray(data.list)) throw new Error(`unexpected list reply ${JSON.stringify(data)}`);
  return data.list as VideoRoomInfo[];
};

export interface VideoRoomParticipant {
  readonly id: number;
  readonly display?: string;
  readonly publisher: boolean;
}

/** The VideoRoom `listparticipants` request; [] when the room does not exist. */
export const listParticipants = async (url: string, room: number): Promise<VideoRoomParticipant[]> => {
  const data = await videoRoomRequest(url, { request: 'listparticipants', room });
  return Array.isArray(data.participants) ? (data.participants as VideoRoomParticipant[]) : [];
};

/**
 * Every handle Janus holds, counted over its Admin API (`list_sessions`, then `list_handles` per session):
 * what Janus itself has attached, whatever the gateway believes.
 */
export const countJanusHandles = async (adminUrl: string): Promise<number> => {
  const probe = await JanusProbe.open(adminUrl, 3_000, 'janus-admin-protocol');
  try {
    const sessions = await probe.request({ janus: 'list_sessions' });
    if (sessions.janus !== 'success' || !Array.isArray(sessions.sessions)) throw new Error(`list_sessions: ${JSON.stringify(sessions)}`);
    let count = 0;
    for (const sessionId of sessions.sessions as number[]) {
      const handles = await probe.request({ janus: 'list_handles', session_id: sessionId });
      // A session that ended between the two requests has no handles any more.
      if (handles.janus === 'success' && Array.isArray(handles.handles)) count += handles.handles.length;
    }
    return count;
  } finally {
    probe.close();
  }
};
