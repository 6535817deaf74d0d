// Picks the embedded server's transport: auto = Bun.serve under Bun, uWebSockets.js on Node when
// it loads, else the core's own server.
import { bunRuntime, createBunServerTransport } from './bun.js';
import { coreServerTransport } from './core.js';
import type { ServerTransport } from './transport.js';
import { createUwsServerTransport, loadUwsModule } from './uws.js';

export type ServerTransportName = 'auto' | 'uws' | 'bun' | 'core';

/** `note` is one line saying why the requested transport was not used. Throws when an explicit choice is unavailable. */
export function loadServerTransport(name: ServerTransportName): { transport: ServerTransport; note?: string } {
  const bun = bunRuntime();
  switch (name) {
    case 'core':
      return { transport: coreServerTransport };
    case 'bun':
      if (bun === undefined) throw new Error('the bun server transport needs the Bun runtime');
      return { transport: createBunServerTransport(bun) };
    case 'uws': {
      const loaded = loadUwsModule();
      if (!loaded.ok) throw new Error(loaded.reason);
      return { transport: createUwsServerTransport(loaded.module) };
    }
    case 'auto': {
      if (bun !== undefined) return { transport: createBunServerTransport(bun) };
      const loaded = loadUwsModule();
      if (loaded.ok) return { transport: createUwsServerTransport(loaded.module) };
      return { transport: coreServerTransport, note: `${loaded.reason}; using core` };
    }
  }
}
