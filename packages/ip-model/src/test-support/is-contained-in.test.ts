import { containmentGaps, isContainedIn } from './is-contained-in';

const bundle = (entries: { fullUrl: string; resource: Record<string, unknown> }[]) => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: entries,
});

test('a result may add elements, but not drop or change one', () => {
  expect(isContainedIn({ a: 1, b: [1, { c: 'x' }] }, { a: 1, b: [1, { c: 'x', d: 2 }], e: 3 })).toBe(true);
  expect(containmentGaps({ a: 1, b: [1, { c: 'x' }] }, { a: 1, b: [1, { c: 'y' }] })).toEqual([
    '$.b[1].c: expected "x", got "y"',
  ]);
  expect(containmentGaps({ a: [1, 2] }, { a: [1] })).toEqual(['$.a[1]: expected 2, got undefined']);
  expect(isContainedIn({ a: { b: 1 } }, { a: 'b' })).toBe(false);
});

test('bundles match entries by fullUrl, not by position; set-aside resource types are skipped', () => {
  const original = bundle([
    { fullUrl: 'urn:uuid:1', resource: { resourceType: 'MessageHeader' } },
    { fullUrl: 'urn:uuid:2', resource: { resourceType: 'Patient', id: 'p' } },
    { fullUrl: 'urn:uuid:3', resource: { resourceType: 'Goal', id: 'g' } },
  ]);
  const result = bundle([
    { fullUrl: 'urn:uuid:3', resource: { resourceType: 'Goal', id: 'g' } },
    { fullUrl: 'urn:uuid:2', resource: { resourceType: 'Patient', id: 'p', gender: 'male' } },
  ]);
  expect(isContainedIn(original, result, (t) => t === 'MessageHeader')).toBe(true);
  expect(containmentGaps(original, result)).toEqual(['$.entry[0]: no entry with fullUrl urn:uuid:1']);
  const changed = bundle([{ fullUrl: 'urn:uuid:2', resource: { resourceType: 'Patient', id: 'q' } }]);
  expect(containmentGaps(bundle([original.entry[1]]), changed)).toEqual([
    '$.entry[0](urn:uuid:2).resource.id: expected "p", got "q"',
  ]);
});

test('extensions match by url and content in any order', () => {
  const original = {
    extension: [
      { url: 'a', valueString: '1' },
      { url: 'b', valueString: '2' },
    ],
  };
  expect(
    isContainedIn(original, {
      extension: [
        { url: 'b', valueString: '2' },
        { url: 'a', valueString: '1' },
      ],
    })
  ).toBe(true);
  expect(
    containmentGaps(original, {
      extension: [
        { url: 'b', valueString: '2' },
        { url: 'a', valueString: 'other' },
      ],
    })
  ).toEqual(['$.extension[0]: no extension a with the same content']);
});
