/**
 * Reconnect backoff: exponential with "equal jitter" (half fixed, half random), so peers that
 * lost the same node do not reconnect in lockstep. Pure: the attempt and the Prng are inputs.
 */
import { assert } from '../assert.ts'
import type { Prng } from '../random/prng.ts'

export function reconnectDelayMs(
  attempt: number,
  prng: Prng,
  options: { backoffMsMin: number; backoffMsMax: number },
): number {
  assert(Number.isSafeInteger(attempt) && attempt >= 1, 'attempt counts from 1')
  assert(options.backoffMsMin >= 1, 'backoffMsMin must be positive')
  assert(options.backoffMsMin <= options.backoffMsMax, 'backoffMsMin above backoffMsMax')
  const exponent = Math.min(attempt - 1, 30) // 2^30 ms is far past any sane cap
  const ceilingMs = Math.min(options.backoffMsMax, options.backoffMsMin * 2 ** exponent)
  const floorMs = Math.ceil(ceilingMs / 2)
  const delayMs = prng.intInclusive(floorMs, Math.ceil(ceilingMs))
  assert(delayMs >= 1 && delayMs <= options.backoffMsMax, 'delay out of range')
  return delayMs
}
