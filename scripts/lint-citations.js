#!/usr/bin/env node
'use strict';
// `npm run lint:citations`: every "§N" a comment cites must resolve inside the repository.
//
// Which document a citation points at is decided by the nearest name written before it, on the
// same line or the two lines above it in the same comment:
// - a published standard ("RFC 2326 §10.12", "ITU-T H.264 §7.3.1", "T.81 §F.1.2.3"): it must be one
//   that docs/protocols/rtsp.md lists (its table of standards cited in the media code);
// - a document path ("docs/protocols/dahua.md §9"): that file must exist and have the section;
// - "spec", or nothing: the family's own notes, docs/protocols/<doc>.md of the folder the file
//   sits in (nodes/<family>, sim/<family>, test/<family>, bench/<family>-*.ts). In the media
//   folders, a bare "§N" with no name nearby belongs to the standard of the file's opening
//   comment (the one its first "§" cites, else the first one it names), as rtsp.md says.
// A section exists when the document has a heading that starts with its number ("## 6. Keepalive",
// "### 6.1 Header"); test vectors are headings "### T5 — …", cited as "spec T5" or "the spec's T5".
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const DOCS = path.join('docs', 'protocols');

/** Source folder name → its protocol notes. */
const FAMILY_DOCS = { amba: 'ambarella.md', v720: 'v720.md', dahua: 'dahua.md', xiaomi: 'xiaomi.md', media: 'rtsp.md' };
const SOURCE_EXTENSIONS = new Set(['.ts', '.js', '.c', '.h', '.html']);
const LOOKBACK_LINES = 2;

const STANDARD = /\bRFC\s?\d{3,4}\b|\bITU-T\s+[HT]\.\d+\b|\bITU\s+T\.81\b|\bH\.26[45]\b|\bT\.81\b/g;
const DOC_PATH = /[\w./-]*?([\w-]+)\.md\b/g;
const SPEC_WORD = /\bspec\b/gi;
const SECTION = /§\s?([A-Z](?:\.\d+)+|[A-Z]?\d+(?:\.\d+)*)(?:\s?[–-]\s?(\d+(?:\.\d+)*))?/g;
const VECTOR = /\bspec(?:'s)?\s+(T\d+)\b/g;

/** "RFC2326" → "RFC 2326", "H.264" → "ITU-T H.264", "ITU T.81" → "ITU-T T.81". */
function standardName(text) {
  const t = text.replace(/\s+/g, ' ');
  if (/^RFC/.test(t)) return `RFC ${t.replace(/\D/g, '')}`;
  return `ITU-T ${t.replace(/^ITU(-T)? /, '')}`;
}

/** The section ids of a markdown document: "6", "6.1", "T5". */
function headingsOf(file) {
  const ids = new Set();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^#{1,6}\s+([A-Z]?\d+(?:\.\d+)*)\.?(?:\s|$)/.exec(line);
    if (m) ids.add(m[1]);
  }
  return ids;
}

function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (SOURCE_EXTENSIONS.has(path.extname(entry.name))) out.push(full);
  }
  return out;
}

/** The family a source file belongs to, or undefined for shared code (nodes/core, test/support…). */
function familyOf(rel) {
  const parts = rel.split(path.sep);
  if (['nodes', 'sim', 'test'].includes(parts[0])) return FAMILY_DOCS[parts[1]] ? parts[1] : undefined;
  if (parts[0] === 'bench') return Object.keys(FAMILY_DOCS).find((f) => parts[1].startsWith(`${f}-`));
  return undefined;
}

/** The last qualifier in `text`: { kind: 'standard' | 'doc' | 'spec', name }. */
function lastQualifier(text) {
  let best = null;
  const consider = (re, kind, name) => {
    for (const m of text.matchAll(re)) if (!best || m.index >= best.at) best = { at: m.index, kind, name: name(m) };
  };
  consider(SPEC_WORD, 'spec', () => undefined);
  consider(DOC_PATH, 'doc', (m) => m[0]);
  consider(STANDARD, 'standard', (m) => standardName(m[0]));
  return best;
}

/**
 * The standard a media file's bare "§N" belongs to: the one its opening comment cites its first
 * section of ("RFC 6184 in packetization-mode 1: … (§5.6)"), else the first one it names.
 */
function openingStandard(text) {
  const head = /^(?:\s*(?:\/\/.*|\/\*[\s\S]*?\*\/|<!--[\s\S]*?-->)\n?)+/.exec(text);
  if (!head) return undefined;
  const firstSection = head[0].indexOf('§');
  const q = firstSection >= 0 ? lastQualifier(head[0].slice(0, firstSection)) : null;
  if (q && q.kind === 'standard') return q.name;
  const m = head[0].match(STANDARD);
  return m ? standardName(m[0]) : undefined;
}

const COMMENT_LINE = /^\s*(\/\/|\/?\*)/;

/** The lines of the same comment block just above line `i` (none when line `i` is code with a trailing comment). */
function commentAbove(lines, i) {
  if (!COMMENT_LINE.test(lines[i])) return [];
  let start = i;
  while (start > 0 && i - start < LOOKBACK_LINES && COMMENT_LINE.test(lines[start - 1])) start--;
  return lines.slice(start, i);
}

function checkCitations(rootDir = root) {
  const problems = [];
  const docsDir = path.join(rootDir, DOCS);
  const headings = new Map();
  const sectionsOf = (doc) => {
    if (!headings.has(doc)) headings.set(doc, fs.existsSync(path.join(docsDir, doc)) ? headingsOf(path.join(docsDir, doc)) : null);
    return headings.get(doc);
  };
  const mediaDoc = path.join(docsDir, FAMILY_DOCS.media);
  const listedStandards = fs.existsSync(mediaDoc) ? fs.readFileSync(mediaDoc, 'utf8') : '';

  // test/docs holds this check's own tests, whose fixtures cite broken sections on purpose.
  const files = ['nodes', 'sim', 'test', 'bench'].flatMap((d) => walk(path.join(rootDir, d))).filter((f) => !f.startsWith(path.join(rootDir, 'test', 'docs') + path.sep));
  const citations = [];
  for (const file of files) {
    const rel = path.relative(rootDir, file);
    const family = familyOf(rel);
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const fileStandard = family === 'media' ? openingStandard(text) : undefined;
    lines.forEach((line, i) => {
      const where = `${rel}:${i + 1}`;
      const context = commentAbove(lines, i).join('\n') + '\n';
      const resolve = (id, before) => {
        const q = lastQualifier(context + before);
        const note = (target) => citations.push({ where, id, target });
        if (q && q.kind === 'standard') {
          note(q.name);
          if (!listedStandards.includes(q.name)) problems.push(`${where}: ${q.name} §${id} cites a standard that ${DOCS}/rtsp.md does not list`);
          return;
        }
        let doc;
        if (q && q.kind === 'doc') {
          doc = path.basename(q.name);
          if (!q.name.replace(/^\.\//, '').startsWith(`${DOCS}/`) && !q.name.startsWith('protocols/')) {
            problems.push(`${where}: §${id} cites ${q.name}, which is not under ${DOCS}/`);
            return;
          }
        } else if (!q && fileStandard) {
          note(`${fileStandard} (named by the file's opening comment)`);
          if (!listedStandards.includes(fileStandard)) problems.push(`${where}: §${id} of ${fileStandard}, which ${DOCS}/rtsp.md does not list`);
          return;
        } else if (family) {
          doc = FAMILY_DOCS[family];
        } else {
          problems.push(`${where}: §${id} has no document: name one (${DOCS}/<family>.md §N, or the standard)`);
          return;
        }
        note(`${DOCS}/${doc}`);
        const ids = sectionsOf(doc);
        if (!ids) problems.push(`${where}: §${id} cites ${DOCS}/${doc}, which does not exist`);
        else if (!ids.has(id)) problems.push(`${where}: §${id} has no heading in ${DOCS}/${doc}`);
      };
      for (const m of line.matchAll(SECTION)) {
        resolve(m[1], line.slice(0, m.index));
        if (m[2]) resolve(m[2], line.slice(0, m.index));
      }
      for (const m of line.matchAll(VECTOR)) {
        if (!family || family === 'media') continue;
        resolve(m[1], line.slice(0, m.index + 4));
      }
    });
  }
  return { problems, citations, files: files.length };
}

module.exports = { checkCitations };

if (require.main === module) {
  const { problems, citations, files } = checkCitations();
  if (process.argv.includes('--list')) for (const c of citations) console.log(`${c.where}\t§${c.id}\t${c.target}`);
  if (problems.length) {
    console.error(`lint:citations: ${problems.length} citation(s) do not resolve`);
    for (const p of problems) console.error(`  ✖ ${p}`);
    process.exit(1);
  }
  console.log(`lint:citations: ok (${citations.length} citations in ${files} files resolve)`);
}
