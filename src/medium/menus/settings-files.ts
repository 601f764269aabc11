import { isMenuEntryPoint } from '../../inspect/menu-files.ts';
import { parseGrubWords } from '../../inspect/grub-words.ts';

/** One menu file of a medium and its text. */
export interface MenuFileText {
  path: string;
  loader: 'grub' | 'isolinux';
  text: string;
}

export type MenuSetting = 'timeout' | 'default';

/** Where ISO GRUBs find their config ($prefix), for `source $prefix/x.cfg`. */
const GRUB_PREFIX = '/boot/grub';

const ASSIGNS: Record<MenuFileText['loader'], Record<MenuSetting, RegExp | null>> = {
  grub: { timeout: /^\s*set\s+timeout=/m, default: /^\s*set\s+default=/m },
  // isolinux's default is `menu default` inside the label, wherever the label is: nothing to place.
  isolinux: { timeout: /^\s*timeout\s+\d+/im, default: null },
};

/**
 * The files of FILES that get a new SETTING assignment because none is in effect for them: each
 * entry point (grub.cfg, loopback.cfg, isolinux.cfg, ...) that neither assigns it itself nor
 * includes (source/configfile, include) a file that does or that was chosen before it. Existing
 * assignments, wherever they are, are replaced in place by the editors. So live-build's GRUB gets
 * its timeout in config.cfg (sourced by grub.cfg, which loopback.cfg sources), Ubuntu's loopback.cfg
 * a line of its own, and live-build's isolinux.cfg has its `timeout 0` replaced.
 */
export function chooseSettingFiles(files: readonly MenuFileText[], setting: MenuSetting): string[] {
  const byPath = new Map(files.map((file) => [file.path.toLowerCase(), file]));
  const settled = new Set(
    files
      .filter((file) => ASSIGNS[file.loader][setting]?.test(file.text))
      .map((file) => file.path.toLowerCase()),
  );
  const chosen: string[] = [];
  for (const file of files) {
    if (!isMenuEntryPoint(file.path) || ASSIGNS[file.loader][setting] === null) continue;
    const reached = reachableFiles(file, byPath);
    if ([...reached].some((path) => settled.has(path))) continue;
    chosen.push(file.path);
    settled.add(file.path.toLowerCase());
  }
  return chosen;
}

/** FILE and every file of the set it includes, directly or through others (lower-case paths). */
function reachableFiles(file: MenuFileText, byPath: ReadonlyMap<string, MenuFileText>): Set<string> {
  const seen = new Set<string>();
  const queue = [file.path.toLowerCase()];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    const current = byPath.get(path);
    if (current) queue.push(...includedPaths(current));
  }
  return seen;
}

/** The files FILE includes, resolved to absolute lower-case paths on the medium. */
export function includedPaths(file: MenuFileText): string[] {
  const folder = file.path.slice(0, file.path.lastIndexOf('/')) || '';
  const resolve = (name: string) => (name.startsWith('/') ? name : `${folder}/${name}`).toLowerCase();
  const paths: string[] = [];
  for (const line of file.text.split('\n')) {
    if (file.loader === 'grub') {
      const [command, target] = parseGrubWords(line);
      if (!target || !['source', 'configfile', '.'].includes(command?.value ?? '')) continue;
      const name = target.value.replace(/^\([^)]*\)/, '').replace(/^\$\{?prefix\}?/, GRUB_PREFIX);
      paths.push(resolve(name));
    } else {
      const include = /^\s*(?:menu\s+)?include\s+(\S+)/i.exec(line);
      if (include?.[1]) paths.push(resolve(include[1]));
    }
  }
  return paths;
}
