/**
 * crypt(3) password hashes as /etc/shadow holds them (crypt(5) of libxcrypt, the formats Debian
 * and Ubuntu can verify). Autoinstall's identity.password and cloud-init's users[].passwd are
 * copied into the installed system's shadow file as they are: a plain-text password there would
 * lock the user out and leave the password readable on the medium.
 */
const B64 = '[./0-9A-Za-z]';

const CRYPT_FORMATS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'yescrypt', pattern: new RegExp(`^\\$y\\$${B64}+\\$${B64}{0,86}\\$${B64}{43}$`) },
  { name: 'gost-yescrypt', pattern: new RegExp(`^\\$gy\\$${B64}+\\$${B64}{0,86}\\$${B64}{43}$`) },
  { name: 'scrypt', pattern: new RegExp(`^\\$7\\$${B64}{11,97}\\$${B64}{43}$`) },
  { name: 'sha512crypt', pattern: new RegExp(`^\\$6\\$(rounds=\\d+\\$)?[^$:\\n]{0,16}\\$${B64}{86}$`) },
  { name: 'sha256crypt', pattern: new RegExp(`^\\$5\\$(rounds=\\d+\\$)?[^$:\\n]{0,16}\\$${B64}{43}$`) },
  { name: 'bcrypt', pattern: new RegExp(`^\\$2[abxy]\\$\\d{2}\\$${B64}{53}$`) },
  { name: 'md5crypt', pattern: new RegExp(`^\\$1\\$[^$:\\n]{0,8}\\$${B64}{22}$`) },
];

/** The crypt(5) format of HASH (sha512crypt, yescrypt, ...), or undefined for anything else. */
export function cryptFormatOf(hash: string): string | undefined {
  return CRYPT_FORMATS.find((format) => format.pattern.test(hash))?.name;
}

/**
 * The message for a password that is not a crypt hash. DES hashes (13 characters, no '$') are
 * refused too: they cannot be told apart from a 13-character plain-text password.
 */
export const NOT_A_CRYPT_HASH =
  'is not a crypt hash ($6$..., $y$..., $5$..., $2b$..., $1$...); never write the password itself: make a hash with `mkpasswd -m sha-512` (package whois) or `openssl passwd -6`';
