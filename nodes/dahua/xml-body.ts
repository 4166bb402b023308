// The flat XML bodies of DH-HTTP (spec §2): an optional <?xml …?> prologue, then
// <body><Key>Value</Key>…</body> with leaf elements only. The cloud and the device never nest,
// so anything that is not a flat list of leaves is refused rather than half-understood.

/** Bodies bigger than this are refused: one DH-HTTP message fits in one UDP datagram. */
export const MAX_XML_BYTES = 16 * 1024;
/** The largest reply seen has 9 fields; 64 leaves room without letting a peer make us allocate much. */
export const MAX_XML_FIELDS = 64;

export type XmlFields = Record<string, string>;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_m, name: string) => ENTITIES[name]);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/**
 * Parses a flat `<body>` into a map of its leaves. Returns null for anything else (an empty
 * string is an empty map: many replies carry no body at all).
 */
export function parseXmlBody(text: string): XmlFields | null {
  if (text.length > MAX_XML_BYTES) return null;
  let rest = text.trim();
  if (rest === '') return Object.create(null) as XmlFields;
  if (rest.startsWith('<?xml')) {
    const end = rest.indexOf('?>');
    if (end < 0) return null;
    rest = rest.slice(end + 2).trimStart();
  }
  if (rest === '<body/>') return Object.create(null) as XmlFields;
  if (!rest.startsWith('<body>') || !rest.endsWith('</body>')) return null;
  return parseLeaves(rest.slice('<body>'.length, rest.length - '</body>'.length));
}

function parseLeaves(inner: string): XmlFields | null {
  const fields = Object.create(null) as XmlFields;
  let count = 0;
  let i = 0;
  while (i < inner.length) {
    if (/\s/.test(inner[i])) {
      i++;
      continue;
    }
    if (inner[i] !== '<') return null;
    const close = inner.indexOf('>', i);
    if (close < 0) return null;
    const tag = inner.slice(i + 1, close);
    if (++count > MAX_XML_FIELDS) return null;
    if (tag.endsWith('/')) {
      const name = tag.slice(0, -1).trim();
      if (!NAME.test(name)) return null;
      fields[name] = '';
      i = close + 1;
      continue;
    }
    if (!NAME.test(tag)) return null;
    const endTag = `</${tag}>`;
    const end = inner.indexOf(endTag, close + 1);
    if (end < 0) return null;
    const value = inner.slice(close + 1, end);
    if (value.includes('<')) return null;
    fields[tag] = unescapeXml(value);
    i = end + endTag.length;
  }
  return fields;
}

/** `<body><A>1</A><B>2</B></body>`, keys in the order given (the SDK sorts them; the cloud does not care). */
export function buildXmlBody(fields: ReadonlyArray<readonly [string, string]>): string {
  let out = '<body>';
  for (const [name, value] of fields) {
    if (!NAME.test(name)) throw new RangeError(`not an XML element name: ${JSON.stringify(name)}`);
    out += `<${name}>${escapeXml(value)}</${name}>`;
  }
  return out + '</body>';
}
