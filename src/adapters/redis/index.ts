export * from './redis-settings';
export * from './redis-keys';
export * from './redis-connection';
export * from './redis-room-state-store';
export * from './redis-node-registry';
export * from './redis-room-placement';
export * from './redis-state';
export * from './local-room-mirror';
