import { RecipientLimit } from './recipient-limit';

/** A send that stays open until `finish()`. */
function openSend(log: string[], name: string): { send: () => Promise<string>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return {
    send: async () => {
      log.push(`start ${name}`);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}
const turn = () => new Promise((r) => setImmediate(r));

test('no more than perRecipient sends to one recipient at once; the next in line starts as one ends, in order', async () => {
  const limit = new RecipientLimit(2);
  const log: string[] = [];
  const sends = ['a', 'b', 'c', 'd'].map((n) => openSend(log, n));
  const results = sends.map((s) => limit.run('http://kommune-1508', s.send));
  await turn();
  expect(log).toEqual(['start a', 'start b']);
  expect(limit.inFlightTo('http://kommune-1508')).toBe(2);
  expect(limit.waiting()).toBe(2);
  sends[1].finish();
  await turn();
  expect(log).toEqual(['start a', 'start b', 'start c']);
  expect(limit.waiting()).toBe(1);
  sends[0].finish();
  sends[2].finish();
  await turn();
  expect(log).toEqual(['start a', 'start b', 'start c', 'start d']);
  sends[3].finish();
  expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
  expect(limit.inFlightTo('http://kommune-1508')).toBe(0);
  expect(limit.waiting()).toBe(0);
});

test('recipients do not share slots: a full one leaves the others free', async () => {
  const limit = new RecipientLimit(1);
  const log: string[] = [];
  const slow = openSend(log, 'slow');
  const held = openSend(log, 'held');
  const other = openSend(log, 'other');
  const results = [
    limit.run('http://slow', slow.send),
    limit.run('http://slow', held.send),
    limit.run('http://other', other.send),
  ];
  await turn();
  expect(log).toEqual(['start slow', 'start other']);
  other.finish();
  expect(await results[2]).toBe('other');
  slow.finish();
  held.finish();
  expect(await Promise.all(results)).toEqual(['slow', 'held', 'other']);
});

test('a send that fails frees its slot too, and the failure reaches the caller', async () => {
  const limit = new RecipientLimit(1);
  await expect(
    limit.run('http://x', async () => {
      throw new Error('refused');
    })
  ).rejects.toThrow('refused');
  expect(limit.inFlightTo('http://x')).toBe(0);
  expect(await limit.run('http://x', async () => 'next')).toBe('next');
});

test('a limit below one is refused', () => {
  expect(() => new RecipientLimit(0)).toThrow(RangeError);
  expect(() => new RecipientLimit(1.5)).toThrow(RangeError);
});

test(
  'expectedWaitMs: 0 while a slot is free; with the slots taken, the rounds ahead times what ' +
    'a send takes (its average, or the oldest send in flight when that is older)',
  async () => {
    let now = 1_000;
    const limit = new RecipientLimit(2, () => now);
    const log: string[] = [];
    const r = 'http://kommune-1508';
    expect(limit.expectedWaitMs(r)).toBe(0);
    const first = [openSend(log, 'a'), openSend(log, 'b')];
    const running = first.map((s) => limit.run(r, s.send));
    await turn();
    expect(limit.expectedWaitMs('http://other')).toBe(0);
    // Both slots taken 300 ms ago, no send ended yet: the oldest send's age is all there is to go by.
    now += 300;
    expect(limit.expectedWaitMs(r)).toBe(300);
    // Two more in line: a new one would wait for two rounds of two.
    const queued = [openSend(log, 'c'), openSend(log, 'd')];
    const later = queued.map((s) => limit.run(r, s.send));
    await turn();
    expect(limit.expectedWaitMs(r)).toBe(600);
    // a ends after 300 ms and c takes its slot: d and a newcomer make one round, of 300 ms (the
    // average so far, and b's age).
    first[0].finish();
    await running[0];
    await turn();
    expect(log).toEqual(['start a', 'start b', 'start c']);
    expect(limit.expectedWaitMs(r)).toBe(300);
    // b has now been in flight 1 s, longer than the average: a send is taken to last that long.
    now += 700;
    expect(limit.expectedWaitMs(r)).toBe(1000);
    for (const s of [first[1], ...queued]) s.finish();
    await Promise.all([...running, ...later]);
    expect(limit.expectedWaitMs(r)).toBe(0);
  }
);
