// The sentence of each counted note (results.ts, CountedNote), rendered from its numbers: merged
// tiers add the numbers up first (merge/counted-notes.ts), so the sentence always states the sums.
import type { CountedNote } from '../results.js';
import { formatInteger } from './format.js';

export function describeCountedNote(note: CountedNote): string {
  const n = formatInteger(note.count);
  const connections = note.count === 1 ? 'connection' : 'connections';
  switch (note.kind) {
    case 'closed-before-barrier':
      return `${n} ${connections} closed before the barrier: their messages are not counted`;
    case 'barrier-pong-missing':
      return `${n} of ${formatInteger(note.of)} connections' barrier PONG did not come back: their messages are not counted as delivered`;
    case 'last-probe-missing':
      return `${n} of ${formatInteger(note.of)} connections' last probe did not come back: their unproven messages are not counted as delivered`;
    case 'closed-before-send':
      return `${n} ${connections} closed before the send phase: their messages are not counted`;
    case 'pings-unanswered':
      return `${n} of ${formatInteger(note.of)} pings got no PONG`;
    case 'behind-schedule':
      return `${n} messages were still unwritten when the timetable ended (written late; their wait is in the corrected latency)`;
    case 'rate-limit-warnings':
      return `${n} rate_limit_warning frames from the server`;
    case 'connection-errors':
      return `${n} connection errors after connect`;
    case 'held-open':
      return `${n} of ${formatInteger(note.of)} connections still open after ${note.holdSec} s`;
  }
}
