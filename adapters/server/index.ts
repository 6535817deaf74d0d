// Picks the embedded server's transport. auto = the core's own server role: measured on a 2-core
// machine (100 connections, 175-byte messages, 2 client processes) it absorbed the most messages
// in both modes and runtimes — sink 0.87M msg/s on Node 20 against 0.60M for uWebSockets.js, 1.8M
// under Bun against 0.97M for Bun.serve — because it parses a whole socket read in one JS call
// where the others call into JS once per message. uws and bun stay available by name.
import { bunRuntime, createBunServerTransport } from './bun.js';
import { coreServerTransport } from './core.js';
import type { ServerTransportName } from './names.js';
import type { ServerTransport } from './transport.js';
import { createUwsServerTransport, loadUwsModule } from './uws.js';

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
    case 'auto':
      return { transport: coreServerTransport };
  }
}

/**
 * What `serve` uses: like loadServerTransport, but a named transport this runtime cannot load
 * (uWebSockets.js has no build for it, or Bun.serve outside Bun) is replaced by core, with the
 * one-line reason as the note, so the benchmark still runs and its reports name what served.
 */
export function selectServerTransport(name: ServerTransportName): { transport: ServerTransport; note?: string } {
  try {
    return loadServerTransport(name);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { transport: coreServerTransport, note: `${reason}; using core` };
  }
}
