/** Boot-menu editing for the medium stage: kernel arguments, timeout, default, copied entries. */
export { findMenuFiles, type MenuFile } from '../../inspect/menu-files.ts';
export { editMenuFile, editMenuFiles, listMenuTitles } from './edit-files.ts';
export type { EditedMenuFile, MenuEditProblem, MenuFilesEdit } from './edit-files.ts';
export { editGrubMenu, editGrubKernelLine } from './grub-menu.ts';
export { quoteGrubWord } from '../../inspect/grub-words.ts';
export { editIsolinuxAppendLine, editIsolinuxMenu, listIsolinuxLabels } from './isolinux-menu.ts';
export { chooseSettingFiles, includedPaths, type MenuFileText, type MenuSetting } from './settings-files.ts';
export type { CmdlineEdit, MenuCmdlineEdit, MenuEdit, MenuEditResult, NewMenuEntry } from './types.ts';
export { parseIsolinuxEntries, type IsolinuxEntry } from '../../inspect/isolinux-entries.ts';
export { parseGrubEntries, type GrubEntry } from '../../inspect/grub-entries.ts';
