/**
 * TracedBackend: a GatewayBackend decorator that adds the coalescer wait span around single
 * reads, at the edge, so the coalescer core stays free of OpenTelemetry. The span
 * `coalescer.wait` covers the hot-cache check and the wait on a flight; its attributes say how
 * the read was served: `shoal.coalescer.role` (leader: this read's flight went to the node, so
 * the RPC client span is its child; follower: it rode another read's flight; cache: the hot
 * cache answered) and `shoal.coalescer.fan_in` (client reads the flight answered). Every other
 * method passes through. main.ts installs it only when tracing is on.
 */
import type * as B from '../backend/gateway-backend.ts'
import { childSpan } from '../../shared/tracing/spans.ts'

export class TracedBackend implements B.GatewayBackend {
  readonly #inner: B.GatewayBackend

  constructor(inner: B.GatewayBackend) {
    this.#inner = inner
  }

  get(request: B.GetRequest, options: B.CallOptions): Promise<B.GetResult> {
    const attributes = { 'shoal.consistency': request.consistency, 'shoal.table': request.table }
    return childSpan('coalescer.wait', attributes, async (span) => {
      const result = await this.#inner.get(request, options)
      if (span !== null && result.kind !== 'table-not-found' && result.coalescing !== undefined) {
        span.setAttribute('shoal.coalescer.role', result.coalescing.role)
        span.setAttribute('shoal.coalescer.fan_in', result.coalescing.fanIn)
      }
      return result
    })
  }

  multiGet(request: B.MultiGetRequest, options: B.CallOptions): Promise<B.MultiGetResult> {
    return this.#inner.multiGet(request, options)
  }
  scan(request: B.ScanRequest, options: B.CallOptions): Promise<B.ScanResult> {
    return this.#inner.scan(request, options)
  }
  put(request: B.PutRequest, options: B.CallOptions): Promise<B.WriteResult> {
    return this.#inner.put(request, options)
  }
  delete(request: B.DeleteRequest, options: B.CallOptions): Promise<B.WriteResult> {
    return this.#inner.delete(request, options)
  }
  versions(request: B.VersionsRequest, options: B.CallOptions): Promise<B.VersionsResult> {
    return this.#inner.versions(request, options)
  }
  createTable(
    name: string,
    settings: B.TableSettingsInput,
    options: B.CallOptions,
  ): Promise<B.CreateTableResult> {
    return this.#inner.createTable(name, settings, options)
  }
  dropTable(name: string, options: B.CallOptions): Promise<B.DropTableResult> {
    return this.#inner.dropTable(name, options)
  }
  describeTable(name: string, options: B.CallOptions): Promise<B.DescribeTableResult> {
    return this.#inner.describeTable(name, options)
  }
  listTables(options: B.CallOptions): Promise<readonly B.TableInfo[]> {
    return this.#inner.listTables(options)
  }
  clusterStatus(options: B.CallOptions): Promise<B.ClusterStatus> {
    return this.#inner.clusterStatus(options)
  }
  readiness(): B.Readiness {
    return this.#inner.readiness()
  }
}
