/**
 * Frame bodies as MessagePack (msgpackr), with every option that changes the bytes or the
 * decoded shapes written out (STYLE.md R11):
 *
 * - `useRecords: false`, `structuredClone: false`, `bundleStrings: false`, `moreTypes: false`:
 *   plain MessagePack, no per-connection shared state (records would make a frame depend on
 *   earlier frames), so any frame decodes on its own and other implementations can read it.
 * - `mapsAsObjects: true`: maps decode to plain objects (msgpackr renames a `__proto__` key).
 * - `copyBuffers: false`, after one copy of the whole body: a decoded Uint8Array (msgpack bin; a
 *   Buffer, which is a Uint8Array) is a view into a copy of its own frame's body, made for this
 *   decode. A value the caller keeps pins at most that body, never the 64 KiB socket read chunk
 *   or a pooled slab shared with other requests. One allocation per body instead of one per bin
 *   (a multi-get answer holds hundreds of bins).
 * - `int64AsType: 'number'`: 64-bit integers decode as numbers; the protocol uses safe integers.
 * - `variableMapSize: false`: objects always get a map16 header (2 bytes more than a fixmap for
 *   small objects), which msgpackr documents as 5-10% faster to encode.
 *
 * Decoded bodies are `unknown`: the caller validates them (shared/api schemas, R14).
 */
import { Packr } from 'msgpackr'
import { ShoalError } from '../errors.ts'

/** A codec instance; it holds msgpackr's reusable output buffer, so each shell owns one. */
export class BodyCodec {
  readonly #packr = new Packr({
    useRecords: false,
    structuredClone: false,
    bundleStrings: false,
    moreTypes: false,
    mapsAsObjects: true,
    copyBuffers: false,
    int64AsType: 'number',
    encodeUndefinedAsNil: false,
    variableMapSize: false,
  })

  /** The returned bytes stay valid after later calls (msgpackr moves on in its buffer). */
  encode(value: unknown): Uint8Array {
    try {
      return this.#packr.pack(value)
    } catch (error) {
      throw new ShoalError('bad-request', `cannot encode body: ${describe(error)}`, {
        cause: error,
      })
    }
  }

  /**
   * Decodes one body; `bytes` may be a view into a larger buffer (it is copied first). Throws a
   * `protocol` ShoalError when `bytes` are not exactly one MessagePack value.
   */
  decode(bytes: Uint8Array): unknown {
    if (bytes.length === 0) throw new ShoalError('protocol', 'empty frame body')
    try {
      const owned = Uint8Array.prototype.slice.call(bytes) // copy: see copyBuffers above
      const value: unknown = this.#packr.unpack(owned)
      return value
    } catch (error) {
      throw new ShoalError('protocol', `undecodable frame body: ${describe(error)}`, {
        cause: error,
      })
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
