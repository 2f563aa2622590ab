/**
 * CatalogClient: table create / drop / describe / list, sent to the catalog group's leader.
 */
import type { z } from 'zod'
import {
  CreateTableResponse,
  DescribeTableResponse,
  DropTableResponse,
  ListTablesResponse,
  StorageMethod,
  type StorageMethodName,
} from '../../shared/api/storage-api.ts'
import type { Clock } from '../../shared/time/clock.ts'
import type { ShardMap } from '../routing/shard-map.ts'
import type * as B from './gateway-backend.ts'
import type { GroupCaller } from './group-caller.ts'

export class CatalogClient {
  readonly #clock: Clock
  readonly #caller: GroupCaller
  readonly #timeoutMs: number
  #map: ShardMap

  constructor(clock: Clock, deps: { caller: GroupCaller; map: ShardMap; timeoutMs: number }) {
    this.#clock = clock
    this.#caller = deps.caller
    this.#map = deps.map
    this.#timeoutMs = deps.timeoutMs
  }

  updateMap(map: ShardMap): void {
    this.#map = map
  }

  createTable(
    name: string,
    settings: B.TableSettingsInput,
    options: B.CallOptions,
  ): Promise<B.CreateTableResult> {
    // Keyed by name: a re-send after an ambiguous failure answers 'exists' with the same table.
    return this.#call(StorageMethod.createTable, { name, settings }, options, {
      schema: CreateTableResponse,
      idempotent: true,
    })
  }

  dropTable(name: string, options: B.CallOptions): Promise<B.DropTableResult> {
    return this.#call(StorageMethod.dropTable, { name }, options, {
      schema: DropTableResponse,
      idempotent: false,
    })
  }

  describeTable(name: string, options: B.CallOptions): Promise<B.DescribeTableResult> {
    return this.#call(StorageMethod.describeTable, { name }, options, {
      schema: DescribeTableResponse,
      idempotent: true,
    })
  }

  async listTables(options: B.CallOptions): Promise<readonly B.TableInfo[]> {
    const answer = await this.#call(StorageMethod.listTables, {}, options, {
      schema: ListTablesResponse,
      idempotent: true,
    })
    return answer.tables
  }

  #call<T>(
    method: StorageMethodName,
    params: unknown,
    options: B.CallOptions,
    call: { schema: z.ZodType<T>; idempotent: boolean },
  ): Promise<Exclude<T, { kind: 'not-leader'; leaderHint: string | null }>> {
    return this.#caller.call({
      group: this.#map.catalogGroup,
      method,
      params,
      schema: call.schema,
      deadlineMs: this.#clock.monotonicMs() + this.#timeoutMs,
      signal: options.signal,
      target: 'leader',
      idempotent: call.idempotent,
    })
  }
}
