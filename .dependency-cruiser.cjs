/**
 * The allowed import directions of src/ (README: Architecture). `npm test` fails on a violation.
 * Lowest first: iso -> safety, ui -> tools -> rootfs, distro, inspect -> steps (each step owns its
 * schema) -> recipe -> output, verify, boottest, sample -> pipeline -> cli.
 */
const layer = (name, mayNotImport) => ({
  name: `${name}-imports-upward`,
  comment: `src/${name}/ sits below ${mayNotImport.join(', ')}: it must not import them`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: `^src/(${mayNotImport.join('|')})/` },
});

const ABOVE_TOOLS = [
  'rootfs',
  'distro',
  'inspect',
  'recipe',
  'steps',
  'output',
  'verify',
  'boottest',
  'sample',
  'pipeline',
  'cli',
];

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    layer('iso', ['safety', 'ui', 'tools', ...ABOVE_TOOLS]),
    layer('safety', ['tools', ...ABOVE_TOOLS]),
    layer('ui', ['safety', 'tools', ...ABOVE_TOOLS]),
    layer('tools', ABOVE_TOOLS),
    layer(
      'rootfs',
      ABOVE_TOOLS.filter((name) => name !== 'rootfs'),
    ),
    layer('distro', [
      'rootfs',
      'inspect',
      'recipe',
      'steps',
      'output',
      'verify',
      'boottest',
      'sample',
      'pipeline',
      'cli',
    ]),
    layer('inspect', [
      'rootfs',
      'recipe',
      'steps',
      'output',
      'verify',
      'boottest',
      'sample',
      'pipeline',
      'cli',
    ]),
    layer('recipe', ['rootfs', 'output', 'verify', 'boottest', 'sample', 'pipeline', 'cli']),
    layer('steps', ['recipe', 'output', 'verify', 'boottest', 'sample', 'pipeline', 'cli']),
    layer('output', ['steps', 'verify', 'boottest', 'sample', 'pipeline', 'cli']),
    layer('verify', ['steps', 'boottest', 'sample', 'pipeline', 'cli']),
    layer('boottest', ['steps', 'sample', 'pipeline', 'cli']),
    layer('sample', ['steps', 'pipeline', 'cli']),
    layer('pipeline', ['cli']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
