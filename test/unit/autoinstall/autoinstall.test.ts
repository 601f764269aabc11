import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ExitCode, RecipeError } from '../../../src/errors.ts';
import { type Autoinstall, parseAutoinstall, readAutoinstall } from '../../../src/autoinstall/user-data.ts';
import { kernelPackageOf, kernelPinWarning, pinKernel } from '../../../src/autoinstall/kernel-pin.ts';
import { cryptFormatOf } from '../../../src/autoinstall/crypt-hash.ts';
import {
  makeNocloudSeed,
  NOCLOUD_KERNEL_ARGUMENTS,
  NOCLOUD_META_DATA,
  NOCLOUD_USER_DATA,
  parseNocloudMetaData,
  readNocloudMetaData,
} from '../../../src/autoinstall/nocloud.ts';

const FIXTURES = new URL('../../fixtures/autoinstall/', import.meta.url);
const fixture = (name: string): Promise<string> => readFile(new URL(name, FIXTURES), 'utf8');

/** The hash of "ubuntu" from subiquity's quickstart (doc/howto/autoinstall-quickstart.rst). */
const UBUNTU_HASH =
  '$6$exDY1mhS4KUYCE/2$zmn9ToZwTKLhCw.b4/b.ZRTIZM30JZ4QrOQ2aOXJ8yk96xpcCof0kxKwuX1kqLG/ygbJ1f8wxED22bTL4F46P0';

const BASE = `#cloud-config
autoinstall:
  version: 1
  identity:
    username: ubuntu
    hostname: oem
    password: '${UBUNTU_HASH}'  # "ubuntu"
  ssh:
    install-server: true
  late-commands:
    - echo done > /target/etc/done
    - [curtin, in-target, --, systemctl, enable, ssh]
`;

function errorOf(text: string, file = '/recipes/oem/user-data.yaml'): RecipeError {
  try {
    parseAutoinstall(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(RecipeError);
    return error as RecipeError;
  }
  throw new Error('the autoinstall file was accepted');
}
const messageOf = (text: string): string => errorOf(text).message;

describe('parseAutoinstall on the documentation’s own files', () => {
  it('accepts the quickstart user-data (#cloud-config) and seeds it unchanged', async () => {
    const text = await fixture('quickstart-user-data');
    const autoinstall = parseAutoinstall(text, 'user-data');
    expect(autoinstall.form).toBe('cloud-config');
    expect(autoinstall.sections.identity).toEqual({
      hostname: 'ubuntu-server',
      password: UBUNTU_HASH,
      username: 'ubuntu',
    });
    expect(makeNocloudSeed(autoinstall)).toEqual({ userData: text, metaData: '' });
  });

  it('refuses the tutorial’s example as printed ($crypted_pass is a placeholder) and accepts it with a hash', async () => {
    const text = await fixture('tutorial-most-directives.yaml');
    expect(messageOf(text)).toBe(
      'user-data.yaml:46:19 autoinstall.identity.password: is not a crypt hash ($6$..., $y$..., $5$..., $2b$..., $1$...); ' +
        'never write the password itself: make a hash with `mkpasswd -m sha-512` (package whois) or `openssl passwd -6`',
    );
    const sections = parseAutoinstall(
      text.replace('$crypted_pass', `'${UBUNTU_HASH}'`),
      'user-data.yaml',
    ).sections;
    // PyYAML reads YAML 1.1, where `yes` and `no` are booleans: subiquity sees true and false.
    expect(sections.ssh).toEqual({ 'install-server': true, 'authorized-keys': ['$key'], 'allow-pw': false });
    expect(sections.network?.network?.version).toBe(2);
    expect(sections.storage?.layout?.name).toBe('lvm');
    expect(sections.packages).toEqual(['libreoffice', 'dns-server^']);
  });

  it('asks for the autoinstall: key around subiquity’s most-options example, and seeds it as #cloud-config', async () => {
    const bare = await fixture('most-options.yaml');
    expect(messageOf(bare)).toBe(
      'user-data.yaml:1:1 autoinstall: missing: put the sections under a top-level autoinstall: key ' +
        '(the NoCloud seed is cloud-config, where subiquity reads only that key)',
    );
    const wrapped = 'autoinstall:\n' + bare.replace(/^(?=.)/gm, '  ');
    const autoinstall = parseAutoinstall(wrapped, 'most-options.yaml');
    expect(autoinstall.form).toBe('autoinstall');
    expect(autoinstall.sections['refresh-installer']).toEqual({ update: true, channel: 'edge' });
    expect(autoinstall.sections['kernel-crash-dumps']).toEqual({ enabled: false });
    const seed = makeNocloudSeed(autoinstall, 'instance-id: oem-1\n');
    expect(seed).toEqual({ userData: `#cloud-config\n${wrapped}`, metaData: 'instance-id: oem-1\n' });
    const reread = parseAutoinstall(seed.userData, 'user-data');
    expect(reread.form).toBe('cloud-config');
    expect(reread.sections).toEqual(autoinstall.sections);
  });

  it('accepts examples/autoinstall/user-data.yaml, whose hash is of the password its comment names', async () => {
    const file = new URL('../../../examples/autoinstall/user-data.yaml', import.meta.url).pathname;
    const autoinstall = await readAutoinstall(file);
    const hash = autoinstall.sections.identity?.password ?? '';
    const salt = hash.split('$')[2] ?? '';
    const made = execFileSync('openssl', ['passwd', '-6', '-salt', salt, 'isoforge'], {
      encoding: 'utf8',
    }).trim();
    expect(made).toBe(hash);
  });
});

describe('parseAutoinstall: one line naming file, line, column and field', () => {
  it('reports a YAML syntax error at its position', () => {
    const error = errorOf(BASE.replace('  ssh:\n', '  ssh: [\n'));
    expect(error.message).toBe(
      'user-data.yaml:10:3 Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    expect(error.exitCode).toBe(ExitCode.badInput);
  });

  it('names an unknown section at its key and lists the known ones in the hint', () => {
    const error = errorOf(BASE.replace('  ssh:', '  hostname: oem\n  ssh:'));
    expect(error.message).toBe('user-data.yaml:8:3 autoinstall.hostname: unknown section');
    expect(messageOf(BASE.replace('late-commands:', 'late_commands:'))).toBe(
      'user-data.yaml:10:3 autoinstall.late_commands: unknown section (did you mean late-commands?)',
    );
    expect(error.hint).toMatch(
      /^the sections of the autoinstall reference \(version 1\): version, interactive-sections, /,
    );
  });

  it('names a wrong type (a quoted "yes" is a string, not a boolean)', () => {
    expect(messageOf(BASE.replace('install-server: true', 'install-server: "yes"'))).toBe(
      'user-data.yaml:9:21 autoinstall.ssh.install-server: Invalid input: expected boolean, received string',
    );
    expect(messageOf(BASE.replace('  ssh:', '  packages: htop\n  ssh:'))).toBe(
      'user-data.yaml:8:13 autoinstall.packages: Invalid input: expected array, received string',
    );
    expect(messageOf(BASE.replace('[curtin, in-target, --, systemctl, enable, ssh]', '{ run: true }'))).toBe(
      'user-data.yaml:12:7 autoinstall.late-commands.1: each command must be a string or a list of strings',
    );
  });

  it('refuses a plain-text password and says how to make a hash', () => {
    const error = errorOf(BASE.replace(`'${UBUNTU_HASH}'`, 'ubuntu'));
    expect(error.message).toBe(
      'user-data.yaml:7:15 autoinstall.identity.password: is not a crypt hash ($6$..., $y$..., $5$..., $2b$..., $1$...); ' +
        'never write the password itself: make a hash with `mkpasswd -m sha-512` (package whois) or `openssl passwd -6`',
    );
    const userData = BASE.replace(
      / {2}identity:[\s\S]*?# "ubuntu"\n/,
      '  user-data:\n    users:\n      - name: oem\n        passwd: secret\n',
    );
    expect(messageOf(userData)).toMatch(
      /^user-data\.yaml:7:17 autoinstall\.user-data\.users\.0\.passwd: is not a crypt hash /,
    );
  });

  it('asks for version: 1 when it is missing or another number', () => {
    expect(messageOf(BASE.replace('  version: 1\n', ''))).toBe(
      'user-data.yaml:3:3 autoinstall.version: missing: write version: 1 (the only version there is)',
    );
    expect(messageOf(BASE.replace('version: 1', 'version: 2'))).toBe(
      'user-data.yaml:3:12 autoinstall.version: must be 1: the only autoinstall version there is; write version: 1',
    );
  });

  it('refuses sections outside autoinstall: and keys beside it without #cloud-config', () => {
    expect(messageOf(BASE.replace('autoinstall:\n', 'shutdown: poweroff\nautoinstall:\n'))).toBe(
      'user-data.yaml:2:1 shutdown: is an autoinstall section outside autoinstall:; indent it under autoinstall: ' +
        '(subiquity stops on misplaced sections)',
    );
    expect(
      parseAutoinstall(BASE.replace('autoinstall:\n', 'packages: [htop]\nautoinstall:\n'), 'u').form,
    ).toBe('cloud-config');
    expect(messageOf(BASE.replace('#cloud-config\n', 'packages: [htop]\n'))).toBe(
      'user-data.yaml:1:1 packages: only autoinstall: may be at the top level; ' +
        'if packages: is cloud-init configuration, make #cloud-config the first line',
    );
  });

  it('names a misspelt key rather than the required key it leaves missing', () => {
    expect(messageOf(BASE.replace('username:', 'user:'))).toBe(
      'user-data.yaml:5:5 autoinstall.identity.user: unknown key',
    );
  });

  it('needs identity or user-data unless identity is interactive', () => {
    const noIdentity = BASE.replace(/ {2}identity:[\s\S]*?# "ubuntu"\n/, '');
    expect(messageOf(noIdentity)).toBe(
      'user-data.yaml:3:3 autoinstall.identity: missing: give identity: { username, hostname, password } ' +
        '(or user-data: with users:), or subiquity stops with "neither identity nor user-data provided"',
    );
    expect(
      parseAutoinstall(noIdentity.replace('  ssh:', '  interactive-sections: [identity]\n  ssh:'), 'u')
        .sections.identity,
    ).toBe(undefined);
  });

  it('checks storage.layout.name, kernel and updates against the reference', () => {
    const withSection = (section: string): string => BASE.replace('  ssh:', `${section}\n  ssh:`);
    expect(messageOf(withSection('  storage: { layout: { name: btrfs } }'))).toBe(
      'user-data.yaml:8:30 autoinstall.storage.layout.name: Invalid option: expected one of "lvm"|"direct"|"zfs"|"hybrid"',
    );
    expect(messageOf(withSection('  kernel: { package: linux-generic, flavor: hwe }'))).toBe(
      'user-data.yaml:8:11 autoinstall.kernel: give exactly one of package (like linux-image-5.15.0-119-generic) ' +
        'or flavor (like generic or hwe)',
    );
    expect(messageOf(withSection('  updates: everything'))).toBe(
      'user-data.yaml:8:12 autoinstall.updates: Invalid option: expected one of "security"|"all"',
    );
  });
});

describe('cryptFormatOf', () => {
  it('recognises the crypt(5) formats of hashes made by openssl and libxcrypt', () => {
    expect(cryptFormatOf(UBUNTU_HASH)).toBe('sha512crypt');
    expect(cryptFormatOf('$y$j9T$F5Jx5fExrKuPp53xLKQ..1$gzkZpHWCHdFYXFOIqqzg0mFc8Cp6StvNvlhWZC4R.iB')).toBe(
      'yescrypt',
    );
    expect(cryptFormatOf('$5$abc$sCOGUciM.GdmYMCUvmUcgu03oRH87O0clF96.9mwWGB')).toBe('sha256crypt');
    expect(cryptFormatOf('$2b$12$pBK3TDK.we4aMQMqaHHhv.D9c4PCwQ.XhUGCUv5s4fK0RyE7NSa12')).toBe('bcrypt');
    expect(cryptFormatOf('$1$abc$OGyl6dDvZCDiGmIVbeuCq/')).toBe('md5crypt');
  });

  it('refuses plain text, a truncated hash and DES (indistinguishable from a 13-character password)', () => {
    expect(cryptFormatOf('ubuntu')).toBe(undefined);
    expect(cryptFormatOf(UBUNTU_HASH.slice(0, -1))).toBe(undefined);
    expect(cryptFormatOf('abJnggxhB/yWI')).toBe(undefined);
  });
});

describe('pinKernel', () => {
  const pinned = kernelPackageOf('5.15.0-119-generic');

  it('adds kernel: { package } after the last line of autoinstall:, every other byte kept', () => {
    const text =
      BASE.replace('#cloud-config\n', '#cloud-config\n# keep me\n') + 'packages: [htop]   # live session\n';
    const result = pinKernel(parseAutoinstall(text, 'user-data.yaml'), pinned);
    expect(result.changed).toBe(true);
    expect(result.autoinstall.text).toBe(
      text.replace(
        'packages: [htop]',
        '  kernel:\n    package: linux-image-5.15.0-119-generic\npackages: [htop]',
      ),
    );
    expect(result.autoinstall.sections.kernel).toEqual({ package: 'linux-image-5.15.0-119-generic' });
  });

  it('follows a file indented by four spaces and a file without a final newline', async () => {
    const text = (await fixture('tutorial-most-directives.yaml')).replace(
      '$crypted_pass',
      `'${UBUNTU_HASH}'`,
    );
    const fourSpaces = pinKernel(parseAutoinstall(text, 'u'), pinned).autoinstall.text;
    expect(fourSpaces).toBe(`${text}    kernel:\n        package: linux-image-5.15.0-119-generic\n`);
    const noNewline = pinKernel(parseAutoinstall(BASE.trimEnd(), 'u'), pinned).autoinstall.text;
    expect(noNewline).toBe(`${BASE}  kernel:\n    package: linux-image-5.15.0-119-generic\n`);
  });

  it('edits a flow autoinstall map through the Document API, comments kept', () => {
    const text = `#cloud-config\n# the whole install\nautoinstall: { version: 1, user-data: {} }  # flow\n`;
    const result = pinKernel(parseAutoinstall(text, 'u'), pinned);
    expect(result.autoinstall.text).toBe(
      '#cloud-config\n# the whole install\nautoinstall:\n  {\n    version: 1,\n    user-data: {},\n' +
        '    kernel: { package: linux-image-5.15.0-119-generic }\n  } # flow\n',
    );
  });

  function pinErrorOf(autoinstall: Autoinstall): RecipeError {
    try {
      pinKernel(autoinstall, pinned);
    } catch (error) {
      expect(error).toBeInstanceOf(RecipeError);
      return error as RecipeError;
    }
    throw new Error('the pin was accepted');
  }

  it('leaves a file that already installs the pinned package unchanged', () => {
    const autoinstall = parseAutoinstall(`${BASE}  kernel:\n    package: ${pinned}\n`, 'u');
    expect(pinKernel(autoinstall, pinned)).toEqual({ autoinstall, changed: false });
  });

  it('refuses another package or a flavor, naming both kernels and the fix', () => {
    const other = parseAutoinstall(
      `${BASE}  kernel:\n    package: linux-image-6.8.0-45-generic\n`,
      '/r/user-data.yaml',
    );
    expect(pinErrorOf(other).message).toBe(
      "user-data.yaml:14:14 autoinstall.kernel.package: installs linux-image-6.8.0-45-generic, but the recipe's kernel step pins " +
        'linux-image-5.15.0-119-generic; write kernel: { package: linux-image-5.15.0-119-generic } (or remove kernel: and isoforge adds it)',
    );
    const flavor = parseAutoinstall(`${BASE}  kernel: { flavor: hwe }\n`, '/r/user-data.yaml');
    expect(pinErrorOf(flavor).message).toMatch(
      /^user-data\.yaml:13:21 autoinstall\.kernel\.flavor: installs the newest kernel of flavor hwe, but the recipe's kernel step pins linux-image-5\.15\.0-119-generic; /,
    );
  });

  it('words the warning for a pin without autoinstall', () => {
    expect(kernelPinWarning(pinned)).toBe(
      "the kernel step pins linux-image-5.15.0-119-generic, but without autoinstall the installer installs the medium's default " +
        "kernel metapackage (such as linux-generic): the flavour's newest kernel, not the pin; " +
        'add iso.autoinstall to the recipe with kernel: { package: linux-image-5.15.0-119-generic } in its user-data',
    );
  });
});

describe('the NoCloud seed', () => {
  it('lives in /nocloud/ and is named by the kernel arguments subiquity documents', () => {
    expect([NOCLOUD_USER_DATA, NOCLOUD_META_DATA]).toEqual(['/nocloud/user-data', '/nocloud/meta-data']);
    expect(NOCLOUD_KERNEL_ARGUMENTS).toEqual(['autoinstall', 'ds=nocloud;s=/cdrom/nocloud/']);
  });

  it('accepts empty meta-data or a map, and refuses anything else at its position', () => {
    expect(parseNocloudMetaData('', 'meta-data')).toBe('');
    expect(parseNocloudMetaData('instance-id: oem-1\n', 'meta-data')).toBe('instance-id: oem-1\n');
    expect(() => parseNocloudMetaData('- instance-id\n', '/r/meta-data')).toThrow(
      'meta-data:1:1 meta-data: must be a map such as instance-id: my-host-1 (or empty)',
    );
  });

  it('names a missing user-data or meta-data file and the recipe key that gave it', async () => {
    await expect(readAutoinstall('/nonexistent/user-data')).rejects.toThrow(
      "cannot read the autoinstall file /nonexistent/user-data: ENOENT: no such file or directory, open '/nonexistent/user-data'",
    );
    await expect(readNocloudMetaData('/nonexistent/meta-data')).rejects.toMatchObject({
      exitCode: ExitCode.badInput,
      hint: 'check iso.autoinstall.metaData in the recipe (a path relative to the recipe)',
    });
  });
});
