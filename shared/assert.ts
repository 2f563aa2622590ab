/**
 * Assertions catch programmer errors (STYLE.md R5). A storage node crashes on one; the gateway
 * answers 500 and counts it. Business code never catches an AssertionError.
 *
 * `INVARIANTS` turns on deep (expensive) checks. It is a value passed in by composition roots
 *: it is fixed at process start,
 * which is on under Vitest and when SHOAL_INVARIANTS=1 is set at process start.
 */

export class AssertionError extends Error {
  override readonly name = 'AssertionError'
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message)
}

export function assertNever(value: never, message = 'unexpected variant'): never {
  throw new AssertionError(`${message}: ${JSON.stringify(value)}`)
}

/** Deep checks are on in tests and the simulator; off by default in production processes. */
export const INVARIANTS: boolean =
  typeof globalThis.process !== 'undefined' &&
  (globalThis.process.env['VITEST'] !== undefined ||
    globalThis.process.env['SHOAL_INVARIANTS'] === '1')
