import type { RecipientLimit } from '../recipient-limit';

/** Takes one of `endpoint`'s slots in `limit` with a send that lasts until `free()`, which resolves once the slot is given back. */
export function holdSlot(limit: Pick<RecipientLimit, 'run'>, endpoint: string): { free: () => Promise<void> } {
  let finish!: () => void;
  const holding = limit.run(endpoint, () => new Promise<void>((r) => (finish = r)));
  return {
    free: async () => {
      finish();
      await holding;
    },
  };
}
