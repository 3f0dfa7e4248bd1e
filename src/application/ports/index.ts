export * from './media-gateway';
export * from './room-state-store';
export * from './room-placement';
export * from './client-notifier';
export * from './presence-notifier';
export * from './token-verifier';
export * from './clock';
export * from './logger';
