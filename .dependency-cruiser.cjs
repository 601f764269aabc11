/**
 * The allowed import directions of src/ (README: Architecture). `npm test` fails on a violation.
 * A folder may import only the folders before it in this list (and itself): host primitives and
 * pure parsers at the bottom, commands at the top.
 */
const ORDER = [
  'iso',
  'squashfs',
  'ui',
  'safety',
  'tools',
  'rootfs',
  'distro',
  'inspect',
  'diff',
  'medium',
  'steps',
  'layer',
  'output',
  'autoinstall',
  'medium-plan',
  'recipe',
  'verify',
  'boottest',
  'sample',
  'report',
  'cache',
  'pipeline',
  'fleet',
  'cli',
];

const upwardRules = ORDER.slice(0, -1).map((name, index) => ({
  name: `${name}-imports-upward`,
  comment: `src/${name}/ sits below ${ORDER.slice(index + 1).join(', ')}: it must not import them`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: `^src/(${ORDER.slice(index + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    ...upwardRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
