/**
 * The parts of janode (Meetecho's Janus client, shipped without types) that this adapter uses. Shapes
 * follow janode 1.8's sources; anything not listed here is not relied upon.
 */
declare module 'janode' {
  import type { EventEmitter } from 'node:events';

  export interface JanodeJsep {
    type: 'offer' | 'answer';
    sdp: string;
    e2ee?: boolean;
  }

  export interface JanodeTrickleCandidate {
    candidate?: string;
    sdpMid?: string | null;
    sdpMLineIndex?: number | null;
    completed?: boolean;
  }

  export interface JanodeHandle extends EventEmitter {
    readonly id: number;
    detach(): Promise<void>;
    hangup(): Promise<unknown>;
    trickle(candidate: JanodeTrickleCandidate | null): Promise<unknown>;
    trickleComplete(): Promise<unknown>;
  }

  export interface JanodePluginDescriptor<H extends JanodeHandle> {
    readonly id: string;
    readonly Handle: new (...args: never[]) => H;
    readonly EVENT: Readonly<Record<string, string>>;
  }

  export interface JanodeSession extends EventEmitter {
    readonly id: number;
    attach<H extends JanodeHandle>(plugin: JanodePluginDescriptor<H>): Promise<H>;
    destroy(): Promise<void>;
  }

  export interface JanodeConnection extends EventEmitter {
    readonly id: number;
    create(keepaliveSecs?: number): Promise<JanodeSession>;
    getInfo(): Promise<Record<string, unknown>>;
    close(): Promise<void>;
  }

  export interface JanodeServerConfig {
    address: { url: string; apisecret?: string; token?: string } | { url: string; apisecret?: string; token?: string }[];
    retry_time_secs?: number;
    max_retries?: number;
    is_admin?: boolean;
    ws_options?: { handshakeTimeout?: number } & Record<string, unknown>;
  }

  const Janode: {
    connect(config: JanodeServerConfig, key?: string | number | null): Promise<JanodeConnection>;
    readonly Logger: { setLevel(level: 'none' | 'error' | 'warning' | 'info' | 'verbose' | 'debug'): string };
    readonly EVENT: {
      readonly CONNECTION_CLOSED: 'connection_closed';
      readonly CONNECTION_ERROR: 'connection_error';
      readonly SESSION_DESTROYED: 'session_destroyed';
      readonly HANDLE_DETACHED: 'handle_detached';
      readonly HANDLE_ICE_FAILED: 'handle_ice_failed';
      readonly HANDLE_HANGUP: 'handle_hangup';
      readonly HANDLE_MEDIA: 'handle_media';
      readonly HANDLE_WEBRTCUP: 'handle_webrtcup';
      readonly HANDLE_SLOWLINK: 'handle_slowlink';
      readonly HANDLE_TRICKLE: 'handle_trickle';
    };
  };
  export default Janode;
}

declare module 'janode/plugins/videoroom' {
  import type { JanodeHandle, JanodeJsep, JanodePluginDescriptor } from 'janode';

  export interface VideoRoomPublisherJoined {
    room: number;
    feed: number;
    jsep?: JanodeJsep;
  }

  export interface VideoRoomHandle extends JanodeHandle {
    create(options: {
      room?: number;
      description?: string;
      max_publishers?: number;
      permanent?: boolean;
      is_private?: boolean;
      bitrate?: number;
      fir_freq?: number;
      notify_joining?: boolean;
      audiocodec?: string;
      videocodec?: string;
    }): Promise<{ room: number; permanent?: boolean }>;
    destroy(options: { room: number; permanent?: boolean }): Promise<{ room: number }>;
    list(): Promise<{ list: { room: number; max_publishers: number; num_participants: number }[] }>;
    joinConfigurePublisher(options: {
      room: number;
      feed?: number;
      display?: string;
      audio?: boolean;
      video?: boolean;
      jsep: JanodeJsep;
    }): Promise<VideoRoomPublisherJoined>;
    /** With a JSEP offer, a publisher renegotiates; with `restart`, a subscriber gets an ICE-restart offer. */
    configure(options: { audio?: boolean; video?: boolean; jsep?: JanodeJsep; restart?: boolean }): Promise<{ jsep?: JanodeJsep }>;
    joinSubscriber(options: { room: number; feed: number }): Promise<{ room: number; feed: number; jsep?: JanodeJsep }>;
    start(options: { jsep: JanodeJsep }): Promise<{ started: string }>;
    leave(): Promise<unknown>;
  }

  const VideoRoomPlugin: JanodePluginDescriptor<VideoRoomHandle>;
  export default VideoRoomPlugin;
}
