/**
 * Values no op in a partition can observe: written (by a put or as a cas's new value) but never
 * returned by a get and never compared against by any cas, and not the initial value. Such a
 * value can only ever make a get or a successful cas fail and a failed cas succeed, exactly as
 * any other such value would; so the model may treat all of them as one state ("unobserved").
 * That merges search configurations that differ only in which unread value was last written,
 * and makes pending timed-out writes of unread values interchangeable (see wgl.ts).
 *
 * Not for appends, whose next state depends on the exact value: a partition with an append
 * gets the empty set.
 */
import type { Operation, Value } from './operation.ts'

export function unobservedValues(ops: readonly Operation[], initialValue: Value): Set<string> {
  const unobserved = new Set<string>()
  if (ops.some((op) => op.f === 'append')) return unobserved
  for (const op of ops) {
    if ((op.f === 'put' || op.f === 'cas') && op.value !== null) unobserved.add(op.value)
  }
  for (const op of ops) {
    if (op.f === 'get' && op.value !== null) unobserved.delete(op.value)
    if (op.f === 'cas' && op.expected !== null) unobserved.delete(op.expected)
  }
  if (initialValue !== null) unobserved.delete(initialValue)
  return unobserved
}
