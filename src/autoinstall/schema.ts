import { z } from 'zod';
import { cryptFormatOf, NOT_A_CRYPT_HASH } from './crypt-hash.ts';

/**
 * Subiquity's autoinstall sections (version 1) with the types the public reference documents:
 * doc/reference/autoinstall-reference.rst and autoinstall-schema.json of canonical/subiquity.
 * Objects the reference closes (additionalProperties: false) are strict here; the others keep
 * unknown keys, as subiquity does, but their documented keys are type-checked. Deeper structure
 * the reference hands to curtin or netplan (storage.config, apt.sources, network) stays loose.
 */
const cryptHash = z.string().refine((value) => cryptFormatOf(value) !== undefined, NOT_A_CRYPT_HASH);
const strings = z.array(z.string());

/** A command is run with `sh -c` when a string, directly when a list (reference: Command lists). */
const commandList = z.array(
  z.union([z.string(), strings], { error: 'each command must be a string or a list of strings' }),
);

const netplan = z.looseObject({
  version: z.literal(2, { error: 'must be 2 (netplan format version 2)' }).optional(),
  ethernets: z.record(z.string(), z.looseObject({})).optional(),
  wifis: z.record(z.string(), z.looseObject({})).optional(),
  bridges: z.record(z.string(), z.looseObject({})).optional(),
  bonds: z.record(z.string(), z.looseObject({})).optional(),
  tunnels: z.record(z.string(), z.looseObject({})).optional(),
  vlans: z.record(z.string(), z.looseObject({})).optional(),
});

/** Netplan YAML, either at the top of the section or under a nested network: key (both accepted). */
const networkSection = netplan
  .extend({ network: netplan.optional() })
  .refine((network) => (network.version === 2) !== (network.network?.version === 2), {
    message: 'netplan needs version: 2, either directly under network: or under network.network:',
  });

const mirror = z.union(
  [z.literal('country-mirror'), z.looseObject({ uri: z.string(), arches: strings.optional() })],
  {
    error: "each mirror must be 'country-mirror' or a map with uri: (and arches:)",
  },
);

const aptSection = z.looseObject({
  preserve_sources_list: z.boolean().optional(),
  primary: z.array(z.looseObject({})).optional(),
  'mirror-selection': z.looseObject({ primary: z.array(mirror).optional() }).optional(),
  geoip: z.boolean().optional(),
  sources: z.record(z.string(), z.looseObject({})).optional(),
  disable_components: z
    .array(z.enum(['universe', 'multiverse', 'restricted', 'contrib', 'non-free']))
    .optional(),
  preferences: z
    .array(z.looseObject({ package: z.string(), pin: z.string(), 'pin-priority': z.number().int() }))
    .optional(),
  fallback: z.enum(['abort', 'continue-anyway', 'offline-install']).optional(),
});

const storageSection = z.looseObject({
  layout: z
    .looseObject({
      name: z.enum(['lvm', 'direct', 'zfs', 'hybrid']),
      match: z.union([z.looseObject({}), z.array(z.looseObject({}))]).optional(),
      password: z.string().optional().describe('the LUKS passphrase itself, not a hash'),
      'sizing-policy': z.enum(['scaled', 'all']).optional(),
      ptable: z.enum(['gpt', 'msdos', 'vtoc']).optional(),
      encrypted: z.boolean().optional(),
      'reset-partition': z.union([z.boolean(), z.string()]).optional(),
      'reset-partition-only': z.boolean().optional(),
    })
    .optional(),
  config: z.array(z.looseObject({ type: z.string() })).optional(),
  swap: z.looseObject({}).optional(),
  grub: z.looseObject({}).optional(),
});

const identitySection = z.strictObject({
  realname: z.string().optional(),
  username: z.string().min(1),
  hostname: z.string().min(1),
  password: cryptHash,
  groups: z
    .union([strings, z.strictObject({ override: strings.optional(), append: strings.optional() })])
    .optional(),
});

/** cloud-init user data for the installed system; users' passwd and hashed_passwd are crypt hashes too. */
const userDataSection = z.looseObject({
  users: z
    .array(
      z.union([
        z.string(),
        z.looseObject({
          name: z.string(),
          passwd: cryptHash.optional(),
          hashed_passwd: cryptHash.optional(),
        }),
      ]),
    )
    .optional(),
});

const proToken = z.looseObject({
  token: z
    .string()
    .regex(
      /^C[1-9A-HJ-NP-Za-km-z]{23,29}$/,
      'a contract token starts with C and has 23 to 29 more Base58 characters',
    )
    .optional(),
});

const onOff = z.looseObject({ install: z.boolean().optional() });

export const autoinstallSectionsSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1: the only autoinstall version there is; write version: 1' }),
  'interactive-sections': strings.optional(),
  'early-commands': commandList.optional(),
  locale: z.string().optional(),
  'refresh-installer': z
    .strictObject({ update: z.boolean().optional(), channel: z.string().optional() })
    .optional(),
  keyboard: z
    .strictObject({
      layout: z.string(),
      variant: z.string().optional(),
      toggle: z.string().nullable().optional(),
    })
    .optional(),
  source: z.looseObject({ search_drivers: z.boolean().optional(), id: z.string().optional() }).optional(),
  network: networkSection.optional(),
  proxy: z.url().nullable().optional(),
  apt: aptSection.optional(),
  storage: storageSection.optional(),
  identity: identitySection.optional(),
  'active-directory': z
    .strictObject({ 'admin-name': z.string().optional(), 'domain-name': z.string().optional() })
    .optional(),
  'ubuntu-pro': proToken.optional(),
  'ubuntu-advantage': proToken.optional(),
  ssh: z
    .looseObject({
      'install-server': z.boolean().optional(),
      'authorized-keys': strings.optional(),
      'allow-pw': z.boolean().optional(),
    })
    .optional(),
  codecs: onOff.optional(),
  drivers: onOff.optional(),
  oem: z
    .looseObject({
      install: z.union([z.boolean(), z.literal('auto')], { error: 'must be true, false or auto' }),
    })
    .optional(),
  snaps: z
    .array(
      z.strictObject({ name: z.string(), channel: z.string().optional(), classic: z.boolean().optional() }),
    )
    .optional(),
  'debconf-selections': z.string().optional(),
  packages: strings.optional(),
  kernel: z
    .looseObject({ package: z.string().min(1).optional(), flavor: z.string().min(1).optional() })
    .refine((kernel) => (kernel.package === undefined) !== (kernel.flavor === undefined), {
      message:
        'give exactly one of package (like linux-image-5.15.0-119-generic) or flavor (like generic or hwe)',
    })
    .optional(),
  'kernel-crash-dumps': z.strictObject({ enabled: z.boolean().nullable() }).optional(),
  timezone: z.string().optional(),
  updates: z.enum(['security', 'all']).optional(),
  shutdown: z.enum(['reboot', 'poweroff']).optional(),
  'late-commands': commandList.optional(),
  'error-commands': commandList.optional(),
  reporting: z.record(z.string(), z.looseObject({ type: z.string() })).optional(),
  'user-data': userDataSection.optional(),
  zdevs: z.array(z.looseObject({ id: z.string().optional(), enabled: z.boolean().optional() })).optional(),
});

/** The autoinstall sections as validated; the file's own text is what goes on the medium. */
export type AutoinstallSections = z.infer<typeof autoinstallSectionsSchema>;

/** The section names subiquity knows, for "unknown section" messages. */
export const AUTOINSTALL_SECTIONS: readonly string[] = Object.keys(autoinstallSectionsSchema.shape);
