// Picks a client transport by name. `web` needs a global WebSocket (Node 22+, Bun).
import type { ClientTransport } from '../../core/wse/transport.js';
import { hasGlobalWebSocket } from '../runtime.js';
import { coreTransport } from './core.js';
import type { ClientTransportName } from './names.js';
import { webTransport } from './web.js';
import { wsTransport } from './ws.js';

export function loadClientTransport(name: ClientTransportName): ClientTransport {
  switch (name) {
    case 'core':
      return coreTransport;
    case 'ws':
      return wsTransport;
    case 'web':
      if (!hasGlobalWebSocket()) {
        throw new Error(
          `the web transport needs a runtime with a global WebSocket (Node 22+ or Bun); this is Node ${process.versions.node} — use --transport core or ws`,
        );
      }
      return webTransport;
  }
}
