import type { Command } from 'commander';
import { formatBytes } from '../../inspect/sectormap.ts';
import { DEFAULT_WORK_DIR } from '../../pipeline/config.ts';
import { enterRootlessModeIfReady } from '../../rootless/namespace.ts';
import { cleanWorkDir } from '../../pipeline/clean.ts';
import { DEFAULT_CACHE_LIMIT, LayerCache, layerCacheDir } from '../../cache/layer-cache.ts';

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('undo the mounts a killed run left (innermost first), then delete the work directory')
    .option(
      '--workdir <dir>',
      'the work directory to clean (the default of `isoforge build`)',
      DEFAULT_WORK_DIR,
    )
    .option(
      '--cache',
      'empty the cache of layers and finished builds instead (refused while a build uses it)',
    )
    .action(async (options: { workdir: string; cache?: boolean }) => {
      const say = (line: string) => process.stdout.write(`${line}\n`);
      if (!options.cache) {
        // A killed rootless build leaves files owned by the user's subordinate ids: only root of its namespace may delete them.
        await enterRootlessModeIfReady();
        await cleanWorkDir(options.workdir, say);
        return;
      }
      const cache = new LayerCache(layerCacheDir(), DEFAULT_CACHE_LIMIT);
      const { entries, builds, bytes } = await cache.clear();
      say(`emptied the layer cache ${cache.dir}: ${entries} layers, ${builds} builds, ${formatBytes(bytes)}`);
    });
}
