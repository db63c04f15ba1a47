/** Weighted digit sum modulo 11, the base of every Norwegian check digit. */
export function weightedSumMod11(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += digits[i] * weights[i];
  }
  return sum % 11;
}

/** The classic mod-11 control digit: 11 − (sum mod 11), where 11 → 0 and 10 means no valid digit exists. */
export function mod11ControlDigit(digits: readonly number[], weights: readonly number[]): number | undefined {
  const control = (11 - weightedSumMod11(digits, weights)) % 11;
  return control === 10 ? undefined : control;
}

export function toDigits(value: string): number[] {
  return Array.from(value, (c) => c.charCodeAt(0) - 48);
}

export const isDigits = (value: string, length?: number): boolean =>
  /^[0-9]+$/.test(value) && (length === undefined || value.length === length);
