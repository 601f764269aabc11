// Builds (or finds) the cached live-build fixtures ahead of the tests:
//   npx tsx test/support/make-live-fixture.ts [bookworm-hybrid|bookworm-grub-zstd ...]
import { LIVE_BUILD_CONFIGS } from './live-build-configs.ts';
import { ensureLiveBuildIso } from './live-build.ts';

const wanted = process.argv.slice(2);
const configs = wanted.length
  ? LIVE_BUILD_CONFIGS.filter((c) => wanted.includes(c.name))
  : [LIVE_BUILD_CONFIGS[0]];
if (configs.length !== Math.max(wanted.length, 1)) {
  console.error(`unknown configuration; known: ${LIVE_BUILD_CONFIGS.map((c) => c.name).join(', ')}`);
  process.exit(2);
}
for (const config of configs) {
  const started = Date.now();
  const iso = await ensureLiveBuildIso(config);
  console.log(`${config.name}: ${iso} (${Math.round((Date.now() - started) / 1000)} s)`);
}
