/**
 * PinoLogger: the production Logger, structured JSON lines through pino. Built only by
 * composition roots (main.ts) and passed down; nothing imports a logger singleton.
 */
import { pino, type Logger as Pino } from 'pino'
import type { LogFields, Logger } from '../log.ts'

export class PinoLogger implements Logger {
  readonly #pino: Pino

  constructor(instance: Pino) {
    this.#pino = instance
  }

  /** A root logger writing JSON lines to `destination` (a file descriptor; default stderr). */
  static create(options: { name: string; level: string; fd?: number }): PinoLogger {
    const instance = pino(
      { name: options.name, level: options.level },
      pino.destination(options.fd ?? 2),
    )
    return new PinoLogger(instance)
  }

  debug(message: string, fields?: LogFields): void {
    this.#pino.debug(fields ?? {}, message)
  }
  info(message: string, fields?: LogFields): void {
    this.#pino.info(fields ?? {}, message)
  }
  warn(message: string, fields?: LogFields): void {
    this.#pino.warn(fields ?? {}, message)
  }
  error(message: string, fields?: LogFields): void {
    this.#pino.error(fields ?? {}, message)
  }
  child(fields: LogFields): Logger {
    return new PinoLogger(this.#pino.child(fields))
  }
}
