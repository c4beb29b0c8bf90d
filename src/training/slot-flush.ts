/** When Adam's tiny moments are flushed to zero (see `flushTinySlots` in optimizer.ts for why). */

/** Adam slots below this magnitude are flushed to zero by {@link flushTinySlots}. */
export const SLOT_FLUSH_THRESHOLD = 1e-30;

/** Steps between two flushes; fewer than the ~175 steps Adam's β₁ decay needs to take 1e-30 down to a denormal. */
export const SLOT_FLUSH_EVERY = 20;
