// Mod-11 check digits: the base of the fødselsnummer's two control digits and of the
// organisasjonsnummer's one.

/** Σ digits[i] × weights[i] modulo 11, over the weights' length. */
export function weightedSumMod11(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += digits[i] * weights[i];
  }
  return sum % 11;
}

/** The classic mod-11 control digit: 11 − (sum mod 11), where 11 → 0 and 10 means no valid digit exists (undefined). */
export function mod11ControlDigit(digits: readonly number[], weights: readonly number[]): number | undefined {
  const control = (11 - weightedSumMod11(digits, weights)) % 11;
  return control === 10 ? undefined : control;
}

/** '0'–'9' characters to numbers; call only on strings that passed isDigits. */
export function toDigits(value: string): number[] {
  // A plain loop: Array.from's string iterator cost more than the check digit itself.
  const digits = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) digits[i] = value.charCodeAt(i) - 48;
  return digits;
}

/** Only ASCII digits, and exactly `length` of them when given. */
export function isDigits(value: string, length?: number): boolean {
  return /^[0-9]+$/.test(value) && (length === undefined || value.length === length);
}

/** Weights of the fødselsnummer's first control digit k1 (over d1..d9) and second k2 (over d1..d10). */
export const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
export const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/**
 * The values k1 may take for the first nine digits. Today's rule: 11 − s mod 11 (11 → 0, 10 → none).
 * From 2032 Skatteetaten also issues k1 = 12, 13 or 14 − s mod 11 (the number space grows
 * fourfold); numbers of both rules live side by side, so both are accepted. Put another way:
 * (s + k1) mod 11 ∈ {0, 1, 2, 3}.
 */
export function allowedK1(firstNine: readonly number[]): number[] {
  const s = weightedSumMod11(firstNine, K1_WEIGHTS);
  const allowed: number[] = [];
  for (const base of [11, 12, 13, 14]) {
    const k1 = (base - s) % 11;
    if (k1 !== 10) allowed.push(k1);
  }
  return allowed;
}

/** k1 (digits[9]) is valid under today's or the 2032 rule. */
export function isValidK1(digits: readonly number[]): boolean {
  return allowedK1(digits).includes(digits[9]);
}

/** k2 (digits[10]) is valid: 11 − (Σ d1..d10 × K2_WEIGHTS mod 11), 11 → 0. */
export function isValidK2(digits: readonly number[]): boolean {
  return mod11ControlDigit(digits, K2_WEIGHTS) === digits[10];
}

/**
 * The two control digits for nine digits under today's rule (what numbers issued before 2032
 * carry), or undefined when no valid k1 or k2 exists for them.
 */
export function controlDigits(firstNine: string): string | undefined {
  if (!isDigits(firstNine, 9)) return undefined;
  const digits = toDigits(firstNine);
  const k1 = mod11ControlDigit(digits, K1_WEIGHTS);
  if (k1 === undefined) return undefined;
  const k2 = mod11ControlDigit([...digits, k1], K2_WEIGHTS);
  return k2 === undefined ? undefined : `${k1}${k2}`;
}
