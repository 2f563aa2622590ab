/**
 * Renders the peer configs kept in loadtest/peers/ (varnish.vcl, nginx.conf): each `{{NAME}}`
 * placeholder is replaced by its value. Strict both ways, so a config can never start with a
 * hole or a typo: a placeholder without a value, a value no placeholder uses, a malformed
 * placeholder, and a value that could break out of its place in the config (anything but
 * letters, digits and `. _ / : -`) are all TemplateErrors.
 */

export class TemplateError extends Error {
  override readonly name = 'TemplateError'
}

const placeholderPattern = /\{\{([A-Z][A-Z0-9_]*)\}\}/g
/** Values land inside hosts, ports, paths and counts: nothing that ends a token or a line. */
const safeValuePattern = /^[A-Za-z0-9._/:-]+$/

export type TemplateValues = Readonly<Record<string, string | number>>

/** The placeholder names `text` uses, in order of first use. */
export function placeholdersOf(text: string): string[] {
  const names: string[] = []
  for (const match of text.matchAll(placeholderPattern)) {
    const name = match[1]!
    if (!names.includes(name)) names.push(name)
  }
  return names
}

export function renderTemplate(what: string, text: string, values: TemplateValues): string {
  const used = placeholdersOf(text)
  const missing = used.filter((name) => !(name in values))
  if (missing.length > 0) throw new TemplateError(`${what}: no value for ${missing.join(', ')}`)
  const unused = Object.keys(values).filter((name) => !used.includes(name))
  if (unused.length > 0) throw new TemplateError(`${what}: unused values ${unused.join(', ')}`)
  for (const [name, value] of Object.entries(values)) {
    if (!safeValuePattern.test(String(value))) {
      throw new TemplateError(`${what}: unsafe value for ${name}: ${JSON.stringify(value)}`)
    }
  }
  const rendered = text.replace(placeholderPattern, (_all, name: string) => String(values[name]))
  const leftover = /\{\{|\}\}/.exec(rendered)
  if (leftover !== null) {
    throw new TemplateError(`${what}: malformed placeholder near offset ${leftover.index}`)
  }
  return rendered
}
