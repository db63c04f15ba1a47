import { checkPersonNumber } from './person-number';
import { makeSyntheticFodselsnummer } from './synthetic';

/** mulberry32: a small seeded PRNG, so the property tests are random but repeatable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = Date.UTC(1854, 0, 1);
const LAST = Date.UTC(2039, 11, 31);
const DAY = 86_400_000;

function randomCases(count: number, seed: number): { birthDate: string; individual: number; dNummer: boolean }[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => ({
    birthDate: new Date(FIRST + Math.floor(random() * ((LAST - FIRST) / DAY + 1)) * DAY).toISOString().slice(0, 10),
    individual: Math.floor(random() * 1000),
    dNummer: random() < 0.25,
  }));
}

describe('makeSyntheticFodselsnummer', () => {
  test("the contract's example comes out for 2005-03-12 from individual number 512", () => {
    expect(makeSyntheticFodselsnummer('2005-03-12', 512)).toBe('12830551210');
  });

  test('month + 80, and day + 40 for a D-nummer', () => {
    const fnr = makeSyntheticFodselsnummer('1990-07-15', 100);
    expect(fnr.slice(0, 6)).toBe('158790');
    const d = makeSyntheticFodselsnummer('1990-07-15', 100, { dNummer: true });
    expect(d.slice(0, 6)).toBe('558790');
    expect(checkPersonNumber(d)).toEqual({ ok: true, kind: 'd-nummer', synthetic: true, birthDate: '1990-07-15' });
  });

  test('an individual number of the wrong century is skipped for the next one that fits', () => {
    // 100 is a 1900s number; 2010 needs 500–999
    const n = makeSyntheticFodselsnummer('2010-01-01', 100);
    expect(Number(n.slice(6, 9))).toBeGreaterThanOrEqual(500);
    // 1870 needs 500–749 and 1945 may use 000–499 or 900–999: from 950 it stays high
    expect(Number(makeSyntheticFodselsnummer('1870-06-01', 0).slice(6, 9))).toBeGreaterThanOrEqual(500);
    expect(Number(makeSyntheticFodselsnummer('1870-06-01', 0).slice(6, 9))).toBeLessThanOrEqual(749);
    expect(Number(makeSyntheticFodselsnummer('1945-06-01', 950).slice(6, 9))).toBeGreaterThanOrEqual(950);
  });

  test('refuses what is not a birth date a person number can code', () => {
    expect(() => makeSyntheticFodselsnummer('2005-02-29')).toThrow(RangeError);
    expect(() => makeSyntheticFodselsnummer('12.03.2005')).toThrow(RangeError);
    expect(() => makeSyntheticFodselsnummer('1853-12-31')).toThrow(/1854–2039/);
    expect(() => makeSyntheticFodselsnummer('2040-01-01')).toThrow(/1854–2039/);
  });

  test('property: 1,000 generated synthetic numbers validate and give back their birth date', () => {
    for (const { birthDate, individual, dNummer } of randomCases(1000, 20261124)) {
      const number = makeSyntheticFodselsnummer(birthDate, individual, { dNummer });
      expect(checkPersonNumber(number)).toEqual({
        ok: true,
        kind: dNummer ? 'd-nummer' : 'fodselsnummer',
        synthetic: true,
        birthDate,
      });
      expect(checkPersonNumber(number, { allowSynthetic: false })).toMatchObject({
        ok: false,
        rule: 'synthetic-not-allowed',
      });
    }
  });

  test('property: every single-digit change of 1,000 valid numbers is rejected', () => {
    // Mod 11 catches every single-digit error: the k2 sum changes by w·δ with w in 2..7 and
    // 0 < |δ| < 10, never a multiple of 11, even where the 2032 rule lets the k1 sum through.
    let changes = 0;
    for (const { birthDate, individual, dNummer } of randomCases(1000, 7)) {
      const valid = makeSyntheticFodselsnummer(birthDate, individual, { dNummer });
      for (let pos = 0; pos < 11; pos++) {
        for (let digit = 0; digit <= 9; digit++) {
          if (String(digit) === valid[pos]) continue;
          const changed = valid.slice(0, pos) + digit + valid.slice(pos + 1);
          const r = checkPersonNumber(changed);
          if (r.ok) throw new Error(`${valid} → ${changed} (position ${pos + 1}) was accepted`);
          changes++;
        }
      }
    }
    expect(changes).toBe(1000 * 11 * 9);
  });
});
