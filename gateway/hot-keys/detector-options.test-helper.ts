/**
 * Detector options the hot-set tests share: a 1 s window in two buckets, a key is hot from 100
 * requests per second (10 at least, share ignored), at most 3 hot keys.
 */
import { defaultHotKeyDetectorOptions } from './detector.ts'

export const smallHotSetOptions = {
  ...defaultHotKeyDetectorOptions,
  windowMs: 1000,
  bucketCount: 2,
  hotRatePerSecMin: 100,
  hotShareMin: Number.POSITIVE_INFINITY,
  hotCountMin: 10,
  hotKeysMax: 3,
}
