/**
 * The options and results of the boot-menu editors. They mirror the recipe's `iso.cmdline` and
 * `iso.menu` shapes structurally (src/medium/ sits below src/recipe/ and must not import it).
 */

/** Kernel arguments to add to and remove from one side of a kernel command line. */
export interface CmdlineEdit {
  add: readonly string[];
  /** An exact argument, or `NAME=` for every `NAME=VALUE`. */
  remove: readonly string[];
  /** live: before `---`; installed: after it (the installers copy those to the installed system). */
  side: 'live' | 'installed';
}

export interface MenuCmdlineEdit extends CmdlineEdit {
  /** Only the entries whose title matches; default: every entry that boots the live kernel. */
  entries?: RegExp;
}

/** A copy of the entry titled `from`, inserted right after it, with its own argument changes. */
export interface NewMenuEntry {
  title: string;
  from: string;
  cmdline?: CmdlineEdit;
  default: boolean;
}

export interface MenuEdit {
  /** Whether a kernel path (as the menu names it, e.g. /casper/vmlinuz) is the live system's kernel. */
  isLiveKernel(path: string): boolean;
  cmdline?: MenuCmdlineEdit;
  timeoutSeconds?: number;
  defaultTitle?: string;
  newEntries?: readonly NewMenuEntry[];
  /**
   * Add a timeout (default) assignment when the file has none. Existing assignments are always
   * replaced; which file of a set gets a new one is chooseSettingFiles' answer.
   */
  addTimeout?: boolean;
  addDefault?: boolean;
}

export interface MenuEditResult {
  text: string;
  /** Titles of the existing entries whose command line changed. */
  touched: string[];
  /** Titles of the new entries inserted. */
  added: string[];
  /** What the edit's names matched in this file: the caller reports what matched in no file. */
  found: {
    /** Titles of live-kernel entries the `entries` regex matched (all of them when there is no regex). */
    entries: string[];
    /** The `from` titles of newEntries that exist here. */
    from: string[];
    /** Whether the default title names an entry here (a new entry's title counts). */
    default: boolean;
  };
}
