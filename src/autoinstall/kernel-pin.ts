import { basename } from 'node:path';
import { isMap, LineCounter, parseDocument, stringify } from 'yaml';
import { RecipeError } from '../errors.ts';
import { type Autoinstall, parseAutoinstall } from './user-data.ts';
import { parseYamlDocument, positionOf } from './yaml-position.ts';

/**
 * Without autoinstall kernel:, subiquity installs the kernel metapackage the medium names
 * (install-sources.yaml kernel.default, /etc/subiquity/kernel-meta-package): the flavour's newest
 * kernel from the archive or pool. kernel.flavor maps to a metapackage too (generic ->
 * linux-generic, hwe -> linux-generic-hwe-RELEASE; subiquity/server/kernel.py). Only
 * kernel.package installs one exact package, which is what a kernel pin needs.
 */

/** The package a `kernel: { version: V }` step pins, as autoinstall's kernel.package names it. */
export function kernelPackageOf(version: string): string {
  return `linux-image-${version}`;
}

export interface PinnedAutoinstall {
  autoinstall: Autoinstall;
  /** false when kernel.package already named KERNEL_PACKAGE: the text is the file's own. */
  changed: boolean;
}

/**
 * Makes the autoinstall install the kernel the recipe pins: adds kernel: { package } when the file
 * has no kernel: section (comments and the rest of the text kept), accepts the same package,
 * and refuses another package or a flavor, which would install a different kernel.
 */
export function pinKernel(autoinstall: Autoinstall, kernelPackage: string): PinnedAutoinstall {
  const kernel = autoinstall.sections.kernel;
  if (kernel?.package === kernelPackage) return { autoinstall, changed: false };
  const name = basename(autoinstall.file);
  const fix = `write kernel: { package: ${kernelPackage} } (or remove kernel: and isoforge adds it)`;
  if (kernel) {
    const field = kernel.package !== undefined ? 'package' : 'flavor';
    const yaml = parseYamlDocument(autoinstall.text, name, { version: '1.1' });
    const where = positionOf(yaml, ['autoinstall', 'kernel', field]);
    const installs =
      field === 'package'
        ? `installs ${kernel.package ?? ''}`
        : `installs the newest kernel of flavor ${kernel.flavor ?? ''}`;
    throw new RecipeError(
      `${name}:${where} autoinstall.kernel.${field}: ${installs}, but the recipe's kernel step pins ${kernelPackage}; ${fix}`,
      {
        hint: 'the installed system gets the kernel autoinstall names, not the one the kernel step put in the image',
      },
    );
  }
  const text = addKernelSection(autoinstall.text, kernelPackage);
  return { autoinstall: parseAutoinstall(text, autoinstall.file), changed: true };
}

/** The warning for a kernel pin that the installer would not keep (a recipe without iso.autoinstall). */
export function kernelPinWarning(kernelPackage: string): string {
  return (
    `the kernel step pins ${kernelPackage}, but without autoinstall the installer installs the medium's default kernel ` +
    `metapackage (such as linux-generic): the flavour's newest kernel, not the pin; ` +
    `add iso.autoinstall to the recipe with kernel: { package: ${kernelPackage} } in its user-data`
  );
}

/**
 * Adds kernel: { package } after the last line of a block autoinstall: map, so every other byte
 * of the file (comments, quoting, flow lists) stays as written; a flow map is re-serialized
 * through the yaml Document API instead, which keeps the comments.
 */
function addKernelSection(text: string, kernelPackage: string): string {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter });
  const section = doc.get('autoinstall', true);
  if (isMap(section) && !section.flow && section.range) {
    const [start, end] = section.range;
    const indent = ' '.repeat(lineCounter.linePos(start).col - 1);
    const lines = stringify({ kernel: { package: kernelPackage } }, { indent: Math.max(indent.length, 2) })
      .trimEnd()
      .split('\n')
      .map((line) => indent + line);
    const before = text.slice(0, end);
    return `${before}${before.endsWith('\n') ? '' : '\n'}${lines.join('\n')}\n${text.slice(end)}`;
  }
  doc.setIn(['autoinstall', 'kernel'], doc.createNode({ package: kernelPackage }));
  return doc.toString();
}
