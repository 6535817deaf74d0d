// The fanout test's parts on their own: the tick's shape (built by the publisher, read back from
// bytes or strings), a subscriber's sequence tracker (gaps, duplicates, reordering), and the books
// that must close (received + dropped + lost in flight = published × subscribers), the publisher alone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, type FrameHandler } from '../core/frame-decoder.js';
import { fanoutConsistency } from '../bench/fanout/accounting.js';
import { SequenceTracker } from '../bench/fanout/sequence-tracker.js';
import { buildTickBatch, readTick, readTickStream, TickFields, tickText } from '../bench/fanout/tick.js';
import { mergeFanoutResults } from '../bench/merge/fanout.js';
import { FanoutPublisher } from '../bench/server/publisher.js';
import { emptyServerCounters } from '../bench/server/stats.js';
import { sampleFanout as fanout } from './fixtures/run-result.js';
import { waitFor } from './fixtures/waiting.js';

describe('the fanout_tick message', () => {
  test('bare, it is WSE\'s exact shape; padded, it is exactly the size asked for', () => {
    const bare = tickText(7, 1764000000123456, 0, 1);
    assert.equal(bare, '{"c":"U","t":"fanout_tick","p":{"seq":7,"ts_us":1764000000123456,"s":"ES","px":5234.75,"q":2}}');
    assert.deepEqual(JSON.parse(bare), { c: 'U', t: 'fanout_tick', p: { seq: 7, ts_us: 1764000000123456, s: 'ES', px: 5234.75, q: 2 } });
    for (const size of [128, 256, 1024, 65536]) {
      const text = tickText(123456, 1764000000123456, 0, size);
      assert.equal(Buffer.byteLength(text), size);
      assert.equal((JSON.parse(text) as { p: { seq: number } }).p.seq, 123456);
    }
    // one byte short of room for the padding field: the bare message
    assert.equal(tickText(7, 1764000000123456, 0, bare.length + 9), bare);
    assert.equal((JSON.parse(tickText(1, 1, 3, 1)) as { p: { w: number } }).p.w, 3);
  });

  test('readTick reads seq and ts_us from bytes and strings, in the embedded server\'s order and in others', () => {
    const out = new TickFields();
    const text = tickText(42, 1764000000000001, 0, 200);
    assert.equal(readTick(Buffer.from(text), out), true);
    assert.deepEqual([out.seq, out.tsMicros], [42, 1764000000000001]);
    assert.equal(readTick(text, out), true);
    assert.deepEqual([out.seq, out.tsMicros], [42, 1764000000000001]);
    // another key order and spacing, as another server may write it
    const other = '{"t": "fanout_tick", "c": "U", "p": {"ts_us": 99, "s": "ES", "seq": 5}}';
    for (const data of [other, Buffer.from(other)]) {
      assert.equal(readTick(data, out), true);
      assert.deepEqual([out.seq, out.tsMicros], [5, 99]);
    }
    for (const notTick of ['{"c":"WSE","t":"PONG","p":{"client_timestamp":1,"server_timestamp":2}}', '{"c":"U","t":"fanout_tick","p":{"seq":"x"}}', '{"c":"U","t":"fanout_tick","p":{"seq":', '']) {
      assert.equal(readTick(notTick, out), false, notTick);
      assert.equal(readTick(Buffer.from(notTick), out), false, notTick);
    }
    assert.equal(readTickStream(tickText(1, 2, 4, 1)), 4);
    assert.equal(readTickStream(Buffer.from(tickText(1, 2, 0, 1))), 0);
  });

  test('a batch is valid server frames back to back, its payload views and strings the same messages, the marker last', () => {
    const batch = buildTickBatch(10, 3, 1764000000000000, 0, 300, '{"c":"WSE","t":"ping","p":{}}');
    assert.equal(batch.count, 3);
    assert.equal(batch.texts.length, 4);
    const seen: string[] = [];
    const handler: FrameHandler = {
      onMessage: (payload, isBinary) => {
        assert.equal(isBinary, false);
        seen.push(payload.toString('utf8'));
      },
      onPing() {},
      onPong() {},
      onClose() {},
      onError: (error) => assert.fail(error.message),
    };
    new FrameDecoder(handler, { role: 'client', maxMessageSize: 1 << 20 }).push(batch.frames);
    assert.deepEqual(seen, batch.texts);
    assert.deepEqual(batch.payloads.map((p) => p.toString('utf8')), batch.texts);
    assert.equal(batch.frameEnds.at(-1), batch.frames.length);
    assert.deepEqual(seen.slice(0, 3).map((t) => (JSON.parse(t) as { p: { seq: number } }).p.seq), [10, 11, 12]);
    assert.equal(batch.payloadEnds[2], 900);
  });
});

describe('SequenceTracker', () => {
  const track = (seqs: number[]): SequenceTracker => {
    const tracker = new SequenceTracker();
    for (const seq of seqs) tracker.record(seq);
    return tracker;
  };

  test('in order: no loss, duplicates or reordering', () => {
    const t = track([5, 6, 7, 8]);
    assert.deepEqual([t.first, t.last, t.distinct, t.duplicates, t.reordered, t.innerLoss], [5, 8, 4, 0, 0, 0]);
    assert.equal(t.lossWithin(5, 8), 0);
    assert.equal(t.lossWithin(1, 10), 6, 'four before the first, two after the last');
  });

  test('a gap is loss until its messages arrive late: then they are reordered, not lost', () => {
    const t = track([1, 2, 6, 7]);
    assert.equal(t.innerLoss, 3);
    t.record(4);
    t.record(3);
    assert.deepEqual([t.distinct, t.reordered, t.duplicates, t.innerLoss], [6, 2, 0, 1]);
    t.record(5);
    assert.deepEqual([t.innerLoss, t.reordered], [0, 3]);
  });

  test('a message received again is a duplicate, whether or not gaps are open', () => {
    const t = track([1, 2, 3, 2]);
    assert.deepEqual([t.duplicates, t.distinct, t.reordered], [1, 3, 0]);
    const g = track([1, 5, 5, 1, 3, 3]);
    assert.deepEqual([g.duplicates, g.reordered, g.distinct, g.innerLoss], [3, 1, 3, 2]);
  });

  test('older than the first seen: reordered, and what lies between is a gap', () => {
    const t = track([10, 11, 7]);
    assert.deepEqual([t.first, t.reordered, t.innerLoss], [7, 1, 2]);
    t.record(8);
    t.record(9);
    assert.deepEqual([t.innerLoss, t.reordered, t.duplicates], [0, 3, 0]);
  });

  test('nothing received: everything in the range is lost', () => {
    assert.equal(new SequenceTracker().lossWithin(3, 12), 10);
    assert.equal(new SequenceTracker().lossWithin(5, 4), 0);
  });

  test('memory stays bounded under endless gaps; loss still counts exactly', () => {
    const t = new SequenceTracker();
    for (let seq = 1; seq <= 100_000; seq += 2) t.record(seq);
    assert.equal(t.innerLoss, 49_999);
    assert.equal(t.distinct, 50_000);
  });
});

const everyDrainBack = { everyDrainBack: true, closedDuringTier: 0 };

describe('the fan-out books', () => {
  test('received + dropped + lost in flight = published × subscribers: ok', () => {
    const c = fanoutConsistency(fanout({}), everyDrainBack)!;
    assert.equal(c.ok, true, c.message);
    assert.match(c.message, /received 10000 \+ dropped 0 \+ lost in flight 0 = 1000 published × 10 subscribers = 10000/);
    const dropped = fanoutConsistency(fanout({ received: 9_700, lost: 300, serverDelivered: 9_700, serverDrops: 300, lostInFlight: 0 }), everyDrainBack)!;
    assert.equal(dropped.ok, true, dropped.message);
  });

  test('loss the server did not drop, although every drain PONG came back: ERROR', () => {
    const c = fanoutConsistency(fanout({ received: 9_990, lost: 10, lostInFlight: 10 }), everyDrainBack)!;
    assert.equal(c.ok, false);
    assert.match(c.message, /10 messages the server sent never arrived/);
  });

  test('in flight when a subscriber closed: the books still close', () => {
    const c = fanoutConsistency(fanout({ received: 9_990, lost: 10, lostInFlight: 10 }), { everyDrainBack: false, closedDuringTier: 0 })!;
    assert.equal(c.ok, true, c.message);
  });

  test('more received than the server sent, or sent + dropped ≠ published × subscribers: ERROR', () => {
    assert.equal(fanoutConsistency(fanout({ serverDelivered: 9_000, lostInFlight: -1000 }), everyDrainBack)!.ok, false);
    const short = fanoutConsistency(fanout({ serverDelivered: 9_000, lostInFlight: 0, received: 9_000, lost: 1000 }), everyDrainBack)!;
    assert.equal(short.ok, false);
    assert.match(short.message, /sent 9000 and dropped 0 \(9000\) but 1000 published × 10 subscribers = 10000/);
  });

  test('other subscribers on the server, or ours closing: only received ≤ sent is checked, and said so', () => {
    const c = fanoutConsistency(fanout({ serverSubscribers: 12, serverSubscribersAtEnd: 12, serverDelivered: 12_000 }), everyDrainBack)!;
    assert.equal(c.ok, true);
    assert.match(c.message, /the server had 12 subscribers .* this run 10, so only received ≤ sent is checked/);
  });

  test('no report from the publisher (it died): ERROR with the reason', () => {
    const c = fanoutConsistency(fanout({ published: null, expectedDeliveries: null, serverDelivered: null, serverDrops: null, lostInFlight: null }), {
      ...everyDrainBack,
      reportProblem: "the publisher's report is missing (fetch failed)",
    })!;
    assert.equal(c.ok, false);
    assert.match(c.message, /cannot close: the publisher's report is missing \(fetch failed\)/);
  });

  test('a passive run: gaps must not exceed the drops /metrics counted; none counted: no check', () => {
    const passive = { publisherDriven: false, serverDelivered: null, lostInFlight: null, expectedDeliveries: 10_050 };
    assert.equal(fanoutConsistency(fanout({ ...passive, lost: 50, serverDrops: 60 }), everyDrainBack)!.ok, true);
    assert.equal(fanoutConsistency(fanout({ ...passive, lost: 50, serverDrops: 10 }), everyDrainBack)!.ok, false);
    assert.equal(fanoutConsistency(fanout({ ...passive, lost: 50, serverDrops: null }), everyDrainBack), undefined);
  });

  test('workers of one run read one publishing session: its counts are taken once, the subscribers\' added', () => {
    const a = fanout({ subscribers: 5, received: 4_990, lost: 10, expectedDeliveries: 5_000, serverDelivered: 9_990, serverDrops: 10, lostInFlight: 5_000, windowStartEpochMs: 1000, windowEndEpochMs: 3000 });
    const b = fanout({ subscribers: 5, received: 5_000, lost: 0, expectedDeliveries: 5_000, serverDelivered: 9_990, serverDrops: 10, lostInFlight: 4_990, windowStartEpochMs: 1500, windowEndEpochMs: 4000 });
    const merged = mergeFanoutResults([a, b])!;
    assert.deepEqual([merged.subscribers, merged.received, merged.lost, merged.published, merged.serverDrops, merged.lostInFlight], [10, 9_990, 10, 1000, 10, 0]);
    assert.equal(merged.windowMs, 3000);
    assert.equal(merged.deliveriesPerSec, 3_330);
    const c = fanoutConsistency(merged, everyDrainBack)!;
    assert.equal(c.ok, true, c.message);
  });
});

describe('the publisher on its own', () => {
  test('a session left without subscribers (its run gone) ends by itself', async () => {
    const publisher = new FanoutPublisher(() => [], emptyServerCounters(), 64 * 1024, 200);
    assert.equal(publisher.start({ payloadBytes: 1, ratePerSec: undefined, stream: 0 }), true);
    assert.equal(publisher.start({ payloadBytes: 1, ratePerSec: undefined, stream: 0 }), false, 'one session at a time');
    await waitFor(() => !publisher.isRunning, 'the orphaned session to end', 10_000);
    assert.equal(publisher.latest()?.published, 0, 'nobody to publish to: nothing published');
  });
});
