// Every list of values an option takes, declared once `as const`; the union types are derived from
// them. The client and server transports' lists live beside their loaders (adapters/client/names.ts,
// adapters/server/names.ts). Lists whose members a lower layer defines (core's wire formats) are
// checked against that layer's type with `satisfies`, so the two cannot drift apart.
import { SERVER_TRANSPORT_NAMES, type ServedTransportName } from '../../adapters/server/names.js';
import type { WireFormat } from '../../core/wse/messages.js';
import type { WseConnectOptions } from '../../core/wse/session.js';
import type { RUNTIME_NAMES } from '../compare/runtime-table.mjs';

/** The eight tests, in the order a full run takes them. */
export const TEST_NAMES = [
  'connection-storm',
  'ping-latency',
  'throughput',
  'size-matrix',
  'format-comparison',
  'sustained-hold',
  'fanout',
  'connection-limit',
] as const;
export type TestName = (typeof TEST_NAMES)[number];

/** What the embedded server may be asked to run on; auto picks one (adapters/server/index.ts). */
export const SERVER_TRANSPORT_CHOICES = SERVER_TRANSPORT_NAMES;
export type ServerTransportChoice = (typeof SERVER_TRANSPORT_CHOICES)[number];
/** What a server actually ran on. */
export type { ServedTransportName };

/** wse parses every message like WSE; sink only counts frames (the client's ceiling). */
export const SERVER_MODES = ['wse', 'sink'] as const;
export type ServerMode = (typeof SERVER_MODES)[number];

/** The embedded server's per-connection rate limiter: none, or WSE's token bucket. */
export const RATE_LIMITS = ['off', 'wse'] as const;
export type RateLimit = (typeof RATE_LIMITS)[number];

/** Where the client puts its JWT (none: no token; --header can send the server's own credentials). */
export const AUTH_PLACES = ['cookie', 'bearer', 'none'] as const satisfies readonly WseConnectOptions['authVia'][];
export type AuthPlace = (typeof AUTH_PLACES)[number];

/** format-comparison's formats: JSON text, `M:` msgpack, `C:` zlib. */
export const PAYLOAD_FORMATS = ['json', 'msgpack', 'zlib'] as const satisfies readonly WireFormat[];
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

/** fanout: how each received message is read (JSON.parse, or seq and ts_us from the bytes). */
export const PARSE_MODES = ['json', 'none'] as const;
export type ParseMode = (typeof PARSE_MODES)[number];

/** fanout: how the server's clock relates to ours for delivery latency. */
export const CLOCK_MODES = ['shared', 'ping', 'off'] as const;
export type ClockMode = (typeof CLOCK_MODES)[number];

/** Report formats printable on a terminal; html is a file of its own. */
export const TEXT_OUTPUT_FORMATS = ['text', 'json', 'markdown'] as const;
export const OUTPUT_FORMATS = [...TEXT_OUTPUT_FORMATS, 'html'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export type TextOutputFormat = (typeof TEXT_OUTPUT_FORMATS)[number];

/** How --message's JSON templates go on the wire (a msgpack template is always binary, `M:` + msgpack). */
export const MESSAGE_FRAMES = ['text', 'binary'] as const;
export type MessageFrame = (typeof MESSAGE_FRAMES)[number];

/** Tier profiles: which tiers and durations a run uses when the flags do not say. */
export const PROFILE_NAMES = ['default', 'quick', 'full'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The runtimes `compare` can run dist/bench.js under: declared with their binaries (compare/runtime-table.mjs). */
export type RuntimeName = (typeof RUNTIME_NAMES)[number];
