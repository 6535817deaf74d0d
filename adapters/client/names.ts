// The client transports by name, declared once: the loader, the CLI's --transport and --transports,
// and the results' types all derive from this list.
export const CLIENT_TRANSPORT_NAMES = ['core', 'ws', 'web'] as const;

export type ClientTransportName = (typeof CLIENT_TRANSPORT_NAMES)[number];
