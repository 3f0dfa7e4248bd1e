export * from './lua-script';
export * from './redis-client';
export * from './redis-connection';
