// The WSE message layer: what the client sends, how it reads what comes back, and the session.
export * from './messages.js';
export * from './decode.js';
export * from './session.js';
export type { ClientTransport, DialOptions, MessageSocket, MessageSocketEvents } from './transport.js';
