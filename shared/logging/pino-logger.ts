/**
 * PinoLogger: the production Logger, structured JSON lines through pino. Built only by
 * composition roots (main.ts) and passed down; nothing imports a logger singleton. Every line
 * written inside a traced operation carries its `traceId` and `spanId` (trace-log-fields.ts);
 * request-scoped fields such as `requestId` come from child loggers.
 */
import { pino, type DestinationStream, type Logger as Pino } from 'pino'
import type { LogFields, Logger } from '../log.ts'
import { traceLogFields } from './trace-log-fields.ts'

export class PinoLogger implements Logger {
  readonly #pino: Pino

  constructor(instance: Pino) {
    this.#pino = instance
  }

  /**
   * A root logger writing JSON lines to a file descriptor (default stderr), or to `stream`
   * (tests read the lines back).
   */
  static create(options: {
    name: string
    level: string
    fd?: number
    stream?: DestinationStream
  }): PinoLogger {
    const instance = pino(
      { name: options.name, level: options.level, mixin: traceLogFields },
      options.stream ?? pino.destination(options.fd ?? 2),
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
