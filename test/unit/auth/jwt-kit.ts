import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/** A shared HS256 secret long enough for the AUTH_JWT_SECRET rule. */
export const HS_SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const AUDIENCE = 'rtc-signaling';

export interface SignOptions {
  readonly alg?: string;
  readonly key?: CryptoKey | Uint8Array;
  readonly kid?: string;
  readonly audience?: string | string[];
  readonly issuer?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number;
  readonly notBefore?: number;
}

/** Signs `claims` as an issuer would; HS256 with HS_SECRET unless told otherwise. */
export const signToken = async (claims: JWTPayload, options: SignOptions = {}): Promise<string> => {
  const now = Math.floor(Date.now() / 1000);
  const alg = options.alg ?? 'HS256';
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 600));
  const audience = options.audience === undefined ? AUDIENCE : options.audience;
  if (audience !== '') jwt = jwt.setAudience(audience);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(options.key ?? new TextEncoder().encode(HS_SECRET));
};

export interface KeyPairKit {
  readonly privateKey: CryptoKey;
  readonly publicPem: string;
  readonly jwk: Record<string, unknown>;
}

export const keyPair = async (alg: 'RS256' | 'ES256', kid = `${alg}-key`): Promise<KeyPairKit> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, publicPem: await exportSPKI(publicKey), jwk };
};

/** A local JWKS endpoint, as an identity provider would serve; counts how often it was asked. */
export class JwksServer {
  requests = 0;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(keys: readonly Record<string, unknown>[]): Promise<JwksServer> {
    let holder: JwksServer | undefined;
    const server = createServer((req, res) => {
      if (holder) holder.requests += 1;
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder = new JwksServer(server, `http://127.0.0.1:${port}/.well-known/jwks.json`);
    return holder;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
