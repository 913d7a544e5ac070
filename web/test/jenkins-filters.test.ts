import { describe, expect, it } from 'vitest';
import { filterTree, fuzzyMatch, isPatternText, parseNameFilter } from '../src/components/jenkins/name-filter.js';
import { artifactPath, causesText, formatDuration, logTopic, statusLook } from '../src/components/jenkins/build-status.js';

const tree = [
  { project: 'shop-web', branches: ['main', 'develop', 'feature/login', 'release/1.2'] },
  { project: 'payments', branches: ['main', 'feature/refunds'] },
  { project: 'platform/deploy-api', branches: ['main', 'release-12'] },
];

describe('branch-access tree filter', () => {
  it('reads fuzzy text, globs and /regex/ like grant patterns', () => {
    expect(parseNameFilter('').kind).toBe('all');
    expect(parseNameFilter('flog').kind).toBe('fuzzy');
    expect(fuzzyMatch('flog', 'feature/login')).toBe(true);
    expect(fuzzyMatch('golf', 'feature/login')).toBe(false);
    const glob = parseNameFilter('feature/*');
    expect(glob.kind).toBe('glob');
    expect(['feature/login', 'feature/a/b', 'my-feature/x', 'feature'].map(glob.test)).toEqual([true, true, false, false]);
    expect(parseNameFilter('release/1.?').test('release/1.2')).toBe(true);
    expect(parseNameFilter('release/1.?').test('release/1x2')).toBe(false);
    const re = parseNameFilter('/^release-\\d+$/');
    expect([re.kind, re.test('release-12'), re.test('release-x')]).toEqual(['regex', true, false]);
    const bad = parseNameFilter('/(/');
    expect(bad.error).toBeTruthy();
    expect(bad.test('(')).toBe(false);
    expect([isPatternText('feature/*'), isPatternText('/^r/'), isPatternText('main'), isPatternText('/(/')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('shows all branches of a matching project and only matching branches of the others', () => {
    const byGlob = filterTree(tree, parseNameFilter('feature/*'));
    expect(byGlob.map((p) => [p.project, p.branches])).toEqual([
      ['shop-web', ['feature/login']],
      ['payments', ['feature/refunds']],
    ]);
    expect(byGlob[0].allBranches).toHaveLength(4);
    const byProject = filterTree(tree, parseNameFilter('paym'));
    expect(byProject.map((p) => [p.project, p.branches.length, p.projectMatched])).toEqual([['payments', 2, true]]);
    expect(filterTree(tree, parseNameFilter('/^nothing$/'))).toEqual([]);
  });
});

describe('build helpers', () => {
  it('encodes names that hold slashes in URLs and topics', () => {
    expect(artifactPath('platform/deploy-api', 'feature/login', 3, 'build/libs/a b.jar')).toBe(
      '/api/projects/platform%2Fdeploy-api/branches/feature%2Flogin/builds/3/artifacts/build/libs/a%20b.jar',
    );
    expect(logTopic('shop-web', 'feature/login', 7)).toBe('build-log:shop-web/feature%2Flogin/7');
  });

  it('formats durations and picks a look per result', () => {
    expect([formatDuration(23_400), formatDuration(83_000), formatDuration(7_500_000), formatDuration(null)]).toEqual([
      '23s',
      '1m 23s',
      '2h 5m',
      '—',
    ]);
    expect(statusLook({ result: 'FAILURE', building: false }).color).toBe('error');
    expect(statusLook({ result: null, building: true }).key).toBe('jenkins.status.BUILDING');
    expect(statusLook(null).key).toBe('jenkins.status.NEVER');
    expect([causesText(['Started by timer']), causesText([]), causesText(undefined)]).toEqual(['Started by timer', '—', '—']);
  });
});
