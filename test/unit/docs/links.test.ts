import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, marked, type Token, type Tokens } from 'marked';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Every file git tracks, relative to the repository's root. */
function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
}

/** The plain text of a heading, as GitHub renders it before making its anchor. */
function plainText(tokens: Token[] | undefined): string {
  return (tokens ?? [])
    .map((t) => ('tokens' in t && t.tokens ? plainText(t.tokens) : 'text' in t ? String(t.text) : ''))
    .join('');
}

/** The anchors GitHub gives the headings of a Markdown file. */
function anchorsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const token of new Lexer().lex(readFileSync(file, 'utf8'))) {
    if (token.type === 'heading') anchors.add(slugger.slug(plainText((token as Tokens.Heading).tokens)));
  }
  return anchors;
}

/** Every link and image target of a Markdown file. */
function targetsOf(file: string): string[] {
  const targets: string[] = [];
  marked.walkTokens(new Lexer().lex(readFileSync(file, 'utf8')), (token) => {
    if (token.type === 'link' || token.type === 'image') targets.push((token as Tokens.Link).href);
  });
  return targets;
}

/** What is wrong with one relative link of `file`, or undefined when it resolves. */
function brokenLink(file: string, href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return undefined; // http:, https:, mailto: — not ours to check
  const [path = '', anchor] = href.split('#', 2);
  const target = path === '' ? file : join(dirname(file), decodeURIComponent(path));
  if (!existsSync(target)) return `${href}: ${relative(ROOT, target)} does not exist`;
  if (relative(ROOT, target).startsWith('..')) return `${href}: points outside the repository`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!target.endsWith('.md') || statSync(target).isDirectory())
    return `${href}: an anchor into a file that is not Markdown`;
  return anchorsOf(target).has(anchor) ? undefined : `${href}: no heading #${anchor} in ${relative(ROOT, target)}`;
}

describe('documentation', () => {
  const markdown = trackedFiles().filter((f) => f.endsWith('.md'));

  it('has README.md and docs/*.md among the checked files', () => {
    expect(markdown).toContain('README.md');
    expect(markdown.filter((f) => /^docs\/[^/]+\.md$/.test(f)).length).toBeGreaterThanOrEqual(10);
  });

  it('resolves every relative link and #anchor in the Markdown files', () => {
    const broken = markdown.flatMap((f) =>
      targetsOf(join(ROOT, f)).flatMap((href) => {
        const problem = brokenLink(join(ROOT, f), href);
        return problem ? [`${f}: ${problem}`] : [];
      }),
    );
    expect(broken).toEqual([]);
  });

  it('finds the links it checks (a parser that saw none would pass anything)', () => {
    const readmeTargets = targetsOf(join(ROOT, 'README.md'));
    expect(readmeTargets).toContain('docs/query-language.md');
    expect(brokenLink(join(ROOT, 'README.md'), 'docs/no-such-page.md')).toBe(
      'docs/no-such-page.md: docs/no-such-page.md does not exist',
    );
    expect(brokenLink(join(ROOT, 'README.md'), 'docs/api.md#no-such-heading')).toBe(
      'docs/api.md#no-such-heading: no heading #no-such-heading in docs/api.md',
    );
    expect(brokenLink(join(ROOT, 'README.md'), 'docs/api.md#get-apiv1search')).toBeUndefined();
  });

  it('points nowhere outside the repository: no tracked file names the outside contract or shared folder', () => {
    // Spelled in pieces, so this file does not name them itself.
    const outside = new RegExp(
      [['CON', 'TRACT'].join(''), ['\\.\\./', 'shared'].join(''), ['/work/', 'shared'].join('')].join('|'),
    );
    const offenders = trackedFiles().filter((f) => {
      const bytes = readFileSync(join(ROOT, f));
      return !bytes.includes(0) && outside.test(bytes.toString('utf8'));
    });
    expect(offenders).toEqual([]);
  });
});
