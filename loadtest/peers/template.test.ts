// Goal: the peer configs render completely and safely. Method: render small texts and the real
// varnish.vcl / nginx.conf templates with renderTemplate and check the output and the errors.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { placeholdersOf, renderTemplate, TemplateError } from './template.ts'

const peerFile = (name: string): string => readFileSync(join(import.meta.dirname, name), 'utf8')

describe('renderTemplate', () => {
  it('renderTemplate: every placeholder has a value: all replaced, numbers as text', () => {
    const text = 'listen {{HOST}}:{{PORT}}; again {{PORT}}'
    expect(renderTemplate('t', text, { HOST: '127.0.0.1', PORT: 8080 })).toBe(
      'listen 127.0.0.1:8080; again 8080',
    )
  })

  it('renderTemplate: a placeholder without a value: TemplateError naming it', () => {
    expect(() => renderTemplate('t', '{{A}} {{B}}', { A: 'x' })).toThrow(/no value for B/)
  })

  it('renderTemplate: a value no placeholder uses: TemplateError (a typo is caught)', () => {
    expect(() => renderTemplate('t', '{{A}}', { A: 'x', PROT: 1 })).toThrow(/unused values PROT/)
  })

  it('renderTemplate: a value that could break out of its token: TemplateError', () => {
    for (const bad of ['a;b', 'a b', 'x"', '1\n2', '', '{{A}}']) {
      expect(() => renderTemplate('t', 'v {{A}};', { A: bad })).toThrow(TemplateError)
    }
  })

  it('renderTemplate: a malformed placeholder: TemplateError', () => {
    expect(() => renderTemplate('t', '{{a}}', {})).toThrow(/malformed placeholder/)
    expect(() => renderTemplate('t', '{{A}', {})).toThrow(/malformed placeholder/)
  })

  it('placeholdersOf: names in order of first use, each once', () => {
    expect(placeholdersOf('{{B}} {{A}} {{B}} {x} {{c}}')).toEqual(['B', 'A'])
  })

  it('renderTemplate: varnish.vcl: 1 s TTL, no grace, the upstream filled in', () => {
    const vcl = renderTemplate('varnish.vcl', peerFile('varnish.vcl'), {
      BACKEND_HOST: '127.0.0.1',
      BACKEND_PORT: 4321,
    })
    expect(vcl).toMatch(/^vcl 4\.1;$/m)
    expect(vcl).toContain('.host = "127.0.0.1";')
    expect(vcl).toContain('.port = "4321";')
    expect(vcl).toContain('set beresp.ttl = 1s;')
    expect(vcl).toContain('set beresp.grace = 0s;')
  })

  it('renderTemplate: nginx.conf: cache lock on, 1 s validity, keepalive upstream', () => {
    const conf = renderTemplate('nginx.conf', peerFile('nginx.conf'), {
      WORKERS: 2,
      PREFIX: '/tmp/p',
      CACHE_DIR: '/dev/shm/c',
      BACKEND_HOST: '127.0.0.1',
      BACKEND_PORT: 4321,
      LISTEN_HOST: '127.0.0.1',
      LISTEN_PORT: 5555,
    })
    expect(conf).toContain('proxy_cache_lock on;')
    expect(conf).toContain('proxy_cache_valid 200 404 1s;')
    expect(conf).toMatch(/server 127\.0\.0\.1:4321;\s+keepalive \d+;/)
    expect(conf).toContain('proxy_cache_path /dev/shm/c ')
    expect(conf).toContain('listen 127.0.0.1:5555 ')
    expect(conf).not.toMatch(/\{\{|\}\}/)
  })
})
