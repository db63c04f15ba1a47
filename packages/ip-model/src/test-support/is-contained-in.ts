/** The paths where `original` has something that `result` lacks or holds differently (arrays by index). */
export function missingFrom(original: unknown, result: unknown, path = '$'): string[] {
  if (original === null || typeof original !== 'object') {
    return original === result ? [] : [`${path}: expected ${JSON.stringify(original)}, got ${JSON.stringify(result)}`];
  }
  if (Array.isArray(original)) {
    if (!Array.isArray(result)) return [`${path}: expected an array`];
    return original.flatMap((item, i) => missingFrom(item, result[i], `${path}[${i}]`));
  }
  if (!result || typeof result !== 'object') return [`${path}: expected an object`];
  return Object.entries(original as Record<string, unknown>).flatMap(([k, v]) => missingFrom(v, (result as Record<string, unknown>)[k], `${path}.${k}`));
}
