import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

/**
 * A merge once left its conflict markers in README.md (two defaults for one setting, rows inside the
 * blocks) and nothing noticed: every tracked text file is checked for them here.
 */
describe('the repository', () => {
  it('has no merge-conflict markers in any tracked text file', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    const marked: string[] = [];
    for (const file of files) {
      if (!/\.(ts|js|mjs|cjs|json|md|ya?ml|sh|html|css|lua|txt)$|Dockerfile$/.test(file)) continue;
      const text = readFileSync(resolve(root, file), 'utf8');
      text.split('\n').forEach((line, i) => {
        if (/^(<{7} |>{7} |={7}$)/.test(line)) marked.push(`${file}:${i + 1}`);
      });
    }
    expect(files.length).toBeGreaterThan(100);
    expect(marked).toEqual([]);
  });
});
