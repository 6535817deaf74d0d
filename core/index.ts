// The public API of core/: RFC 6455 framing, the HTTP upgrade, connections in both roles,
// and the WSE message layer.
export * from './constants.js';
export * from './errors.js';
export * from './frame-encoder.js';
export * from './frame-decoder.js';
export * from './handshake.js';
export * from './connection.js';
export * from './client.js';
export * from './server.js';
export type * from './wse/transport.js';
export * from './wse/index.js';
