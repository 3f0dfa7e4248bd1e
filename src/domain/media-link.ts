import type { UserId } from './identifiers';

/**
 * One peer connection as seen by the participant who owns it.
 * - `publish`: the participant's own media going up to the media server.
 * - `subscribe`: media of `publisher` coming down to the participant.
 * - `upstream`: in peer-to-peer mesh only, the participant's own media going straight to `subscriber`.
 */
export type MediaLink =
  | { readonly kind: 'publish' }
  | { readonly kind: 'subscribe'; readonly publisher: UserId }
  | { readonly kind: 'upstream'; readonly subscriber: UserId };

export const PUBLISH: MediaLink = Object.freeze({ kind: 'publish' });
export const subscribeTo = (publisher: UserId): MediaLink => ({ kind: 'subscribe', publisher });
export const upstreamTo = (subscriber: UserId): MediaLink => ({ kind: 'upstream', subscriber });

/** The other participant at the far end of the link, if any. */
export const linkPeer = (link: MediaLink): UserId | undefined =>
  link.kind === 'subscribe' ? link.publisher : link.kind === 'upstream' ? link.subscriber : undefined;
