// --message templates: every placeholder rendered into valid JSON and MessagePack (decoded by
// JSON.parse and msgpackr, not by our code), the sequence per connection, messages in turn, the
// padding of size-matrix, and every refusal of a file as one line naming it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { compileTemplate, type TemplateEncoding, type TemplateValue } from '../bench/messages/compile.js';
import { loadMessageFile, sampleContext, type MessageSettings } from '../bench/messages/message-file.js';
import { writeNumber } from '../bench/messages/msgpack-writer.js';
import { formatPayload, payloadBytesOf, sizedPayload, throughputPayload } from '../bench/messages/payloads.js';
import { writeInteger } from '../bench/messages/placeholders.js';
import { TemplatedPayload } from '../bench/messages/templated-payload.js';
import { msgpackCodec } from '../bench/msgpack-codec.js';
import { UsageError } from '../bench/options/usage-error.js';

/** An independent decoder, not the codec the tool uses; 64-bit integers (ts_us) read as numbers, not BigInt. */
const unpack = (bytes: Buffer): unknown => new Packr({ useRecords: false, int64AsType: 'number' }).unpack(bytes);

const ORDER: TemplateValue = {
  t: 'order',
  p: {
    id: 'ord-{{conn}}-{{seq}}',
    seq: '{{seq}}',
    ts: '{{ts}}',
    ts_us: '{{ts_us}}',
    at: '{{iso}}',
    side: '{{pick:buy|sell}}',
    note: '{{pick:say "hi"|back\\slash|naïve ✓}}',
    qty: '{{int:-5:5}}',
    px: '{{float:5200:5300}}',
    fine: '{{float:-1:1:4}}',
    hex: '{{hex:8}}',
    word: '{{alnum:12}}',
    client: '{{uuid}}',
    plain: 'text with no placeholder',
    list: [1, '{{seq}}', null, true],
  },
};

function render(template: TemplateValue, encoding: TemplateEncoding, seq = 7, conn = 3): Buffer {
  const message = compileTemplate(template, encoding, 'test');
  const out = Buffer.alloc(message.maxBytes);
  const context = { ...sampleContext(), seq, conn };
  const end = message.render(out, 0, context);
  assert.ok(end <= message.maxBytes, `${end} bytes over the bound ${message.maxBytes}`);
  return out.subarray(0, end);
}

function checkOrder(value: unknown): void {
  const { t, p } = value as { t: string; p: Record<string, unknown> };
  assert.equal(t, 'order');
  assert.equal(p['id'], 'ord-3-7');
  assert.equal(p['seq'], 7, 'a whole-string numeric placeholder is a number');
  assert.ok(Math.abs((p['ts'] as number) - Date.now()) < 60_000);
  assert.ok(Math.abs((p['ts_us'] as number) / 1000 - Date.now()) < 60_000);
  assert.ok(!Number.isNaN(Date.parse(p['at'] as string)) && (p['at'] as string).endsWith('Z'));
  assert.ok(['buy', 'sell'].includes(p['side'] as string));
  assert.ok(['say "hi"', 'back\\slash', 'naïve ✓'].includes(p['note'] as string), String(p['note']));
  assert.ok(Number.isInteger(p['qty']) && (p['qty'] as number) >= -5 && (p['qty'] as number) <= 5);
  const px = p['px'] as number;
  assert.ok(px >= 5200 && px <= 5300 && Number(px.toFixed(2)) === px, String(px));
  const fine = p['fine'] as number;
  assert.ok(fine >= -1 && fine <= 1 && Number(fine.toFixed(4)) === fine, String(fine));
  assert.match(p['hex'] as string, /^[0-9a-f]{8}$/);
  assert.match(p['word'] as string, /^[A-Za-z0-9]{12}$/);
  assert.match(p['client'] as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(p['plain'], 'text with no placeholder');
  assert.deepEqual(p['list'], [1, 7, null, true]);
}

describe('templates', () => {
  test('JSON: every placeholder, 200 renders, each valid JSON with the values in range', () => {
    for (let i = 0; i < 200; i++) checkOrder(JSON.parse(render(ORDER, 'json').toString('utf8')));
  });

  test('MessagePack: M: and the same values, decoded by msgpackr', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = render(ORDER, 'msgpack');
      assert.equal(bytes.subarray(0, 2).toString('latin1'), 'M:');
      checkOrder(unpack(bytes.subarray(2)));
    }
  });

  test('a template without placeholders is one fixed payload, byte for byte what JSON.stringify and msgpackr write', () => {
    const fixed = { t: 'x', p: { a: [1, 2.5, 'é'], b: null, c: 'x'.repeat(300) } };
    assert.equal(compileTemplate(fixed, 'json', 't').fixed?.toString('utf8'), JSON.stringify(fixed));
    assert.deepEqual(unpack(compileTemplate(fixed, 'msgpack', 't').fixed!.subarray(2)), fixed);
    assert.equal(compileTemplate(ORDER, 'json', 't').fixed, undefined);
  });

  test('integers as digits and as msgpack numbers at every width', () => {
    const out = Buffer.alloc(32);
    for (const n of [0, 7, 9, 10, 99, 100, 65535, 2 ** 32, Number.MAX_SAFE_INTEGER, -1, -10, -12345]) {
      assert.equal(out.toString('latin1', 0, writeInteger(out, 0, n)), String(n));
    }
    for (const n of [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -Number.MAX_SAFE_INTEGER, 0.5, -1.25]) {
      assert.equal(unpack(out.subarray(0, writeNumber(out, 0, n))), n, String(n));
    }
  });

  test('zlib (format-comparison): C: and the deflated JSON of each message', async () => {
    const { inflateSync } = await import('node:zlib');
    const bytes = render(ORDER, 'zlib');
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'C:');
    checkOrder(JSON.parse(inflateSync(bytes.subarray(2)).toString('utf8')));
  });
});

describe('a burst of messages for one connection', () => {
  const settings = (templates: TemplateValue[], frame: 'text' | 'binary' = 'text'): MessageSettings => ({ file: 'm.json', format: 'json', frame, templates });

  test('seq counts per connection across bursts; the file\'s messages in turn', () => {
    const payload = throughputPayload(settings([{ t: 'a', p: { n: '{{seq}}', c: '{{conn}}' } }, { t: 'b', p: { n: '{{seq}}' } }]));
    assert.ok(payload instanceof TemplatedPayload);
    const first = { index: 0, messageSeq: 0 };
    const second = { index: 1, messageSeq: 0 };
    const read = (batch: ReturnType<TemplatedPayload['fill']>): unknown[] =>
      Array.from({ length: batch.count }, (_, i) => JSON.parse(batch.bytes.toString('utf8', i === 0 ? 0 : batch.ends[i - 1], batch.ends[i])));
    assert.deepEqual(read(payload.fill(first, 3)), [{ t: 'a', p: { n: 1, c: 0 } }, { t: 'b', p: { n: 2 } }, { t: 'a', p: { n: 3, c: 0 } }]);
    assert.deepEqual(read(payload.fill(second, 1)), [{ t: 'a', p: { n: 1, c: 1 } }]);
    assert.deepEqual(read(payload.fill(first, 2)), [{ t: 'b', p: { n: 4 } }, { t: 'a', p: { n: 5, c: 0 } }]);
    // a burst larger than the buffer made for it grows it
    assert.equal(read(payload.fill(second, 5000)).length, 5000);
    assert.equal(payloadBytesOf(payload), Math.round(payload.renderedBytes / payload.renderedMessages));
  });

  test('fixed messages take the repeated-frame path: a string for text, a Buffer for binary', () => {
    assert.equal(typeof throughputPayload(settings([{ t: 'x' }])), 'string');
    assert.ok(Buffer.isBuffer(throughputPayload(settings([{ t: 'x' }], 'binary'))));
    assert.ok(throughputPayload(settings([{ t: 'x' }, { t: 'y' }])) instanceof TemplatedPayload, 'two messages in turn');
    assert.ok(Buffer.isBuffer(formatPayload(settings([{ t: 'x' }]), 'msgpack', msgpackCodec)));
  });

  test('size-matrix pads each message to the size; a size below the message is skipped', () => {
    for (const format of ['json', 'msgpack'] as const) {
      for (const size of [64, 100, 255, 256, 1024, 65536]) {
        const payload = sizedPayload({ ...settings([{ t: 'pad-me', p: { s: 'ES' } }]), format }, size);
        assert.ok(payload !== undefined);
        assert.equal(payloadBytesOf(payload), size, `${format} ${size}`);
      }
    }
    assert.equal(sizedPayload(settings([{ t: 'x', p: 'y'.repeat(100) }]), 64), undefined);
    const seq = sizedPayload(settings([{ t: 'x', pad: 'mine', p: '{{seq}}' }]), 256);
    assert.ok(seq instanceof TemplatedPayload);
    const batch = seq.fill({ index: 0, messageSeq: 0 }, 1);
    const message = JSON.parse(batch.bytes.toString('utf8', 0, batch.ends[0])) as Record<string, unknown>;
    assert.equal(message['pad'], 'mine', 'the user\'s own field is kept');
    assert.equal(batch.ends[0], 256);
  });
});

describe('--message files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wse-messages-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const refusal = (path: string, frame?: 'text' | 'binary'): string => {
    try {
      loadMessageFile(path, frame);
    } catch (error) {
      assert.ok(error instanceof UsageError, String(error));
      assert.ok(!error.message.includes('\n'));
      return error.message;
    }
    assert.fail(`accepted ${path}`);
  };

  test('JSON: one message or a list; msgpack: binary frames; --frame binary for JSON', () => {
    assert.deepEqual(loadMessageFile(file('one.json', '{"t":"a"}'), undefined), { file: join(dir, 'one.json'), format: 'json', frame: 'text', templates: [{ t: 'a' }] });
    assert.equal(loadMessageFile(file('two.json', '[{"t":"a"},{"type":"b"}]'), 'binary').templates.length, 2);
    const packed = loadMessageFile(file('m.msgpack', msgpackCodec.encode([{ t: 'a', p: { n: '{{seq}}' } }])), undefined);
    assert.equal(packed.format, 'msgpack');
    assert.equal(packed.frame, 'binary');
  });

  test('refusals, one line each naming the file and the message', () => {
    assert.match(refusal(join(dir, 'none.json')), /none\.json: no such file/);
    assert.match(refusal(file('bad.json', '{"t":')), /bad\.json: not valid JSON/);
    assert.match(refusal(file('empty.json', '[]')), /holds no message/);
    assert.match(refusal(file('scalar.json', '[{"t":"a"}, 3]')), /scalar\.json \[1\]: a WSE message is a JSON object/);
    assert.match(refusal(file('untyped.json', '{"p":{}}')), /has no message type "t"/);
    assert.match(refusal(file('ping.json', '{"t":"PING"}')), /type "PING" is WSE's own ping\/PONG/);
    assert.match(refusal(file('dyn.json', '{"t":"{{pick:a|b}}"}')), /the type "t" must be fixed/);
    assert.match(refusal(file('typo.json', '{"t":"a","p":"{{seqq}}"}')), /unknown placeholder \{\{seqq\}\} \(did you mean seq\?\)/);
    assert.match(refusal(file('args.json', '{"t":"a","p":"{{int:9:1}}"}')), /needs whole numbers MIN ≤ MAX/);
    assert.match(refusal(file('noargs.json', '{"t":"a","p":"{{seq:3}}"}')), /takes no arguments/);
    assert.match(refusal(file('huge.json', JSON.stringify({ t: 'a', p: 'x'.repeat(1024 * 1024) }))), /over WSE's 1 MiB message limit/);
    assert.match(refusal(file('bin.msgpack', msgpackCodec.encode({ t: 'a', p: Buffer.from([1, 2]) }))), /binary data/);
    assert.match(refusal(file('text.msgpack', msgpackCodec.encode({ t: 'a' })), 'text'), /--frame text: .* MessagePack, which WSE reads from binary frames only/);
  });
});
