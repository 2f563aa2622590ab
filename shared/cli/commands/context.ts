/**
 * What every client command shares: the global options (--url, --api-key, --json), the client
 * built from them, and the mapping of failures to exit codes (documented in main.ts).
 */
import type { Command } from 'commander'
import { ShoalClient, ShoalHttpError } from '../../client/shoal-client.ts'

export const EXIT_OK = 0
export const EXIT_NOT_FOUND_OR_PRECONDITION = 1
export const EXIT_USAGE = 2
export const EXIT_SERVER = 3

/** A failure the command already explained; `code` is the process exit code. */
export class CliExit extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

export interface GlobalOptions {
  readonly url: string
  readonly apiKey?: string
  readonly json: boolean
}

export function globals(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<{ url: string; apiKey?: string; json?: boolean }>()
  return {
    url: options.url,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    json: options.json === true,
  }
}

export function clientFor(options: GlobalOptions): ShoalClient {
  return new ShoalClient({
    baseUrl: options.url,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  })
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Maps an error from the client to an exit code and one clear line. */
export function exitFor(error: unknown, url: string): CliExit {
  if (error instanceof CliExit) return error
  if (error instanceof ShoalHttpError) {
    const what = error.problem === null ? `HTTP ${error.status}` : error.message
    if (error.status === 404)
      return new CliExit(EXIT_NOT_FOUND_OR_PRECONDITION, `not found: ${what}`)
    if (error.status === 409 || error.status === 412) {
      return new CliExit(EXIT_NOT_FOUND_OR_PRECONDITION, `precondition failed: ${what}`)
    }
    if (error.status >= 400 && error.status < 500 && error.status !== 429) {
      return new CliExit(EXIT_USAGE, `rejected: ${what}`)
    }
    return new CliExit(EXIT_SERVER, `server error: ${what}`)
  }
  const reason = error instanceof Error ? error.message : String(error)
  return new CliExit(EXIT_SERVER, `cannot reach ${url}: ${reason}`)
}

/** Wraps a command action: runs it with the globals and turns failures into CliExit. */
export function action<A extends unknown[]>(
  run: (options: GlobalOptions, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async function (this: Command, ...args: A): Promise<void> {
    const options = globals(this)
    try {
      await run(options, ...args)
    } catch (error) {
      throw exitFor(error, options.url)
    }
  }
}

export function positiveInt(value: string): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new CliExit(EXIT_USAGE, `expected a non-negative integer, got "${value}"`)
  }
  return number
}
