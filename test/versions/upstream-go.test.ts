// Upstream's Go of a tag from its files (ERAS.md section 2), on files of our own writing shaped like
// each era's: .travis.yml lists, setup-go literals in workflows, `.go-version`, go.mod.
import { describe, expect, it } from 'vitest';
import { type GoFiles, minorOf, setupGoVersion, upstreamGo } from '../../src/versions/index.js';

const none: GoFiles = { goVersion: null, workflows: [], travis: null, goMod: null };

const TRAVIS_LIST = `language: go
sudo: false
go:
  - "1.11.x"
  - "1.12.x"
  - tip

cache:
  directories:
    - $GOPATH/pkg/mod
`;

const TRAVIS_SCALAR = 'language: go\ngo: 1.10\n';

/** A docs workflow of the v1.7 shape: a caret range inside a step's `with:`. */
const CARET = `name: docs
on: [push]
jobs:
  docs:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-go@v2
        with:
          go-version: '^1.14.1'
      - run: make -f Makefile.doc
`;

/** Unquoted: YAML would read 1.20 as the number 1.2; the rule reads the text. */
const UNQUOTED = (v: string) => `name: test
jobs:
  test:
    steps:
      - uses: actions/setup-go@v2
        with:
          go-version: ${v}
`;

const FROM_FILE = `name: test
jobs:
  test:
    steps:
      - run: echo "GO_VERSION=$(cat .go-version)" >> $GITHUB_ENV
      - uses: actions/setup-go@v5
        with:
          go-version: \${{ env.GO_VERSION }}
  matrix:
    strategy:
      matrix:
        go: ['1.x']
    steps:
      - uses: actions/setup-go@v5
        with:
          go-version: stable
`;

const MATRIX_LIST = `jobs:
  test:
    steps:
      - uses: actions/setup-go@v4
        with:
          go-version:
            - '~1.20.0'
            - '~1.21.0'
`;

describe('upstreamGo', () => {
  it.each<[string, GoFiles, ReturnType<typeof upstreamGo>]>([
    ['nothing names a Go (GOPATH era without .travis.yml)', none, null],
    [
      'go.mod alone names its minor',
      { ...none, goMod: 'module github.com/coredns/coredns\n\ngo 1.16\n' },
      { version: '1.16', exact: false, from: 'go.mod' },
    ],
    [
      "go.mod's patch is dropped: the line names a minor",
      { ...none, goMod: 'module x\n\ngo 1.22.7\n\ntoolchain go1.23.3\n' },
      { version: '1.22', exact: false, from: 'go.mod' },
    ],
    [
      '.travis.yml: the newest release line of its list, tip ignored; it wins over go.mod',
      { ...none, travis: TRAVIS_LIST, goMod: 'module x\ngo 1.12\n' },
      { version: '1.12', exact: false, from: '.travis.yml' },
    ],
    [
      '.travis.yml with one unquoted version keeps 1.10 (not 1.1)',
      { ...none, travis: TRAVIS_SCALAR },
      { version: '1.10', exact: false, from: '.travis.yml' },
    ],
    [
      'a workflow literal wins over .travis.yml, even an older one',
      { ...none, workflows: [CARET], travis: 'go:\n  - "1.15.x"\n', goMod: 'go 1.13\n' },
      { version: '1.14', exact: false, from: 'workflows' },
    ],
    [
      'the newest literal of all workflows; unquoted 1.20 stays 1.20',
      { ...none, workflows: [CARET, UNQUOTED('1.20'), UNQUOTED("'1.17.0'")] },
      { version: '1.20', exact: false, from: 'workflows' },
    ],
    [
      'a tilde range inside a list',
      { ...none, workflows: [MATRIX_LIST] },
      { version: '1.21', exact: false, from: 'workflows' },
    ],
    [
      'expressions, stable and 1.x name no minor: go.mod decides',
      { ...none, workflows: [FROM_FILE], goMod: 'module x\n\ngo 1.21\n' },
      { version: '1.21', exact: false, from: 'go.mod' },
    ],
    [
      'a workflow that does not parse is skipped',
      { ...none, workflows: ['jobs: [unclosed\n', CARET] },
      { version: '1.14', exact: false, from: 'workflows' },
    ],
    [
      '.go-version is exact and wins over every other file',
      {
        goVersion: '1.23.3\n',
        workflows: [UNQUOTED("'~1.21.0'")],
        travis: TRAVIS_LIST,
        goMod: 'go 1.22.7\n',
      },
      { version: '1.23.3', exact: true, from: '.go-version' },
    ],
    [
      '.go-version with a go prefix',
      { ...none, goVersion: 'go1.21.8' },
      { version: '1.21.8', exact: true, from: '.go-version' },
    ],
    [
      '.go-version naming a line is a minor',
      { ...none, goVersion: '1.22\n' },
      { version: '1.22', exact: false, from: '.go-version' },
    ],
    [
      'a .go-version that is not a version is passed over',
      { ...none, goVersion: 'latest\n', goMod: 'go 1.21\n' },
      { version: '1.21', exact: false, from: 'go.mod' },
    ],
  ])('%s', (_name, files, want) => {
    expect(upstreamGo(files)).toEqual(want);
  });

  it('reads setup-go and Travis spellings as minors', () => {
    const read = (s: string) => {
      const m = minorOf(s);
      return m && `${m.major}.${m.minor}`;
    };
    expect(['^1.14.1', '~1.21.0', '1.17.0', '1.15', '1.12.x', 'v1.20', '1.9.*'].map(read)).toEqual([
      '1.14',
      '1.21',
      '1.17',
      '1.15',
      '1.12',
      '1.20',
      '1.9',
    ]);
    expect(['stable', '1.x', 'tip', '>=1.20', `\${{ matrix.go }}`, ''].map(read)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('says what actions/setup-go should install', () => {
    expect(setupGoVersion({ version: '1.14', exact: false, from: 'workflows' })).toBe('1.14.x');
    expect(setupGoVersion({ version: '1.21.8', exact: true, from: '.go-version' })).toBe('1.21.8');
  });
});
