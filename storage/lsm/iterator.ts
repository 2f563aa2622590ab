/**
 * InternalIterator: the one cursor interface every sorted source implements (memtables, blocks,
 * tables, levels, the merge of them all). Keys are internal keys (internal-key.ts), values are
 * entry values (entry-value.ts). Synchronous: reads hit memory or the page cache.
 */
export interface InternalIterator {
  valid(): boolean
  key(): Uint8Array
  value(): Uint8Array
  /** First entry with key >= target. */
  seekGE(target: Uint8Array): void
  /** Last entry with key < target. */
  seekLT(target: Uint8Array): void
  first(): void
  last(): void
  next(): void
  prev(): void
}
