// How a client speaks to each server under test: where it connects, when it is ready, what one relayed
// ICE candidate looks like on the wire. The candidate itself is the same bytes for all three servers.

/** A host candidate as browsers trickle them (~130 bytes). The send time rides in the ufrag, fixed width. */
const STAMP_WIDTH = 14;
const STAMP_MARK = ' ufrag ';
const candidateLine = (stampMs) =>
  `candidate:842163049 1 udp 1677729535 192.168.1.23 54321 typ srflx raddr 10.0.0.5 rport 54321 generation 0${STAMP_MARK}${stampMs
    .toFixed(3)
    .padStart(STAMP_WIDTH, '0')} network-cost 999`;

/** Reads the send time back from a relayed frame without parsing the JSON (keeps the load generator light). */
export const readStamp = (text) => {
  const at = text.indexOf(STAMP_MARK);
  return at < 0 ? NaN : Number(text.slice(at + STAMP_MARK.length, at + STAMP_MARK.length + STAMP_WIDTH));
};

const candidate = (stampMs) => ({ candidate: candidateLine(stampMs), sdpMid: '0', sdpMLineIndex: 0 });

/**
 * Each dialect: `url(base, user, room)`, `hello(user, room)` (first frame to send, or undefined),
 * `isReady(message)` (the parsed reply that says the client may relay), `candidate(from, to, stampMs)`
 * (the frame that carries one candidate to `to`) and `isRelayed(text)` (cheap test on an incoming frame).
 */
export const DIALECTS = {
  // Our server, mesh mode: the cheapest relayed message is `peerIceCandidate` without a requestId (no ack);
  // it arrives at the peer as `iceCandidate`.
  ours: {
    url: (base) => `${base}/rtc/websocket`,
    hello: (user, room) => JSON.stringify({ id: 'joinRoom', userId: user, roomId: room, communityId: '0', video: true, audio: true }),
    isReady: (m) => m.id === 'existingParticipants',
    isFailure: (m) => m.id === 'error' || m.id === 'limitJoinAnswer',
    candidate: (from, to, stampMs) => JSON.stringify({ id: 'peerIceCandidate', userId: to, candidate: candidate(stampMs) }),
    isRelayed: (text) => text.startsWith('{"id":"iceCandidate"'),
  },
  // The PeerJS server: the server says OPEN once the id is registered; a PeerJS client trickles
  // {type:CANDIDATE, dst, payload:{candidate, type, connectionId}}.
  peerjs: {
    url: (base, user) => `${base}/peerjs?id=${user}&token=t${user}&key=peerjs`,
    hello: () => undefined,
    isReady: (m) => m.type === 'OPEN',
    isFailure: (m) => m.type === 'ERROR' || m.type === 'ID-TAKEN',
    candidate: (from, to, stampMs) =>
      JSON.stringify({ type: 'CANDIDATE', dst: to, payload: { candidate: candidate(stampMs), type: 'media', connectionId: 'mc_bench0000' } }),
    isRelayed: (text) => text.startsWith('{"type":"CANDIDATE"'),
  },
  // The bare `ws` relay: registered by the id in the URL as soon as the socket opens.
  bare: {
    url: (base, user) => `${base}/?id=${user}`,
    hello: () => undefined,
    isReady: () => true,
    isFailure: () => false,
    readyOnOpen: true,
    candidate: (from, to, stampMs) => JSON.stringify({ to, candidate: candidate(stampMs) }),
    isRelayed: (text) => text.startsWith('{"to":'),
  },
};
// The coalescing bare relay speaks the bare relay's protocol.
DIALECTS.bareCoalesced = DIALECTS.bare;
