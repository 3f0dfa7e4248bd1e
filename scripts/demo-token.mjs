// Prints an access token for the demo page (its Token field) when the server runs with AUTH=jwt and an
// HS256 secret, as the compose stack does. In the image: `docker compose exec signaling node
// scripts/demo-token.mjs alice [room-pattern]`; it reads the same AUTH_* variables the server does.
// For trying the stack only: in production your application's login issues tokens.
import { SignJWT } from 'jose';

const [userId, rooms] = process.argv.slice(2);
const env = process.env;
if (!userId) {
  console.error('usage: node scripts/demo-token.mjs USER_ID [ROOM_PATTERN]   (valid for one hour)');
  process.exit(2);
}
if (!env.AUTH_JWT_SECRET) {
  console.error('AUTH_JWT_SECRET is not set: this script signs with the HS256 secret the server checks');
  process.exit(2);
}
const audience = (env.AUTH_JWT_AUDIENCE ?? '').split(',')[0]?.trim();
const claims = { [env.AUTH_USER_CLAIM ?? 'sub']: userId };
if (env.AUTH_ROOM_CLAIM) claims[env.AUTH_ROOM_CLAIM] = rooms ?? '*';
let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h');
if (audience) jwt = jwt.setAudience(audience);
if (env.AUTH_JWT_ISSUER) jwt = jwt.setIssuer(env.AUTH_JWT_ISSUER);
console.log(await jwt.sign(new TextEncoder().encode(env.AUTH_JWT_SECRET)));
