import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { TrustedProxies } from '../adapters/http/trusted-proxies';
import { ConnectionGuard } from '../adapters/websocket/connection-guard';
import { IpConnectionLimiter } from '../adapters/websocket/ip-connection-limiter';
import { AddressRateLimiter } from '../adapters/http/address-rate-limiter';
import { LoopLoadGauge } from '../adapters/websocket/loop-load-gauge';
import { OriginPolicy } from '../adapters/websocket/origin-policy';
import { MAX_ICE_CANDIDATES_PER_LINK } from '../adapters/websocket/ice-candidate-budget';
import { burstForRoomOf, DEFAULT_SESSION_LIMITS, type SessionLimits } from '../adapters/websocket/session-limits';
import { ConfigError, readEnv, whole } from '../adapters/shared/settings';
import { DEFAULT_IPV6_LIMIT_PREFIX, limitKeyOf, type LimitKeyOf } from '../adapters/shared/client-address';
import type { Config } from '../config';

/**
 * The abuse limits of a node. MAX_MESSAGE_BYTES, MAX_QUEUED_MESSAGES, PING_INTERVAL_MS, ROOM_CAPACITY
 * and MAX_ROOMS_PER_NODE live in src/config.ts; these are the rest. Defaults suit browsers in video
 * rooms: a browser sends a few dozen messages when it joins, then a handful per minute.
 */
const LimitsEnv = z.object({
  /** Comma-separated origins (`https://app.example.com`, `https://*.example.com`, `null`); unset or `*` allows all. */
  ALLOWED_ORIGINS: z.string().optional(),
  MAX_CONNECTIONS_PER_IP: whole(1).default(50),
  /**
   * An address whose connection was thrown out for flooding may not connect again for this long. Off by
   * default: every client behind one NAT or proxy address (without TRUST_PROXY) would be refused with it.
   */
  FLOOD_COOLDOWN_MS: whole(0, 3_600_000).default(0),
  MESSAGES_PER_SECOND: whole(1).default(50),
  MESSAGE_BURST: whole(1).optional(),
  RATE_LIMIT_STRIKES: whole(1).default(50),
  JOINS_PER_MINUTE: whole(1).default(20),
  ICE_CANDIDATES_PER_LINK: whole(1, MAX_ICE_CANDIDATES_PER_LINK).default(200),
  /** Time a client has to send its complete request headers (slowloris). */
  HTTP_HEADERS_TIMEOUT_MS: whole(1000, 600_000).default(10_000),
  /** Time a client has to send a complete request, body included. */
  HTTP_REQUEST_TIMEOUT_MS: whole(1000, 3_600_000).default(30_000),
  /** HTTP requests one client address may have in flight (SockJS polls, streams and sends included). */
  MAX_HTTP_REQUESTS_PER_IP: whole(1).default(100),
  // A lookup books its room on a node for a heartbeat, counted there as load (an average room's
  // participants): unbounded, one client could steer where real rooms go. A burst of 60 lets an office
  // behind one address (MAX_CONNECTIONS_PER_IP is 50) look up its rooms together.
  ROOM_LOOKUPS_PER_MINUTE: whole(1).default(120),
  /**
   * Bytes that may wait for one client before it is cut off (`error slowConsumer`, close 4008). 2 MiB: a
   * newcomer to a full room (25) is sent up to 24 offers of at most 60,000 characters (1.44 MB) plus
   * their candidates, and that burst must fit even if the network took none of it yet.
   */
  MAX_SEND_BACKLOG_BYTES: whole(64 * 1024).default(2 * 1024 * 1024),
  /**
   * Bytes of a client's messages that may wait for their turn (behind a slow media call, say) before it is
   * cut off as flooding. A newcomer's whole negotiation with a full room is a few hundred KiB.
   */
  MAX_QUEUED_BYTES: whole(64 * 1024).default(DEFAULT_SESSION_LIMITS.maxQueuedBytes),
  /** Comma-separated CIDRs or addresses of reverse proxies whose X-Forwarded-For is believed. */
  TRUST_PROXY: z.string().optional(),
  /**
   * Every per-address limit counts an IPv6 client by this many leading bits of its address: a site gets
   * a /48 to /64 (RFC 6177) and may send from any address in it, so per full address (128) one client is
   * 2^64 clients. Under 32 would lump whole providers together.
   */
  IPV6_LIMIT_PREFIX: whole(32, 128).default(DEFAULT_IPV6_LIMIT_PREFIX),
  /**
   * New joins are refused (`nodeFull`, reason `overloaded`) from the moment the node's event loop is seen
   * blocked this long while burning CPU until about a second after: a node past its CPU keeps serving the
   * rooms it has. 0: never.
   */
  LOAD_SHED_LAG_MS: whole(0, 60_000)
    // Under 100 ms every busy turn would count (the gauge ticks every 20 ms) and the node would take no join.
    .refine((ms) => ms === 0 || ms >= 100, 'must be 0 (off) or at least 100')
    .default(2_000),
});

export interface NodeLimits {
  readonly session: Omit<SessionLimits, 'maxMessageBytes' | 'maxQueuedMessages'>;
  readonly guard: ConnectionGuard;
  readonly http: { readonly headersTimeoutMs: number; readonly requestTimeoutMs: number; readonly checkIntervalMs: number };
  /** HTTP requests in flight per client address. */
  readonly httpRequests: IpConnectionLimiter;
  /** Counts a request against its client's budget (the release), or refuses it (undefined). */
  readonly admitRequest: (req: IncomingMessage) => (() => void) | undefined;
  readonly maxSendBacklogBytes: number;
  /** Refuses new connections from a client address thrown out for flooding, for FLOOD_COOLDOWN_MS. */
  readonly coolDownFlooder: (remoteAddress: string) => void;
  readonly trustedProxies: TrustedProxies;
  /** The client's address for every per-address limit and the logs (X-Forwarded-For from trusted proxies). */
  readonly clientAddress: (req: IncomingMessage) => string;
  /** What every per-address limit counts a client address under (an IPv6 client's IPV6_LIMIT_PREFIX). */
  readonly limitKeyOf: LimitKeyOf;
  /** Whether the node's own event loop says it is past its CPU (LOAD_SHED_LAG_MS). */
  readonly loopLoad: LoopLoadGauge;
  /** `GET /v1/rooms/:id/node` per client address (ROOM_LOOKUPS_PER_MINUTE). */
  readonly roomLookups: AddressRateLimiter;
}

const trustedProxies = (raw: string | undefined): TrustedProxies => {
  const entries = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  try {
    return entries.length === 0 ? TrustedProxies.none() : TrustedProxies.parse(entries);
  } catch (error) {
    throw new ConfigError([`TRUST_PROXY: ${error instanceof Error ? error.message : String(error)}`]);
  }
};

const originPolicy = (raw: string | undefined): OriginPolicy => {
  const entries = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0 || entries.includes('*')) return OriginPolicy.allowAll();
  try {
    return OriginPolicy.only(entries);
  } catch (error) {
    throw new ConfigError([`ALLOWED_ORIGINS: ${error instanceof Error ? error.message : String(error)}`]);
  }
};

/** Reads the limit variables from `config.env`; a bad value stops the node with a ConfigError. */
export const readNodeLimits = (config: Config): NodeLimits => {
  const env = readEnv(LimitsEnv, config.env);
  if (env.HTTP_REQUEST_TIMEOUT_MS < env.HTTP_HEADERS_TIMEOUT_MS) {
    throw new ConfigError(['HTTP_REQUEST_TIMEOUT_MS: must not be shorter than HTTP_HEADERS_TIMEOUT_MS']);
  }
  const proxies = trustedProxies(env.TRUST_PROXY);
  const clientAddress = (req: IncomingMessage): string => proxies.clientAddress(req);
  const keyOf = limitKeyOf(env.IPV6_LIMIT_PREFIX);
  const httpRequests = new IpConnectionLimiter(env.MAX_HTTP_REQUESTS_PER_IP, Date.now, keyOf);
  const guard = new ConnectionGuard(originPolicy(env.ALLOWED_ORIGINS), new IpConnectionLimiter(env.MAX_CONNECTIONS_PER_IP, Date.now, keyOf), clientAddress);
  return {
    session: {
      messagesPerSecond: env.MESSAGES_PER_SECOND,
      messageBurst: env.MESSAGE_BURST ?? Math.max(burstForRoomOf(config.ROOM_CAPACITY), env.MESSAGES_PER_SECOND),
      maxRateLimitStrikes: env.RATE_LIMIT_STRIKES,
      joinsPerMinute: env.JOINS_PER_MINUTE,
      iceCandidatesPerLink: env.ICE_CANDIDATES_PER_LINK,
      maxQueuedBytes: env.MAX_QUEUED_BYTES,
      roomCapacity: config.ROOM_CAPACITY,
    },
    guard,
    coolDownFlooder: (address) => guard.perIp.coolDown(address, env.FLOOD_COOLDOWN_MS),
    httpRequests,
    admitRequest: (req) => httpRequests.tryAcquire(clientAddress(req)),
    maxSendBacklogBytes: env.MAX_SEND_BACKLOG_BYTES,
    trustedProxies: proxies,
    clientAddress,
    limitKeyOf: keyOf,
    loopLoad: new LoopLoadGauge({ maxLagMs: env.LOAD_SHED_LAG_MS, windowMs: 1_000 }),
    roomLookups: new AddressRateLimiter(env.ROOM_LOOKUPS_PER_MINUTE, Math.max(1, Math.ceil(env.ROOM_LOOKUPS_PER_MINUTE / 2)), Date.now, keyOf),
    http: {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      // Node checks the two timeouts only this often (30 s by default), which would let a slow client
      // hold its socket far longer than configured.
      checkIntervalMs: Math.min(1_000, env.HTTP_HEADERS_TIMEOUT_MS),
    },
  };
};
