import { VerifiedTokenCache } from './token-cache';

test('an entry is returned until its time, then dropped', () => {
  const cache = new VerifiedTokenCache<string>(10);
  cache.set('a.b.c', 'ctx', 1000, 0);
  expect(cache.get('a.b.c', 999)).toBe('ctx');
  expect(cache.get('a.b.c', 1000)).toBeUndefined();
  expect(cache.size).toBe(0);
});

test('only the exact token string hits; a token already expired is not kept', () => {
  const cache = new VerifiedTokenCache<string>(10);
  cache.set('a.b.c', 'ctx', 1000, 0);
  expect(cache.get('a.b.cX', 1)).toBeUndefined();
  cache.set('old', 'ctx', 5, 10);
  expect(cache.get('old', 6)).toBeUndefined();
});

test('bounded: past max the oldest entry goes', () => {
  const cache = new VerifiedTokenCache<number>(3);
  for (let i = 0; i < 5; i++) cache.set(`t${i}`, i, 1000, 0);
  expect(cache.size).toBe(3);
  expect(cache.get('t0', 1)).toBeUndefined();
  expect(cache.get('t1', 1)).toBeUndefined();
  expect([cache.get('t2', 1), cache.get('t3', 1), cache.get('t4', 1)]).toEqual([2, 3, 4]);
});

test('max 0 turns the cache off', () => {
  const cache = new VerifiedTokenCache<number>(0);
  cache.set('t', 1, 1000, 0);
  expect(cache.get('t', 1)).toBeUndefined();
});
