/**
 * sockjs-client gives a transport two round trips of its /info request to open (about 0.6 s on loopback)
 * before it gives up on it and, with one transport allowed, closes with 2000 "All transports failed". A CI
 * machine running other suites has stalled an upgrade that long, so the tests' clients allow longer.
 */
export const SOCKJS_OPEN_TIMEOUT_MS = 10_000;
