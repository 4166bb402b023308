// The citation check (scripts/lint-citations.js): every "§N" in a comment resolves to a heading of
// our own protocol notes or to a standard docs/protocols/rtsp.md lists. First against a small
// tree built here, where each kind of broken citation must be caught, then against this repository.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

const root = path.resolve(__dirname, '..', '..', '..');

interface CitationReport {
  problems: string[];
  citations: { where: string; id: string; target: string }[];
  files: number;
}
const { checkCitations } = require(path.join(root, 'scripts', 'lint-citations.js')) as { checkCitations(dir: string): CitationReport };

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citations-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('lint-citations', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const DOCS = {
    'docs/protocols/xiaomi.md': '# X\n\n## 1. Library\n\n### 1.2 Functions\n\n## 2. Errors\n',
    'docs/protocols/dahua.md': '# D\n\n## 9. Test vectors\n\n### T5 — PTCP packets\n',
    'docs/protocols/rtsp.md': '# M\n\n| RFC 2326 | RTSP |\n| ITU-T H.264 | NAL units |\n',
  };

  it('accepts citations of existing sections, test vectors and listed standards', () => {
    const dir = tree({
      ...DOCS,
      'nodes/xiaomi/a.ts': '// Functions (spec §1.2) and errors (§2).\nconst x = 1; // the spec\n// §1.2 again, on the next line\n',
      'sim/xiaomi/b.c': '/*\n * Spec: docs/protocols/xiaomi.md §1, §2.\n */\n',
      'test/dahua/c.test.ts': '// The spec\'s T5 (docs/protocols/dahua.md §9).\n',
      'nodes/media/d.ts': '// RTSP (RFC 2326 §10.12) carries it.\nconst y = 2;\n// Interleaved (§10.12).\n',
    });
    dirs.push(dir);
    const report = checkCitations(dir);
    assert.deepEqual(report.problems, []);
    const targets = report.citations.map((c) => `${c.where} §${c.id} ${c.target}`).sort();
    assert.deepEqual(targets, [
      'nodes/media/d.ts:1 §10.12 RFC 2326',
      "nodes/media/d.ts:3 §10.12 RFC 2326 (named by the file's opening comment)",
      'nodes/xiaomi/a.ts:1 §1.2 docs/protocols/xiaomi.md',
      'nodes/xiaomi/a.ts:1 §2 docs/protocols/xiaomi.md',
      'nodes/xiaomi/a.ts:3 §1.2 docs/protocols/xiaomi.md',
      'sim/xiaomi/b.c:2 §1 docs/protocols/xiaomi.md',
      'sim/xiaomi/b.c:2 §2 docs/protocols/xiaomi.md',
      'test/dahua/c.test.ts:1 §9 docs/protocols/dahua.md',
      'test/dahua/c.test.ts:1 §T5 docs/protocols/dahua.md',
    ]);
  });

  it('reports a missing section, a missing vector, a document outside docs/protocols, an unlisted standard and a family without notes', () => {
    const dir = tree({
      ...DOCS,
      'nodes/xiaomi/a.ts': '// Lifecycle (spec §1.4).\n',
      'test/dahua/b.ts': '// The spec\'s T9.\n',
      'nodes/dahua/c.ts': '// Overheads (research/peers.md §4.2).\n',
      'nodes/media/d.ts': '// DNS (RFC 1035 §4).\n',
      'nodes/core/e.ts': '// See §3.\n',
      'nodes/amba/f.ts': '// Framing (spec §1.2).\n',
    });
    dirs.push(dir);
    const { problems } = checkCitations(dir);
    assert.deepEqual(problems.sort(), [
      'nodes/amba/f.ts:1: §1.2 cites docs/protocols/ambarella.md, which does not exist',
      'nodes/core/e.ts:1: §3 has no document: name one (docs/protocols/<family>.md §N, or the standard)',
      'nodes/dahua/c.ts:1: §4.2 cites research/peers.md, which is not under docs/protocols/',
      'nodes/media/d.ts:1: RFC 1035 §4 cites a standard that docs/protocols/rtsp.md does not list',
      'nodes/xiaomi/a.ts:1: §1.4 has no heading in docs/protocols/xiaomi.md',
      'test/dahua/b.ts:1: §T9 has no heading in docs/protocols/dahua.md',
    ]);
  });

  it('finds every citation in this repository resolved', () => {
    const report = checkCitations(root);
    assert.deepEqual(report.problems, []);
    assert.ok(report.citations.length > 200, `only ${report.citations.length} citations found: the scan missed files`);
  });
});
