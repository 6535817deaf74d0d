// The embedded server's transports by name, declared once: the loader (index.ts), serve's
// --transport, the run's --server-transport and the results' types all derive from this list.
export const SERVER_TRANSPORT_NAMES = ['auto', 'uws', 'bun', 'core'] as const;

export type ServerTransportName = (typeof SERVER_TRANSPORT_NAMES)[number];

/** What a server actually runs on: auto picks one of the others. */
export type ServedTransportName = Exclude<ServerTransportName, 'auto'>;
