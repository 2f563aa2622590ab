/**
 * Every limit in one table (STYLE.md R4): name with the unit last, the default, and why.
 * A limit of zero never means "unlimited". Exceeding a limit is a typed ShoalError.
 * Each area keeps its own section; add entries to your section only.
 */

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB

export const limits = {
  // --- keys and values (shared by gateway and storage) ---
  keyBytesMax: 4 * KiB, // LSM user keys; gateway item keys are smaller (see gateway section)
  valueBytesMax: 2 * GiB - 1, // through the value log in chunks
  valueInlineBytesMax: 4 * KiB, // at or above this a value goes to the value log (WiscKey)

  // --- lsm ---

  // --- raft ---

  // --- rpc / protocol ---

  // --- storage node ---

  // --- gateway ---
} as const satisfies Record<string, number>
