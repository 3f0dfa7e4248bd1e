/**
 * The wire protocol as zod schemas, both directions: the one source of truth the server reads with, the
 * client library types against, and docs/asyncapi.yaml and docs/schemas/ are generated from
 * (scripts/protocol-docs.mjs). Imports only zod and two pure domain files, so the server's adapters and
 * the client package (packages/client) can both import it.
 */
export * from './client-messages';
export * from './server-messages';
