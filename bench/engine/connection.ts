// One benchmark connection: owns its WseSession and routes the session's events to whatever the
// current phase wants (a PhaseHandler), to the tier's tally (tier-tally.ts) and to the run's live
// counters (live-counters.ts). One object per connection, no per-message closures.
import type { PayloadKind, WseMessage } from '../../core/wse/decode.js';
import type { WseSession, WseSessionListener } from '../../core/wse/session.js';
import type { SendPayload } from '../messages/payloads.js';
import { TemplatedPayload, type MessageCursor } from '../messages/templated-payload.js';
import type { LiveCounters } from './live-counters.js';
import type { ConnectionLoss } from './connection-loss.js';
import type { TierTally } from './tier-tally.js';

/** What the current phase does with a connection's PONGs and with its loss. */
export interface PhaseHandler {
  onPong(connection: BenchConnection, rttMicros: number): void;
  onClosed(connection: BenchConnection): void;
  /** A message's bytes before any decoding (WseSessionListener.onRawMessage); true = consumed. */
  onRawMessage?(connection: BenchConnection, data: Buffer | string, isBinary: boolean): boolean;
  /** A decoded message the session does not handle itself (server push). */
  onMessage?(connection: BenchConnection, message: WseMessage): void;
}

export const IDLE_PHASE: PhaseHandler = { onPong() {}, onClosed() {} };

export class BenchConnection implements WseSessionListener, MessageCursor {
  session: WseSession | undefined;
  phase: PhaseHandler = IDLE_PHASE;
  /** True from a successful connect until the close event. */
  open = false;
  /** Set once we asked for the close: its close event is not counted as unexpected. */
  closing = false;
  closeCode = 0;
  /** The close event has come (possibly before connect() resolved). */
  closed = false;
  /** Free per-phase counters (messages sent, pings left…), reset by each phase. */
  sent = 0;
  pingsLeft = 0;
  barrierPending = false;
  /** --message templates rendered for this connection: what {{seq}} counts. */
  messageSeq = 0;
  private closeWaiter: (() => void) | undefined;

  constructor(
    readonly index: number,
    /** Where this connection's events are counted: the current tier (or cell). */
    public tally: TierTally,
    /** The run's counters, which the progress line and --live read. */
    readonly live: LiveCounters,
    /** What watches this connection's pool for a loss of every connection. */
    private readonly loss?: ConnectionLoss,
  ) {}

  /** The connect succeeded (the session is set): open unless it closed meanwhile, which is a loss. */
  established(): void {
    this.open = !this.closed;
    this.loss?.opened();
    if (!this.closed) return;
    // Closed between server_ready and connect() resolving: established, then lost.
    this.countUnexpectedClose();
    this.loss?.closed(false);
  }

  onPong(rttMicros: number): void {
    this.live.pong(rttMicros);
    this.phase.onPong(this, rttMicros);
  }

  onRawMessage(data: Buffer | string, isBinary: boolean): boolean {
    return this.phase.onRawMessage?.(this, data, isBinary) ?? false;
  }

  onMessage(message: WseMessage | undefined, _kind: PayloadKind): void {
    if (message !== undefined) this.phase.onMessage?.(this, message);
  }

  onServerError(code: string): void {
    this.live.errors++;
    this.tally.serverErrors[code] = (this.tally.serverErrors[code] ?? 0) + 1;
  }

  onRateLimitWarning(): void {
    this.tally.rateLimitWarnings++;
  }

  onError(): void {
    this.tally.transportErrors++;
  }

  onClose(code: number): void {
    const wasOpen = this.open;
    this.open = false;
    this.closed = true;
    this.closeCode = code;
    if (wasOpen && !this.closing) this.countUnexpectedClose();
    if (wasOpen) this.phase.onClosed(this);
    if (wasOpen) this.loss?.closed(this.closing);
    const waiter = this.closeWaiter;
    this.closeWaiter = undefined;
    if (waiter !== undefined) waiter();
  }

  countUnexpectedClose(): void {
    this.live.errors++;
    const key = String(this.closeCode);
    this.tally.unexpectedCloses[key] = (this.tally.unexpectedCloses[key] ?? 0) + 1;
  }

  /** Starts the close handshake; resolves when the close event came (or at once if closed). */
  close(): Promise<void> {
    this.closing = true;
    const session = this.session;
    if (!this.open || session === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.closeWaiter = resolve;
      session.close();
    });
  }

  terminate(): void {
    this.closing = true;
    if (this.open && this.session !== undefined) this.session.terminate();
  }
}

/** Writes `count` messages of `payload` on `session`: one message repeated, or the next rendered ones. */
export function sendMessages(connection: BenchConnection, session: WseSession, payload: SendPayload, count: number): void {
  if (payload instanceof TemplatedPayload) session.sendBatch(payload.fill(connection, count), payload.binary);
  else if (count === 1) session.send(payload);
  else session.sendRepeated(payload, count);
  connection.live.messages += count;
}
